/**
 * Attacks and bad input through the real API (issue #8, the fast slice): one `serve --role all`
 * process against the test network, an admin and two CA-backed users.
 * - authentication: forged, expired, wrong-audience, wrong-issuer and `alg: none` JWTs, a disabled
 *   user's still-valid token, login brute force engaging the limiter;
 * - authorization: anonymous / user / other user / admin × the guarded operations, and acting on
 *   another user's asset (the chaincode's FORBIDDEN);
 * - abuse: depth, aliases, cost, huge pages, oversized and malformed bodies, batch floods,
 *   injection-shaped strings in every string argument, invalid UTF-8, amounts beyond 2^64;
 * - secrets: no private key, password hash or other user's JWT in any response; wallet keys are
 *   ciphertext.
 * Each case asserts the HTTP status and `extensions.code`; the invariant checker runs at the end.
 */
import { Client } from 'pg';

import { createFabricLedgerClient, type FabricLedgerClient } from '../../src/ledger';
import { lookupTransaction } from '../../src/ledger/submittedTransactions';
import { createIsolatedDatabase, type IsolatedDatabase } from '../db/isolatedDatabase';
import { API_USER_PASSWORD, registerApiUser, type ApiUser } from './apiUsers';
import { dappConnectionProfiles, dappIdentity } from './dappIdentities';
import { forgedTokens, type ForgedTokens } from './forgedTokens';
import { startGatewayProcess, type GatewayProcess, type GraphqlReply } from './gatewayProcess';
import { checkInvariants, newScenarioRecord } from './invariants';
import { testNetwork, TEST_CHANNEL } from './testNetwork';
import { uniqueId } from './waiting';

jest.setTimeout(180_000);

const network = testNetwork();
const PASSWORD = API_USER_PASSWORD;
const record = newScenarioRecord();
/** Every response body the test saw, scanned for secrets at the end. */
const bodies: string[] = [];

let db: IsolatedDatabase;
let pg: Client;
let ledger: FabricLedgerClient;
let gateway: GatewayProcess;
let admin = '';
let alice: ApiUser;
let bob: ApiUser;
let aliceAsset = '';
let aliceSubmission = '';

async function call<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GraphqlReply<T>> {
  const reply = await gateway.graphql<T>(query, variables, token);
  bodies.push(JSON.stringify({ data: reply.data, errors: reply.errors }));
  return reply;
}

/** [status, first error code] of a reply, the shape every case asserts. */
const outcome = (reply: GraphqlReply<unknown>): [number, string | undefined] => [reply.status, reply.errors?.[0]?.extensions?.code];

