/**
 * Attacks on the WebSocket side of /graphql (graphql-ws) and on the API rate limit (issue #8):
 * a `serve --role all` process on the test network, and a second replica (`--role gateway`, same
 * database and secrets) with low bounds: 5 HTTP requests per window, 3 subscriptions per
 * connection, 3 connections per client.
 * - connection_init: forged, expired, wrong-audience, wrong-issuer, `alg: none`, garbage and
 *   non-Bearer tokens are closed with 4403 before anything is sent; an anonymous connection is
 *   acknowledged but every subscription on it is UNAUTHENTICATED;
 * - other users: another user's accountChanged is FORBIDDEN, submissionUpdated NOT_FOUND, nothing
 *   delivered while the owner's own subscription gets the event; assetChanged is public (as the
 *   asset query) but a restricted field (the owner's lastLoginAt) stays hidden;
 * - admin subscriptions: networkChanged FORBIDDEN for a user, delivered to an admin;
 * - documents: depth, aliases, cost, tokens, syntax, unknown fields, queries and mutations over
 *   WebSocket refused with the codes HTTP gives them, the mutation never run;
 * - protocol: malformed, unknown and binary messages, a second connection_init, subscribe before
 *   init, a repeated id, an oversized message, a wrong subprotocol, no init at all;
 * - bounds: subscriptions per connection (RATE_LIMITED), connections per client (4429), the HTTP
 *   rate limit (429 RATE_LIMITED with retry-after, other callers unaffected);
 * - credentials that end while connected: a user disabled, a token expiring (closed with 4403 at
 *   the next check, every second on the second replica), a subscribe after the user was disabled.
 * The invariant checker runs at the end.
 */
import { Client } from 'pg';

import { createIsolatedDatabase, type IsolatedDatabase } from '../db/isolatedDatabase';
import { registerApiUser, type ApiUser } from './apiUsers';
import { forgedTokens } from './forgedTokens';
import { startGatewayProcess, type GatewayProcess, type GraphqlReply } from './gatewayProcess';
import { checkInvariants, newScenarioRecord } from './invariants';
import { eventually, uniqueId } from './waiting';
import { openProbe, outcomeOf, type Frame, type Probe } from './wsProbe';

jest.setTimeout(180_000);

const record = newScenarioRecord();
// Asymmetric matchers typed as what they are for toEqual: values it compares, not `any`.
const anyString: unknown = expect.any(String);
const someOf = (items: unknown[]): unknown => expect.arrayContaining(items);
const containing = (fields: Record<string, unknown>): unknown => expect.objectContaining(fields);
const saying = (text: string): unknown => expect.stringContaining(text);
const LIMITED = { rate: 5, subscriptions: 3, connections: 3 };

let db: IsolatedDatabase;
let gateway: GatewayProcess;
let limited: GatewayProcess;
let admin = '';
let alice: ApiUser;
let bob: ApiUser;
let aliceAsset = '';
let aliceSubmission = '';
const probes: Probe[] = [];

/** A probe on the main gateway (or `url`), closed after the test. */
async function probe(url = gateway.websocketUrl, protocol?: string): Promise<Probe> {
  const p = await openProbe(url, protocol);
  probes.push(p);
  return p;
}

/** A probe past connection_init with `token` (none: anonymous). */
async function connected(token?: string, url?: string): Promise<Probe> {
  const p = await probe(url);
  const acked = await p.init(token ? { authorization: `Bearer ${token}` } : {});
  if (acked !== true) throw new Error(`connection_init refused with ${acked}`);
  return p;
}

const bearer = (token: string): Record<string, unknown> => ({ authorization: `Bearer ${token}` });

const CREATE = 'mutation($id: ID!) { createAsset(input: { id: $id, kind: "crate", attributes: {} }) { transactionId submission { id } } }';
const ASYNC_CREATE = 'mutation($id: ID!) { createAsset(input: { id: $id, kind: "crate", attributes: {} }, options: { mode: ASYNC }) { submission { id } } }';
const UPDATE = 'mutation($id: ID!, $n: Int!) { updateAsset(input: { id: $id, attributes: { n: $n } }) { transactionId } }';
const MINT = 'mutation($a: ID!, $n: BigInt!) { mintTokens(input: { account: $a, amount: $n }) { transactionId } }';

