/**
 * The admin (explorer) API through a real gateway process (`serve --role all`: gateway, sync and
 * submitter) against the test network: every peer with its own height, orderers and CAs healthy,
 * the committed `sample` definition, the cache's sync status, blocks and transactions, stats, and
 * the divergence flag: a killed peer is flagged (also live over `networkChanged`) while the
 * others keep committing, and cleared once it is back and has caught up. A USER is refused.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

import { createIsolatedDatabase, type IsolatedDatabase } from '../db/isolatedDatabase';
import { startGatewayProcess, type GatewayProcess } from './gatewayProcess';
import { TEST_CHAINCODE, TEST_CHANNEL, TEST_PORT_BASE, testNetwork } from './testNetwork';
import { eventually, uniqueId } from './waiting';

jest.setTimeout(300_000);

const network = testNetwork();
const STOPPED = 'peer1.org2.example.com';
const PEERS = ['peer0.org1.example.com', 'peer0.org2.example.com', 'peer1.org1.example.com', 'peer1.org2.example.com'];

interface Peer {
  name: string;
  mspId: string;
  url: string;
  channel: string;
  reachable: boolean;
  ledgerHeight: string | null;
  responseMs: number | null;
  lastSeen: string | null;
  diverged: boolean;
  laggingSince: string | null;
  error: string | null;
}
interface Node {
  name: string;
  url: string;
  healthy: boolean;
  status: string;
}
interface Network {
  checkedAt: string | null;
  channels: { name: string; indexedHeight: string | null; peerHeight: string | null }[];
  organisations: { mspId: string; peers: number; reachablePeers: number }[];
  peers: Peer[];
  orderers: Node[];
  certificateAuthorities: Node[];
}

const NETWORK = `{ network { checkedAt channels { name indexedHeight peerHeight } organisations { mspId peers reachablePeers }
  peers { name mspId url channel reachable ledgerHeight responseMs lastSeen diverged laggingSince error }
  orderers { name url healthy status } certificateAuthorities { name url healthy status } } }`;

let db: IsolatedDatabase;
let gateway: GatewayProcess;
let admin = '';
let user = '';
let ws: Client | undefined;

async function query<T>(source: string, variables: Record<string, unknown> = {}, token = admin): Promise<T> {
  const reply = await gateway.graphql<T>(source, variables, token);
  if (reply.errors?.length || !reply.data) throw new Error(`unexpected errors: ${JSON.stringify(reply.errors)}`);
  return reply.data;
}

const networkNow = async (): Promise<Network> => (await query<{ network: Network }>(NETWORK)).network;
const peerOf = (n: Network, name: string): Peer => {
  const peer = n.peers.find((p) => p.name === name && p.channel === TEST_CHANNEL);
  if (!peer) throw new Error(`no ${name} in ${JSON.stringify(n.peers.map((p) => p.name))}`);
  return peer;
};

async function createAsset(): Promise<void> {
  const reply = await gateway.graphql('mutation($id: ID!) { createAsset(input: { id: $id, kind: "probe", attributes: {} }) { indexed } }', { id: uniqueId('admin') }, admin);
  if (reply.errors?.length) throw new Error(`createAsset: ${JSON.stringify(reply.errors)}`);
}

beforeAll(async () => {
  db = await createIsolatedDatabase('fabric_api_admin');
  gateway = await startGatewayProcess({
    databaseUrl: db.url,
    role: 'all',
    env: {
      FABRIC_PORT_BASE: String(TEST_PORT_BASE),
      PEER_MONITOR_INTERVAL_MS: '1000',
      PEER_DIVERGENCE_BLOCKS: '1',
      PEER_DIVERGENCE_SECONDS: '2',
      NETWORK_CHAINCODE_CACHE_MS: '1000',
    },
  });
  admin = await gateway.login();
  const username = uniqueId('aduser').toLowerCase().replace(/[^a-z0-9.-]/g, '');
  const password = 'correct horse battery staple';
  const registered = await gateway.graphql('mutation($u: String!, $p: String!) { registerUser(input: { username: $u, password: $p }) { username } }', { u: username, p: password }, admin);
  expect(registered.errors).toBeUndefined();
  user = await gateway.login(username, password);
  for (let i = 0; i < 3; i++) await createAsset();
});

afterAll(async () => {
  await ws?.dispose();
  await network.startNode(STOPPED).catch(() => undefined);
  await gateway.stop();
  await db.drop();
}, 120_000);

test('a USER gets FORBIDDEN on every admin query, an anonymous caller UNAUTHENTICATED', async () => {
  for (const field of ['network { checkedAt }', 'chaincodes { name }', 'blocks { totalCount }', 'transactions { totalCount }', 'syncStatus { channel }']) {
    const asUser = await gateway.graphql(`{ ${field} }`, {}, user);
    const anonymous = await gateway.graphql(`{ ${field} }`);
    expect([field, asUser.errors?.[0]?.extensions?.code, anonymous.errors?.[0]?.extensions?.code]).toEqual([field, 'FORBIDDEN', 'UNAUTHENTICATED']);
  }
});

test('network: all four peers with their own heights, both organisations, three orderers and three CAs healthy', async () => {
  const n = await eventually(async () => {
    const current = await networkNow();
    const heights = current.peers.filter((p) => p.channel === TEST_CHANNEL).map((p) => p.ledgerHeight);
    if (current.peers.some((p) => !p.reachable) || new Set(heights).size !== 1 || [...current.orderers, ...current.certificateAuthorities].some((x) => !x.healthy)) {
      throw new Error(`not settled: ${JSON.stringify(current)}`);
    }
    return current;
  }, 60_000);
  expect(n.peers.filter((p) => p.channel === TEST_CHANNEL).map((p) => p.name).sort()).toEqual(PEERS);
  for (const p of n.peers) {
    expect(p).toMatchObject({ reachable: true, diverged: false, laggingSince: null, error: null });
    expect(BigInt(p.ledgerHeight ?? '0')).toBeGreaterThan(3n);
    expect(p.url).toMatch(/^grpcs:\/\/localhost:\d+$/);
  }
  expect(n.organisations).toEqual([
    { mspId: 'Org1MSP', peers: 2, reachablePeers: 2 },
    { mspId: 'Org2MSP', peers: 2, reachablePeers: 2 },
  ]);
  expect(n.orderers.map((o) => o.name)).toEqual(['orderer0.example.com', 'orderer1.example.com', 'orderer2.example.com']);
  expect(n.certificateAuthorities.map((c) => [c.name, c.status])).toEqual([
    ['ca.example.com', 'OK'],
    ['ca.org1.example.com', 'OK'],
    ['ca.org2.example.com', 'OK'],
  ]);
  const channel = n.channels.find((c) => c.name === TEST_CHANNEL);
  expect(channel?.peerHeight).toBe(n.peers[0]?.ledgerHeight);
  expect(BigInt(channel?.indexedHeight ?? '0')).toBeGreaterThan(0n);
});

test('chaincodes: the committed sample definition with its activity in the cache', async () => {
  const { chaincodes } = await query<{ chaincodes: { name: string; version: string; sequence: number; endorsementPolicy: string | null; initRequired: boolean; transactionCount: number; lastBlock: string | null; lastActivity: string | null }[] }>(
    '{ chaincodes { name version sequence endorsementPolicy initRequired transactionCount lastBlock lastActivity } }',
  );
  const sample = chaincodes.find((c) => c.name === TEST_CHAINCODE);
  expect(sample).toBeDefined();
  expect(sample?.version).toMatch(/^\d+\.\d+\.\d+$/);
  expect(sample?.sequence).toBeGreaterThanOrEqual(1);
  expect(sample?.endorsementPolicy).toBeTruthy();
  expect(sample?.transactionCount).toBeGreaterThanOrEqual(3);
  expect(sample?.lastBlock).not.toBeNull();
  expect(Date.parse(sample?.lastActivity ?? '')).toBeGreaterThan(Date.now() - 3_600_000);
});

test('syncStatus: caught up with the peers, the sync worker holding the lock, no error', async () => {
  const status = await eventually(async () => {
    const { syncStatus } = await query<{ syncStatus: { channel: string; indexedHeight: string; peerHeight: string | null; lagBlocks: string | null; lagSeconds: number | null; lockHolder: string | null; lastError: string | null }[] }>(
      '{ syncStatus { channel indexedHeight peerHeight lagBlocks lagSeconds lockHolder lastError } }',
    );
    const mine = syncStatus.find((s) => s.channel === TEST_CHANNEL);
    if (mine?.lagBlocks !== '0') throw new Error(`not caught up: ${JSON.stringify(syncStatus)}`);
    return mine;
  }, 60_000);
  expect(status).toMatchObject({ lagSeconds: 0, lastError: null });
  // The peer height is the last round's (every second here); the cache may already be past it.
  expect(BigInt(status.indexedHeight)).toBeGreaterThanOrEqual(BigInt(status.peerHeight ?? '0'));
  expect(status.lockHolder).toMatch(new RegExp(`^ledger-sync:${TEST_CHANNEL} \\(pid \\d+`));
});

test('blocks, block(number) with its transactions, transactions filtered, with reads, writes, event and endorsers; stats', async () => {
  const { blocks } = await query<{ blocks: { totalCount: number; edges: { node: { number: string; txCount: number } }[] } }>('{ blocks(first: 3) { totalCount edges { node { number txCount } } } }');
  const numbers = blocks.edges.map((e) => BigInt(e.node.number));
  expect(numbers).toEqual([...numbers].sort((a, b) => (a > b ? -1 : 1)));
  expect(blocks.totalCount).toBeGreaterThan(3);

  const { transactions } = await query<{ transactions: { edges: { node: { id: string; blockNumber: string; chaincode: string; valid: boolean; creatorMspId: string; endorsers: { mspId: string }[]; reads: { key: string }[]; writes: { key: string }[]; event: { name: string } | null } }[] } }>(
    '{ transactions(first: 2, filter: { chaincode: "sample", validationCode: "VALID" }) { edges { node { id blockNumber chaincode valid creatorMspId endorsers { mspId } reads { key } writes { key } event { name } } } } }',
  );
  const newest = transactions.edges[0]?.node;
  expect(newest).toMatchObject({ chaincode: TEST_CHAINCODE, valid: true, creatorMspId: 'Org1MSP' });
  expect(newest?.endorsers.length).toBeGreaterThanOrEqual(1);
  expect(newest?.writes.some((w) => w.key.startsWith('asset:'))).toBe(true);
  expect(newest?.event?.name).toBeTruthy();

  const { block } = await query<{ block: { number: string; transactions: { id: string }[] } }>('query($n: BigInt!) { block(number: $n) { number transactions { id } } }', { n: newest?.blockNumber });
  expect(block.transactions.map((t) => t.id)).toContain(newest?.id);

  const range = { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
  const { stats } = await query<{ stats: { series: { transactions: number }[]; byChaincode: { key: string; transactions: number }[]; totals: { transactions: number; valid: number } } }>(
    'query($r: TimeRange!) { stats(range: $r, bucket: MINUTE) { series { transactions } byChaincode { key transactions } totals { transactions valid } } }',
    { r: range },
  );
  expect(stats.series.length).toBeGreaterThanOrEqual(61);
  expect(stats.series.reduce((sum, p) => sum + p.transactions, 0)).toBe(stats.totals.transactions);
  expect(stats.byChaincode.find((c) => c.key === TEST_CHAINCODE)?.transactions).toBeGreaterThanOrEqual(3);
});

test('divergence: a killed peer is flagged while the others commit (also live over networkChanged), and cleared once it is back', async () => {
  ws = createClient({ url: gateway.websocketUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${admin}` }, retryAttempts: 0, lazy: false });
  const changes = ws.iterate<{ networkChanged: { peers: { name: string; channel: string; reachable: boolean; diverged: boolean }[] } }>({
    query: 'subscription { networkChanged { peers { name channel reachable diverged } } }',
  });
  const flaggedLive = (async () => {
    for await (const event of changes) {
      const peer = event.data?.networkChanged.peers.find((p) => p.name === STOPPED && p.channel === TEST_CHANNEL);
      if (peer?.diverged === true) return peer;
    }
    throw new Error('the networkChanged stream ended');
  })();

  await network.stopNode(STOPPED, { kill: true });
  const started = Date.now();
  // Keep committing until the API flags the stopped peer (lag > 1 block for 2 s).
  const flagged = await eventually(async () => {
    await createAsset();
    const peer = peerOf(await networkNow(), STOPPED);
    if (!peer.diverged) throw new Error(`not flagged yet: ${JSON.stringify(peer)}`);
    return peer;
  }, 90_000);
  const flaggedAfterMs = Date.now() - started;
  expect(flagged).toMatchObject({ reachable: false, diverged: true });
  expect(flagged.laggingSince).not.toBeNull();
  expect(flagged.error).toBeTruthy();
  const n = await networkNow();
  expect(peerOf(n, 'peer0.org2.example.com')).toMatchObject({ reachable: true, diverged: false });
  expect(n.organisations.find((o) => o.mspId === 'Org2MSP')).toEqual({ mspId: 'Org2MSP', peers: 2, reachablePeers: 1 });
  expect(await flaggedLive).toMatchObject({ reachable: false, diverged: true });
  await changes.return?.();

  await network.startNode(STOPPED);
  const restarted = Date.now();
  const cleared = await eventually(async () => {
    const current = await networkNow();
    const peer = peerOf(current, STOPPED);
    if (!peer.reachable || peer.diverged || peer.ledgerHeight !== peerOf(current, 'peer0.org1.example.com').ledgerHeight) throw new Error(`not cleared yet: ${JSON.stringify(peer)}`);
    return peer;
  }, 120_000);
  expect(cleared).toMatchObject({ reachable: true, diverged: false, laggingSince: null, error: null });
  process.stderr.write(`[admin] divergence flagged ${flaggedAfterMs} ms after the kill; cleared ${Date.now() - restarted} ms after the restart\n`);
});