async function post(body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const response = await fetch(gateway.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  bodies.push(text);
  return { status: response.status, body: text };
}
const codeOf = (body: string): string | undefined => (JSON.parse(body) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code;

const register = (prefix: string): Promise<ApiUser> => registerApiUser(gateway, admin, prefix);

interface Payload {
  transactionId: string | null;
  submission: { id: string; status: string };
}
/** A mutation expected to commit: its tx id goes to the record. */
async function committed(field: string, query: string, variables: Record<string, unknown>, token: string): Promise<Payload> {
  const reply = await call<Record<string, Payload>>(query, variables, token);
  expect(outcome(reply)).toEqual([200, undefined]);
  const payload = reply.data?.[field];
  if (!payload?.transactionId) throw new Error(`${field}: no transaction id in ${JSON.stringify(reply)}`);
  record.committed.push(payload.transactionId);
  return payload;
}

/** A mutation expected to fail: its submission (if one was recorded) goes to the record. */
function failed(reply: GraphqlReply<unknown>): void {
  const details = reply.errors?.[0]?.extensions?.details as { submissionId?: string } | undefined;
  if (details?.submissionId) record.failed.push(details.submissionId);
}

const CREATE = 'mutation($id: ID!, $kind: String!, $key: String) { createAsset(input: { id: $id, kind: $kind, attributes: {} }, options: { idempotencyKey: $key }) { transactionId submission { id status } } }';
const UPDATE = 'mutation($id: ID!) { updateAsset(input: { id: $id, attributes: { hijacked: true } }) { transactionId submission { id status } } }';
const TRANSFER_ASSET = 'mutation($id: ID!, $to: ID!) { transferAsset(input: { id: $id, newOwner: $to }) { transactionId submission { id status } } }';
const MINT = 'mutation($a: ID!, $n: BigInt!) { mintTokens(input: { account: $a, amount: $n }) { transactionId submission { id status } } }';
const PAY = 'mutation($to: ID!, $n: BigInt!) { transferTokens(input: { to: $to, amount: $n }) { transactionId submission { id status } } }';
const REGISTER = 'mutation($u: String!, $m: String) { registerUser(input: { username: $u, password: "correct horse battery staple", mspId: $m }) { id } }';

beforeAll(async () => {
  db = await createIsolatedDatabase('fabric_attacks');
  pg = new Client({ connectionString: db.url });
  await pg.connect();
  gateway = await startGatewayProcess({
    databaseUrl: db.url,
    role: 'all',
    env: { AUTH_LOGIN_MAX_FAILURES_PER_USER: '3', GATEWAY_RATE_LIMIT_MAX: '5000' },
  });
  admin = await gateway.login();
  [alice, bob] = [await register('alice'), await register('bob')];
  aliceAsset = uniqueId('atk');
  aliceSubmission = (await committed('createAsset', CREATE, { id: aliceAsset, kind: 'crate', key: null }, alice.token)).submission.id;
  await committed('mintTokens', MINT, { a: alice.account, n: '100' }, admin);
  await committed('transferTokens', PAY, { to: bob.account, n: '10' }, alice.token);
  record.minted.set(alice.account, 100n).set(bob.account, 0n);
  ledger = createFabricLedgerClient({
    connectionProfiles: dappConnectionProfiles(network),
    asLocalhost: true,
    timeouts: { endorseMs: 10_000, orderMs: 10_000, commitMs: 30_000, evaluateMs: 10_000, connectMs: 5000 },
  });
});

afterAll(async () => {
  await ledger.close();
  await pg.end();
  await gateway.stop();
  await db.drop();
}, 60_000);

describe('authentication', () => {
  const tokens = (): ForgedTokens => forgedTokens(gateway.jwtSecret, alice);
  const ME = '{ me { username role } }';

  test('a token made with the real key is accepted, and the role comes from the database, not the token', async () => {
    const reply = await call<{ me: { username: string; role: string } }>(ME, {}, await tokens().sign());
    expect([...outcome(reply), reply.data?.me]).toEqual([200, undefined, { username: alice.username, role: 'USER' }]);
    const users = await call('{ users { totalCount } }', {}, await tokens().sign());
    expect(outcome(users)).toEqual([200, 'FORBIDDEN']);
  });

  test('forged, expired, wrong-audience, wrong-issuer, alg: none and garbage tokens: 401 UNAUTHENTICATED', async () => {
    const seen: Record<string, [number, string | undefined]> = {};
    for (const [name, make] of tokens().refused) seen[name] = outcome(await call(ME, {}, await make()));
    expect(seen).toEqual(Object.fromEntries(tokens().refused.map(([name]) => [name, [401, 'UNAUTHENTICATED']])));
    expect(Object.keys(seen)).toHaveLength(6);
  });

  test("a disabled user's still valid token is refused at once", async () => {
    const carol = await register('carol');
    expect(outcome(await call(ME, {}, carol.token))).toEqual([200, undefined]);
    await pg.query('UPDATE users SET disabled = true, disabled_at = now() WHERE username = $1', [carol.username]);
    expect(outcome(await call(ME, {}, carol.token))).toEqual([401, 'UNAUTHENTICATED']);
    // A login is a mutation: its refusal is an error beside `data`, so HTTP 200.
    const login = await call('mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: carol.username, p: PASSWORD });
    expect(outcome(login)).toEqual([200, 'UNAUTHENTICATED']);
  });

  test('login brute force: after 3 failures the username is RATE_LIMITED, even with the right password', async () => {
    const LOGIN = 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }';
    const attempts: [number, string | undefined][] = [];
    for (let i = 0; i < 3; i++) attempts.push(outcome(await call(LOGIN, { u: bob.username, p: `guess-${i}-wrong-password` })));
    expect(attempts).toEqual(Array(3).fill([200, 'UNAUTHENTICATED']));
    expect(outcome(await call(LOGIN, { u: bob.username, p: 'guess-4-wrong-password' }))).toEqual([200, 'RATE_LIMITED']);
    expect(outcome(await call(LOGIN, { u: bob.username, p: PASSWORD }))).toEqual([200, 'RATE_LIMITED']);
    // bob's token from before is untouched.
    expect(outcome(await call(ME, {}, bob.token))).toEqual([200, undefined]);
  });
});

describe('authorization', () => {
  type Who = 'anonymous' | 'user' | 'other' | 'admin';
  const tokenOf = (who: Who): string | undefined => ({ anonymous: undefined, user: alice.token, other: bob.token, admin })[who];
  const ALL: readonly Who[] = ['anonymous', 'user', 'other', 'admin'];

  // [operation, query, variables, expected outcome for anonymous / user (alice) / other (bob) / admin].
  // A refusal from a resolver is an error beside `data` (HTTP 200); only a bad token fails the whole request (401).
  const matrix = (): [string, string, Record<string, unknown>, Record<Who, [number, string | undefined]>][] => [
    ['users', '{ users { totalCount } }', {}, { anonymous: [200, 'UNAUTHENTICATED'], user: [200, 'FORBIDDEN'], other: [200, 'FORBIDDEN'], admin: [200, undefined] }],
    ['network', '{ network { checkedAt } }', {}, { anonymous: [200, 'UNAUTHENTICATED'], user: [200, 'FORBIDDEN'], other: [200, 'FORBIDDEN'], admin: [200, undefined] }],
    ['syncStatus', '{ syncStatus { channel } }', {}, { anonymous: [200, 'UNAUTHENTICATED'], user: [200, 'FORBIDDEN'], other: [200, 'FORBIDDEN'], admin: [200, undefined] }],
    [
      "alice's account transfers",
      'query($a: ID!) { account(id: $a) { balance transfers { totalCount } } }',
      { a: alice.account },
      { anonymous: [200, 'UNAUTHENTICATED'], user: [200, undefined], other: [200, 'FORBIDDEN'], admin: [200, undefined] },
    ],
    [
      "alice's submission",
      'query($id: ID!) { submission(id: $id) { id status } }',
      { id: aliceSubmission },
      // Another user's submission is NOT_FOUND, not FORBIDDEN: its existence is not revealed.
      { anonymous: [200, 'UNAUTHENTICATED'], user: [200, undefined], other: [200, 'NOT_FOUND'], admin: [200, undefined] },
    ],
    ['mintTokens', MINT, { a: bob.account, n: '1' }, { anonymous: [200, 'UNAUTHENTICATED'], user: [200, 'FORBIDDEN'], other: [200, 'FORBIDDEN'], admin: [200, undefined] }],
    ['registerUser', REGISTER, { u: 'not-created', m: null }, { anonymous: [200, 'UNAUTHENTICATED'], user: [200, 'FORBIDDEN'], other: [200, 'FORBIDDEN'], admin: [200, undefined] }],
  ];

  test('roles × operations', async () => {
    const seen: Record<string, Record<string, [number, string | undefined]>> = {};
    const expected: typeof seen = {};
    for (const [name, query, variables, outcomes] of matrix()) {
      seen[name] = {};
      expected[name] = {};
      for (const who of ALL) {
        // The admin's successful mint and registration are left out: they change the ledger and the CA.
        if (who === 'admin' && (name === 'mintTokens' || name === 'registerUser')) continue;
        const reply = await call(query, variables, tokenOf(who));
        failed(reply);
        seen[name][who] = outcome(reply);
        expected[name][who] = outcomes[who];
      }
    }
    expect(seen).toEqual(expected);
  });

  test("bob cannot update or transfer alice's asset: the chaincode's FORBIDDEN, nothing committed", async () => {
    const update = await call(UPDATE, { id: aliceAsset }, bob.token);
    const transfer = await call(TRANSFER_ASSET, { id: aliceAsset, to: bob.account }, bob.token);
    failed(update);
    failed(transfer);
    expect([outcome(update), outcome(transfer)]).toEqual([
      [200, 'FORBIDDEN'],
      [200, 'FORBIDDEN'],
    ]);
    const asset = await call<{ asset: { owner: { id: string }; attributes: unknown } }>('query($id: ID!) { asset(id: $id) { owner { id } attributes } }', { id: aliceAsset }, admin);
    expect(asset.data?.asset).toEqual({ owner: { id: alice.account }, attributes: {} });
  });
});

describe('abuse', () => {
  const nest = (levels: number): string => {
    let inner = 'id';
    for (let i = 0; i < levels; i++) inner = `block { transactions { ${inner} } }`;
    return `query($id: ID!) { transaction(id: $id) { ${inner} } }`;
  };

  test('limits: depth, aliases, cost, huge pages', async () => {
    const deep = await call(nest(8), { id: record.committed[0] }, admin);
    const aliases = await call(`{ ${Array.from({ length: 20 }, (_, i) => `a${i}: gateway { channel }`).join(' ')} }`, {}, admin);
    const cost = await call('{ assets(first: 500) { edges { node { history(first: 500) { edges { node { transaction { id } } } } } } } }', {}, admin);
    // first: 100000 is refused by the cost limit before a resolver sees it; 501 by the resolver.
    const page = await call('{ assets(first: 100000) { totalCount } }', {}, admin);
    const page501 = await call('{ assets(first: 501) { totalCount } }', {}, admin);
    expect([outcome(deep), outcome(aliases), outcome(cost), outcome(page), outcome(page501)]).toEqual([
      [400, 'GRAPHQL_VALIDATION_FAILED'],
      [400, 'GRAPHQL_VALIDATION_FAILED'],
      [400, 'GRAPHQL_VALIDATION_FAILED'],
      [400, 'GRAPHQL_VALIDATION_FAILED'],
      [200, 'BAD_USER_INPUT'],
    ]);
    expect([deep, aliases, cost].map((r) => r.errors?.[0]?.message)).toEqual([expect.stringMatching(/depth/i), expect.stringMatching(/alias/i), expect.stringMatching(/cost|complex/i)]);
  });

  test('bodies: oversized 413, malformed JSON 400, invalid UTF-8 400, batch floods over the bound 400', async () => {
    const huge = await post(JSON.stringify({ query: `{ gateway { channel } } #${'x'.repeat(200_000)}` }));
    const malformed = await post('{"query": "{ gateway { channel } }"');
    const utf8 = await post(Buffer.concat([Buffer.from('{"query":"{ asset(id: \\"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('\\") { id } }"}')]), { authorization: `Bearer ${admin}` });
    const batch = JSON.stringify(Array.from({ length: 11 }, () => ({ query: '{ gateway { channel } }' })));
    const flood = await Promise.all(Array.from({ length: 20 }, () => post(batch)));
    expect([huge.status, codeOf(huge.body)]).toEqual([413, 'BAD_REQUEST']);
    expect([malformed.status, codeOf(malformed.body)]).toEqual([400, 'BAD_REQUEST']);
    // Invalid UTF-8 is refused before parsing, never run with replacement characters.
    expect([utf8.status, codeOf(utf8.body)]).toEqual([400, 'BAD_REQUEST']);
    expect(flood.map((r) => [r.status, codeOf(r.body)])).toEqual(Array(20).fill([400, 'BAD_REQUEST']));
    // The gateway still answers.
    expect(outcome(await call('{ gateway { channel } }'))).toEqual([200, undefined]);
  });

  /** null, [] or a connection with totalCount 0 at the operation's one field. */
  const isEmpty = (reply: GraphqlReply<Record<string, unknown>>): boolean => {
    const data: unknown = reply.data ? Object.values(reply.data)[0] : undefined;
    if (data === null) return true;
    if (Array.isArray(data)) return data.length === 0;
    return typeof data === 'object' && (data as { totalCount?: number }).totalCount === 0;
  };
  const INJECTIONS = ["'; DROP TABLE assets; --", '{"$ne":1}', '../../etc/passwd'];
  // [argument, query taking $s, expected for an injection-shaped string: a clean empty result or an expected
  // refusal (an unknown channel is BAD_USER_INPUT, an unknown submission NOT_FOUND, an unknown login UNAUTHENTICATED)]
  const STRING_ARGUMENTS: [string, string, 'BAD_USER_INPUT' | 'NOT_FOUND' | 'UNAUTHENTICATED' | 'empty'][] = [
    ['asset(id)', 'query($s: ID!) { asset(id: $s) { id } }', 'empty'],
    ['assets(filter.owner)', 'query($s: ID!) { assets(filter: { owner: $s }) { totalCount } }', 'empty'],
    ['assets(filter.kind)', 'query($s: String!) { assets(filter: { kind: $s }) { totalCount } }', 'empty'],
    ['assets(after)', 'query($s: String!) { assets(after: $s) { totalCount } }', 'BAD_USER_INPUT'],
    ['assets(before)', 'query($s: String!) { assets(last: 1, before: $s) { totalCount } }', 'BAD_USER_INPUT'],
    ['account(id)', 'query($s: ID!) { account(id: $s) { balance } }', 'empty'],
    ['transaction(id)', 'query($s: ID!) { transaction(id: $s) { id } }', 'empty'],
    ['submission(id)', 'query($s: ID!) { submission(id: $s) { id } }', 'NOT_FOUND'],
    ['users(after)', 'query($s: String!) { users(after: $s) { totalCount } }', 'BAD_USER_INPUT'],
    ['blocks(channel)', 'query($s: String!) { blocks(channel: $s) { totalCount } }', 'BAD_USER_INPUT'],
    ['block(channel)', 'query($s: String!) { block(channel: $s, number: "1") { number } }', 'BAD_USER_INPUT'],
    ['chaincodes(channel)', 'query($s: String!) { chaincodes(channel: $s) { name } }', 'BAD_USER_INPUT'],
    ['transactions(channel)', 'query($s: String!) { transactions(channel: $s) { totalCount } }', 'BAD_USER_INPUT'],
    ['transactions(filter.chaincode)', 'query($s: String!) { transactions(filter: { chaincode: $s }) { totalCount } }', 'empty'],
    ['transactions(filter.creatorMspId)', 'query($s: String!) { transactions(filter: { creatorMspId: $s }) { totalCount } }', 'empty'],
    ['transactions(filter.validationCode)', 'query($s: String!) { transactions(filter: { validationCode: $s }) { totalCount } }', 'empty'],
    ['login(username)', 'mutation($s: String!) { login(username: $s, password: "whatever-password") { token } }', 'UNAUTHENTICATED'],
    ['registerUser(username)', 'mutation($s: String!) { registerUser(input: { username: $s, password: "correct horse battery staple" }) { id } }', 'BAD_USER_INPUT'],
    ['registerUser(mspId)', 'mutation($s: String!) { registerUser(input: { username: "nobody-here", password: "correct horse battery staple", mspId: $s }) { id } }', 'BAD_USER_INPUT'],
    ['createAsset(id)', 'mutation($s: ID!) { createAsset(input: { id: $s, kind: "crate", attributes: {} }) { transactionId } }', 'BAD_USER_INPUT'],
    ['createAsset(kind)', 'mutation($s: String!) { createAsset(input: { id: "inj-kind", kind: $s, attributes: {} }) { transactionId } }', 'BAD_USER_INPUT'],
    ['updateAsset(id)', 'mutation($s: ID!) { updateAsset(input: { id: $s, attributes: {} }) { transactionId } }', 'BAD_USER_INPUT'],
    ['transferAsset(newOwner)', 'mutation($s: ID!) { transferAsset(input: { id: "inj-owner", newOwner: $s }) { transactionId } }', 'BAD_USER_INPUT'],
    ['deleteAsset(id)', 'mutation($s: ID!) { deleteAsset(input: { id: $s }) { transactionId } }', 'BAD_USER_INPUT'],
    ['mintTokens(account)', 'mutation($s: ID!) { mintTokens(input: { account: $s, amount: "1" }) { transactionId } }', 'BAD_USER_INPUT'],
    ['transferTokens(to)', 'mutation($s: ID!) { transferTokens(input: { to: $s, amount: "1" }) { transactionId } }', 'BAD_USER_INPUT'],
  ];

  test('injection-shaped strings in every string argument: BAD_USER_INPUT or a clean empty result', async () => {
    const seen: Record<string, [number, string | undefined, unknown]> = {};
    const expected: typeof seen = {};
    for (const [argument, query, expectation] of STRING_ARGUMENTS) {
      for (const s of INJECTIONS) {
        const reply = await call(query, { s }, admin);
        failed(reply);
        seen[`${argument} ${s}`] = [...outcome(reply), expectation === 'empty' ? isEmpty(reply) : undefined];
        expected[`${argument} ${s}`] = expectation === 'empty' ? [200, undefined, true] : [200, expectation, undefined];
      }
    }
    expect(seen).toEqual(expected);
    const tables = await pg.query<{ n: number }>("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'assets'");
    expect(tables.rows[0]?.n).toBe(1);
  });

  test('an injection-shaped idempotency key is only a key: the mutation commits once', async () => {
    const id = uniqueId('inj');
    const key = "'; DROP TABLE submissions; --";
    const first = await committed('createAsset', CREATE, { id, kind: 'crate', key }, alice.token);
    const again = await call<{ createAsset: Payload }>(CREATE, { id, kind: 'crate', key }, alice.token);
    expect([outcome(again), again.data?.createAsset.transactionId]).toEqual([[200, undefined], first.transactionId]);
  });

  test('amounts: beyond 2^64, 2^64 itself, zero, negative, not a number are BAD_USER_INPUT; more than the balance is INSUFFICIENT_FUNDS', async () => {
    const amounts = ['18446744073709551616', '340282366920938463463374607431768211456', '0', '-5', '1e3', '12abc'];
    const seen = [];
    for (const n of amounts) {
      const mint = await call(MINT, { a: alice.account, n }, admin);
      const pay = await call(PAY, { to: bob.account, n }, alice.token);
      failed(mint);
      failed(pay);
      seen.push([n, outcome(mint), outcome(pay)]);
    }
    // Not a uint64 at all: the BigInt scalar refuses the variable (the whole request, 400); 0 and -5 parse
    // and are refused by the argument checks (an error beside data, 200).
    const status = (n: string): number => (n === '0' || n === '-5' ? 200 : 400);
    expect(seen).toEqual(amounts.map((n) => [n, [status(n), 'BAD_USER_INPUT'], [status(n), 'BAD_USER_INPUT']]));
    const tooMuch = await call(PAY, { to: bob.account, n: '18446744073709551615' }, alice.token);
    failed(tooMuch);
    expect(outcome(tooMuch)).toEqual([200, 'INSUFFICIENT_FUNDS']);
  });

  test('chaincode refusals: an existing id, a missing asset, paying yourself', async () => {
    const exists = await call(CREATE, { id: aliceAsset, kind: 'crate', key: null }, alice.token);
    const missing = await call(UPDATE, { id: uniqueId('missing') }, alice.token);
    const self = await call(PAY, { to: alice.account, n: '1' }, alice.token);
    const attributes = await call('mutation { createAsset(input: { id: "inj-attr", kind: "crate", attributes: [1, 2] }) { transactionId } }', {}, alice.token);
    for (const r of [exists, missing, self, attributes]) failed(r);
    expect([outcome(exists), outcome(missing), outcome(self), outcome(attributes)]).toEqual([
      [200, 'ASSET_EXISTS'],
      [200, 'ASSET_NOT_FOUND'],
      [200, 'BAD_USER_INPUT'],
      [200, 'BAD_USER_INPUT'],
    ]);
  });
});

describe('secrets', () => {
  test("no response held a private key, a password hash or another user's token", () => {
    const all = bodies.join('\n');
    expect(all).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    expect(all).not.toContain('$argon2id$');
    for (const token of [alice.token, bob.token, admin]) expect(all).not.toContain(token);
  });

  test('wallet private keys are ciphertext in the database', async () => {
    const rows = await pg.query<{ key: Buffer }>('SELECT key_ciphertext AS key FROM fabric_identities');
    expect(rows.rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows.rows) {
      expect(row.key.toString('latin1')).not.toMatch(/BEGIN|PRIVATE KEY/);
    }
    const hashes = await pg.query<{ h: string }>('SELECT password_hash AS h FROM users');
    expect(hashes.rows.every((r) => r.h.startsWith('$argon2id$'))).toBe(true);
  });
});

test('the invariants hold after all of it', async () => {
  const user1 = await dappIdentity(network, 'org1', 'user1');
  const report = await checkInvariants({ databaseUrl: db.url, record, channel: TEST_CHANNEL, lookup: (txId) => lookupTransaction(ledger, user1, TEST_CHANNEL, txId) });
  expect({ violations: report.violations, verify: report.violations.length ? report.verifyOutput : '' }).toEqual({ violations: [], verify: '' });
  expect(record.committed.length).toBeGreaterThanOrEqual(4);
});