/** A SYNC mutation that must commit and be indexed; its tx id goes to the record. */
async function commit(query: string, variables: Record<string, unknown>, token: string): Promise<void> {
  const reply = await gateway.graphql<Record<string, { transactionId: string | null }>>(query, variables, token);
  const txId = reply.data ? Object.values(reply.data)[0]?.transactionId : undefined;
  if (!txId) throw new Error(`expected a commit: ${JSON.stringify(reply)}`);
  record.committed.push(txId);
}

/** A new block, indexed once this returns: alice creates an asset. */
const newBlock = (): Promise<void> => commit(CREATE, { id: uniqueId('wsblk') }, alice.token);

/** Each subscription's frames by outcome, once its stream has ended (`complete` or `error`). */
async function ended(p: Probe, ids: readonly string[]): Promise<Record<string, ReturnType<typeof outcomeOf>[]>> {
  const out: Record<string, ReturnType<typeof outcomeOf>[]> = {};
  for (const id of ids) {
    const first = await p.next(id);
    if (first.type !== 'error') await p.next(id, 1);
    out[id] = p.framesFor(id).map(outcomeOf);
  }
  return out;
}

/** The frames of a refused subscription: its error as a result, then the end of its stream. */
const refusedWith = (code: string): ReturnType<typeof outcomeOf>[] => [{ type: 'next', code }, { type: 'complete' }];

beforeAll(async () => {
  db = await createIsolatedDatabase('fabric_attacks_ws');
  gateway = await startGatewayProcess({ databaseUrl: db.url, role: 'all', env: { PEER_MONITOR_INTERVAL_MS: '1000', GATEWAY_RATE_LIMIT_MAX: '5000' } });
  admin = await gateway.login();
  [alice, bob] = [await registerApiUser(gateway, admin, 'wsalice'), await registerApiUser(gateway, admin, 'wsbob')];
  limited = await startGatewayProcess({
    databaseUrl: db.url,
    role: 'gateway',
    walletKey: gateway.walletKey,
    jwtSecret: gateway.jwtSecret,
    adminUsername: gateway.admin.username,
    env: {
      GATEWAY_RATE_LIMIT_MAX: String(LIMITED.rate),
      // Long enough that the window never rolls over during the test.
      GATEWAY_RATE_LIMIT_WINDOW_MS: '3600000',
      GATEWAY_WS_MAX_SUBSCRIPTIONS: String(LIMITED.subscriptions),
      GATEWAY_WS_MAX_CONNECTIONS_PER_CLIENT: String(LIMITED.connections),
      GATEWAY_WS_REAUTH_SECONDS: '1',
    },
  });
  aliceAsset = uniqueId('wsasset');
  await commit(CREATE, { id: aliceAsset }, alice.token);
  const queued = await gateway.graphql<{ createAsset: { submission: { id: string } } }>(ASYNC_CREATE, { id: uniqueId('wsasync') }, alice.token);
  aliceSubmission = queued.data?.createAsset.submission.id ?? '';
  if (!aliceSubmission) throw new Error(`ASYNC create: ${JSON.stringify(queued)}`);
  await commit(MINT, { a: alice.account, n: '50' }, admin);
  record.minted.set(alice.account, 50n);
});

afterEach(async () => {
  await Promise.all(probes.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await limited.stop();
  await gateway.stop();
  await db.drop();
}, 60_000);

describe('connection_init', () => {
  test('refused tokens are closed with 4403 before anything is sent; a good one is acknowledged', async () => {
    const tokens = forgedTokens(gateway.jwtSecret, alice);
    const cases: [string, Record<string, unknown>][] = [];
    for (const [name, make] of tokens.refused) cases.push([name, bearer(await make())]);
    cases.push(['a Basic credential', { authorization: `Basic ${Buffer.from(`${alice.username}:${alice.password}`).toString('base64')}` }]);
    cases.push(['a token without the Bearer scheme', { authorization: alice.token }]);
    cases.push(['not a string', { authorization: 42 }]);
    const seen: Record<string, unknown> = {};
    for (const [name, payload] of cases) {
      const p = await probe();
      const code = await p.init(payload);
      seen[name] = { code, frames: p.frames };
    }
    expect(seen).toEqual(Object.fromEntries(cases.map(([name]) => [name, { code: 4403, frames: [] }])));
    expect(await (await probe()).init(bearer(await tokens.sign()))).toBe(true);
  });

  test('an anonymous connection is acknowledged, but every subscription on it is UNAUTHENTICATED and delivers nothing', async () => {
    const anonymous = await connected();
    const watcher = await connected(alice.token);
    watcher.subscribe('blocks', 'subscription { blockIndexed { number } }');
    anonymous.subscribe('blocks', 'subscription { blockIndexed { number } }');
    anonymous.subscribe('asset', 'subscription($id: ID!) { assetChanged(id: $id) { id attributes } }', { id: aliceAsset });
    anonymous.subscribe('account', 'subscription($id: ID!) { accountChanged(id: $id) { balance } }', { id: alice.account });
    anonymous.subscribe('network', 'subscription { networkChanged { checkedAt } }');
    const refused = await ended(anonymous, ['blocks', 'asset', 'account', 'network']);
    await newBlock();
    expect(outcomeOf(await watcher.next('blocks'))).toEqual({ type: 'next', data: { blockIndexed: { number: anyString } } });
    expect(refused).toEqual({ blocks: refusedWith('UNAUTHENTICATED'), asset: refusedWith('UNAUTHENTICATED'), account: refusedWith('UNAUTHENTICATED'), network: refusedWith('UNAUTHENTICATED') });
    expect(anonymous.frames.filter((f) => f.type === 'next' && outcomeOf(f).data !== undefined)).toEqual([]);
  });
});

describe("another user's subscriptions", () => {
  test("bob may not watch alice's account or submission; her own watch and an admin's get the events", async () => {
    const bobs = await connected(bob.token);
    bobs.subscribe('account', 'subscription($id: ID!) { accountChanged(id: $id) { id balance transfers(first: 5) { totalCount } } }', { id: alice.account });
    bobs.subscribe('submission', 'subscription($id: ID!) { submissionUpdated(id: $id) { id status transactionId } }', { id: aliceSubmission });
    const refused = await ended(bobs, ['account', 'submission']);
    const alices = await connected(alice.token);
    alices.subscribe('account', 'subscription($id: ID!) { accountChanged(id: $id) { balance transfers(first: 5) { totalCount } } }', { id: alice.account });
    const admins = await connected(admin);
    admins.subscribe('account', 'subscription($id: ID!) { accountChanged(id: $id) { balance } }', { id: alice.account });
    await commit(MINT, { a: alice.account, n: '7' }, admin);
    record.minted.set(alice.account, 57n);
    const own = outcomeOf(await alices.next('account'));
    const adminsView = outcomeOf(await admins.next('account'));
    expect([own.data, adminsView.data]).toEqual([{ accountChanged: { balance: '57', transfers: { totalCount: 2 } } }, { accountChanged: { balance: '57' } }]);
    // The refused streams ended before the mint and got nothing after it.
    expect(refused).toEqual({ account: refusedWith('FORBIDDEN'), submission: refusedWith('NOT_FOUND') });
    expect(bobs.frames.map(outcomeOf).filter((o) => o.data !== undefined)).toEqual([]);
  });

  test("assetChanged of alice's asset is public to signed-in users (as the asset query), her lastLoginAt stays hidden from bob", async () => {
    const WATCH = 'subscription($id: ID!) { assetChanged(id: $id) { id version attributes owner { id user { username lastLoginAt } } } }';
    const bobs = await connected(bob.token);
    const admins = await connected(admin);
    bobs.subscribe('asset', WATCH, { id: aliceAsset });
    admins.subscribe('asset', WATCH, { id: aliceAsset });
    await commit(UPDATE, { id: aliceAsset, n: 1 }, alice.token);
    const [seenByBob, seenByAdmin] = [outcomeOf(await bobs.next('asset')), outcomeOf(await admins.next('asset'))];
    expect(seenByBob).toEqual({
      type: 'next',
      data: { assetChanged: { id: aliceAsset, version: 2, attributes: { n: 1 }, owner: { id: alice.account, user: { username: alice.username, lastLoginAt: null } } } },
    });
    // The field exists and is set: an admin sees it.
    expect(seenByAdmin.data).toEqual({ assetChanged: containing({ owner: { id: alice.account, user: { username: alice.username, lastLoginAt: anyString } } }) });
  });

  test('networkChanged is for admins: FORBIDDEN for a user, delivered to an admin; blockIndexed is for every signed-in user', async () => {
    const alices = await connected(alice.token);
    const admins = await connected(admin);
    alices.subscribe('network', 'subscription { networkChanged { checkedAt peers { name } } }');
    alices.subscribe('blocks', 'subscription { blockIndexed { number } }');
    admins.subscribe('network', 'subscription { networkChanged { checkedAt peers { name } } }');
    const refused = await ended(alices, ['network']);
    // A new block changes every peer's height: the next monitor round (every second here) reports it.
    await newBlock();
    const [adminsView, block] = [outcomeOf(await admins.next('network')), outcomeOf(await alices.next('blocks'))];
    expect(refused).toEqual({ network: refusedWith('FORBIDDEN') });
    expect(adminsView).toEqual({ type: 'next', data: { networkChanged: { checkedAt: anyString, peers: someOf([{ name: 'peer0.org1.example.com' }]) } } });
    expect(block.data).toEqual({ blockIndexed: { number: anyString } });
  });
});

describe('documents over WebSocket', () => {
  test('depth, aliases, cost, tokens, syntax and unknown fields are refused as over HTTP; queries and mutations are not run', async () => {
    const p = await connected(admin);
    // Block.transactions and Transaction.block make a cycle; the depth limit stops it before any guard runs.
    let deep = 'id';
    for (let i = 0; i < 6; i++) deep = `block { transactions { ${deep} } }`;
    const transaction = 'transaction { id channel blockNumber txIndex type validationCode valid creatorMspId chaincode function createdAt writes { namespace key isDelete value } block { number hash } }';
    const documents: Record<string, string> = {
      depth: `subscription { assetChanged(id: "x") { history { edges { node { transaction { ${deep} } } } } } }`,
      aliases: `subscription { assetChanged(id: "x") { ${Array.from({ length: 20 }, (_, i) => `a${i}: id`).join(' ')} } }`,
      cost: `subscription { assetChanged(id: "x") { history(first: 500) { edges { cursor node { action kind attributes version blockNumber txIndex at ${transaction} } } } events(first: 500) { edges { cursor node { chaincode name payload blockNumber txIndex ${transaction} } } } } }`,
      tokens: `subscription { blockIndexed { ${'number '.repeat(2500)} } }`,
      syntax: 'subscription { blockIndexed { number }',
      unknownField: 'subscription { blockIndexed { number secretKey } }',
      query: '{ users { totalCount } }',
      mutation: `mutation { createAsset(input: { id: "${uniqueId('wsmut')}", kind: "crate", attributes: {} }) { transactionId } }`,
    };
    for (const [id, query] of Object.entries(documents)) p.subscribe(id, query);
    const seen: Record<string, unknown> = {};
    for (const id of Object.keys(documents)) {
      const frame: Frame = await p.next(id);
      const message = (frame.payload as { message?: string }[] | undefined)?.[0]?.message ?? '';
      seen[id] = [outcomeOf(frame), message];
    }
    const refused = (code: string, message: RegExp): unknown => [{ type: 'error', code }, expect.stringMatching(message)];
    expect(seen).toEqual({
      depth: refused('GRAPHQL_VALIDATION_FAILED', /depth/i),
      aliases: refused('GRAPHQL_VALIDATION_FAILED', /alias/i),
      cost: refused('GRAPHQL_VALIDATION_FAILED', /cost/i),
      tokens: refused('GRAPHQL_PARSE_FAILED', /token/i),
      syntax: refused('GRAPHQL_PARSE_FAILED', /syntax/i),
      unknownField: refused('GRAPHQL_VALIDATION_FAILED', /secretKey/),
      query: refused('BAD_REQUEST', /only subscriptions/),
      mutation: refused('BAD_REQUEST', /only subscriptions/),
    });
    // Nothing but the refusals came back, and the connection is still usable.
    expect(p.frames.map((f) => f.type)).toEqual(['connection_ack', ...Object.keys(documents).map(() => 'error')]);
    p.subscribe('ok', 'subscription { blockIndexed { number } }');
    await newBlock();
    expect(outcomeOf(await p.next('ok')).type).toBe('next');
    // The mutation sent over WebSocket was never run: a later block is indexed, its asset is not there.
    const mutated = /id: "([^"]+)"/.exec(documents.mutation ?? '')?.[1];
    const asset = await gateway.graphql<{ asset: unknown }>('query($id: ID!) { asset(id: $id) { id } }', { id: mutated }, admin);
    expect(asset.data).toEqual({ asset: null });
  });
});

describe('protocol abuse', () => {
  const BLOCKS = { query: 'subscription { blockIndexed { number } }' };

  test('malformed, unknown and out-of-order messages close the socket with the protocol codes; nothing else is sent', async () => {
    const subscribe = (id: string): object => ({ id, type: 'subscribe', payload: BLOCKS });
    // [case, what is sent after connection_ack, the close code]
    const cases: [string, (object | string | Buffer)[], number][] = [
      ['malformed JSON', ['{"type": "subscribe", "id": '], 4400],
      ['an unknown message type', [{ type: 'gimme', payload: {} }], 4400],
      ['no type', [{ id: '1', payload: BLOCKS }], 4400],
      ['binary garbage', [Buffer.from([0xff, 0xfe, 0x00, 0x01])], 4400],
      ['a subscribe without an id', [{ type: 'subscribe', payload: BLOCKS }], 4400],
      ['a second connection_init', [{ type: 'connection_init', payload: bearer(admin) }], 4429],
      ['a repeated subscription id', [subscribe('same'), subscribe('same')], 4409],
      ['a message over the body limit (100 KiB)', [{ id: 'big', type: 'subscribe', payload: { query: `${BLOCKS.query} #${'x'.repeat(200_000)}` } }], 1009],
    ];
    const seen: Record<string, unknown> = {};
    for (const [name, messages] of cases) {
      const p = await connected(alice.token);
      for (const message of messages) p.send(message);
      seen[name] = [(await p.closed).code, p.frames.map((f) => f.type)];
    }
    expect(seen).toEqual(Object.fromEntries(cases.map(([name, , code]) => [name, [code, ['connection_ack']]])));
  });

  test('before connection_init: a subscribe is 4401, silence is 4408; another subprotocol fails the handshake', async () => {
    const early = await probe();
    early.send({ id: '1', type: 'subscribe', payload: BLOCKS });
    const silent = await probe();
    const legacy = await probe(gateway.websocketUrl, 'graphql-ws');
    const closes = [await early.closed, await silent.closed, await legacy.closed].map((c) => c.code);
    // The legacy subscriptions-transport-ws protocol is not offered back: the client aborts the handshake (1006).
    expect([closes, early.frames, silent.frames, legacy.frames]).toEqual([[4401, 4408, 1006], [], [], []]);
    // The gateway goes on serving.
    expect((await gateway.graphql('{ gateway { channel } }')).status).toBe(200);
    expect(await (await probe()).init(bearer(alice.token))).toBe(true);
  });
});

describe('bounds (the replica with low bounds)', () => {
  test(`at most ${LIMITED.subscriptions} subscriptions per connection: one more is RATE_LIMITED, a place frees when one completes`, async () => {
    const p = await connected(alice.token, limited.websocketUrl);
    for (let i = 1; i <= LIMITED.subscriptions + 1; i++) p.subscribe(`s${i}`, 'subscription { blockIndexed { number } }');
    const over = outcomeOf(await p.next(`s${LIMITED.subscriptions + 1}`));
    p.send({ id: 's1', type: 'complete' });
    p.subscribe('again', 'subscription { blockIndexed { number } }');
    await newBlock();
    const [second, again] = [outcomeOf(await p.next('s2')), outcomeOf(await p.next('again'))];
    expect([over, second.type, again.type]).toEqual([{ type: 'error', code: 'RATE_LIMITED' }, 'next', 'next']);
    expect(p.framesFor('s1')).toEqual([]);
  });

  test(`at most ${LIMITED.connections} connections per client: one more is closed with 4429; other clients unaffected`, async () => {
    const opened: (true | number)[] = [];
    const bobs: Probe[] = [];
    for (let i = 0; i < LIMITED.connections; i++) {
      const p = await probe(limited.websocketUrl);
      bobs.push(p);
      opened.push(await p.init(bearer(bob.token)));
    }
    const extra = await probe(limited.websocketUrl);
    const refused = await extra.init(bearer(bob.token));
    const reason = (await extra.closed).reason;
    const other = await (await probe(limited.websocketUrl)).init(bearer(alice.token));
    expect([opened, refused, reason, extra.frames, other]).toEqual([Array(LIMITED.connections).fill(true), 4429, saying('RATE_LIMITED'), [], true]);
    // Closing one frees its place (the server counts it down once it sees the close).
    await bobs[0]?.close();
    await eventually(async () => {
      expect(await (await probe(limited.websocketUrl)).init(bearer(bob.token))).toBe(true);
    });
  });

  test(`the HTTP rate limit: request ${LIMITED.rate + 1} of a user is 429 RATE_LIMITED with retry-after; other callers and the other replica unaffected`, async () => {
    const ME = '{ me { username } }';
    const within: number[] = [];
    for (let i = 0; i < LIMITED.rate; i++) within.push((await limited.graphql(ME, {}, alice.token)).status);
    const over: GraphqlReply<unknown> = await limited.graphql(ME, {}, alice.token);
    const retryAfter = Number(over.headers.get('retry-after'));
    const others = [await limited.graphql(ME, {}, bob.token), await limited.graphql(ME, {}, admin), await limited.graphql('{ gateway { channel } }'), await gateway.graphql(ME, {}, alice.token)];
    expect([within, over.status, over.errors?.[0]?.extensions?.code, over.data ?? null]).toEqual([Array(LIMITED.rate).fill(200), 429, 'RATE_LIMITED', null]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(others.map((r) => [r.status, r.errors?.[0]?.extensions?.code])).toEqual(Array(4).fill([200, undefined]));
    // Still refused: the others' requests did not reset alice's budget.
    expect((await limited.graphql(ME, {}, alice.token)).status).toBe(429);
  });
});

describe('credentials that end while connected', () => {
  const BLOCKS = 'subscription { blockIndexed { number } }';
  const disable = async (user: ApiUser): Promise<void> => {
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      await pg.query('UPDATE users SET disabled = true, disabled_at = now() WHERE id = $1', [user.id]);
    } finally {
      await pg.end();
    }
  };

  test('a user disabled while subscribed: the next check closes the connection with 4403', async () => {
    const carol = await registerApiUser(gateway, admin, 'wscarol');
    const p = await connected(carol.token, limited.websocketUrl);
    p.subscribe('blocks', BLOCKS);
    await newBlock();
    expect(outcomeOf(await p.next('blocks'))).toEqual({ type: 'next', data: { blockIndexed: { number: anyString } } });
    await disable(carol);
    expect(await p.closed).toEqual({ code: 4403, reason: saying('sign in again') });
  });

  test('a token that expires while connected: the next check after its expiry closes the connection with 4403', async () => {
    const dave = await registerApiUser(gateway, admin, 'wsdave');
    // The gateway allows 5 s of clock skew, so this token is refused from about 7 s on.
    const token = await forgedTokens(gateway.jwtSecret, dave).sign({ exp: Math.floor(Date.now() / 1000) + 2 });
    const p = await connected(token, limited.websocketUrl);
    const openedAt = Date.now();
    expect(await p.closed).toEqual({ code: 4403, reason: saying('sign in again') });
    expect(Date.now() - openedAt).toBeGreaterThan(1000);
  });

  test('a subscribe after the user was disabled is refused at once (the main gateway checks only every minute)', async () => {
    const erin = await registerApiUser(gateway, admin, 'wserin');
    const p = await connected(erin.token);
    await disable(erin);
    p.subscribe('blocks', BLOCKS);
    expect(await p.closed).toEqual({ code: 4403, reason: saying('sign in again') });
    expect(p.framesFor('blocks').filter((f) => f.type === 'next')).toEqual([]);
  });
});

test('the invariants hold after all of it', async () => {
  const report = await checkInvariants({ databaseUrl: db.url, record });
  expect({ violations: report.violations, verify: report.violations.length ? report.verifyOutput : '' }).toEqual({ violations: [], verify: '' });
  expect(record.committed.length).toBeGreaterThanOrEqual(8);
});
