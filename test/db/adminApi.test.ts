/**
 * The admin (explorer) API against the real executable schema, the real admin reads and loaders,
 * a real network status service over stand-in probes, and a freshly migrated PostgreSQL database
 * seeded with SQL. Statements are counted at the pg driver.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   GraphQL results are untyped JSON; the assertions check their shape. */
import { graphql, parse, subscribe, type ExecutionResult } from 'graphql';
import { Client } from 'pg';

import type { Principal } from '../../src/auth';
import { isAppError, silentLogger } from '../../src/common';
import { createGraphqlSchema, type AdminServices, type GatewayServices, type GraphqlContext } from '../../src/graphql';
import { createNetworkStatus, createPeerMonitor, type ChaincodeDefinition, type PeerTarget } from '../../src/ledger';
import { createAdminReads, createLoaders, createReadQueries, createSqlReader, type SqlReader } from '../../src/store';
import { lockKey } from '../../src/sync';
import { createSeededDatabase, type IsolatedDatabase } from './isolatedDatabase';

jest.setTimeout(120_000);

const CHANNEL = 'mychannel';
const SECOND = 'second';
const BLOCKS = 21; // 0..20; block 0 is a config block
const T0 = Date.parse('2026-03-01T10:00:00Z');
const BLOCK_EVERY_MS = 30_000;

const principal = (userId: string, username: string, role: 'ADMIN' | 'USER'): Principal => ({ userId, username, role, mspId: 'Org1MSP', identityLabel: `Org1MSP/${username}` });
const ADMIN = principal('00000000-0000-4000-8000-000000000001', 'root', 'ADMIN');
const ALICE = principal('00000000-0000-4000-8000-000000000002', 'alice', 'USER');

/** The seeded transactions, as the test computes its expectations from them. */
interface SeedTx {
  block: number;
  index: number;
  txId: string;
  at: number;
  chaincode: string | null;
  creator: string | null;
  valid: boolean;
}

function seedTransactions(): SeedTx[] {
  const txs: SeedTx[] = [{ block: 0, index: 0, txId: 'config-0', at: T0, chaincode: null, creator: null, valid: true }];
  for (let n = 1; n < BLOCKS; n++) {
    const at = T0 + n * BLOCK_EVERY_MS;
    txs.push({ block: n, index: 0, txId: `tx-${n}-0`, at, chaincode: 'sample', creator: 'Org1MSP', valid: true });
    txs.push({ block: n, index: 1, txId: `tx-${n}-1`, at, chaincode: n % 2 === 0 ? 'sample' : 'other', creator: 'Org2MSP', valid: n % 5 !== 0 });
  }
  return txs;
}
const TXS = seedTransactions();
const iso = (ms: number): string => new Date(ms).toISOString();
const sqlText = (v: string | null): string => (v === null ? 'NULL' : `'${v}'`);

const SEED = `
INSERT INTO channels (name) VALUES ('${CHANNEL}'), ('${SECOND}');
INSERT INTO sync_checkpoints (channel, next_block, last_error) VALUES ('${CHANNEL}', ${BLOCKS}, NULL), ('${SECOND}', 0, 'SYNC_GAP: expected block 0');
INSERT INTO blocks (channel, number, hash, previous_hash, data_hash, tx_count, is_config, created_at)
  SELECT '${CHANNEL}', n, 'h' || n, CASE WHEN n = 0 THEN '' ELSE 'h' || (n - 1) END, 'd' || n, CASE WHEN n = 0 THEN 1 ELSE 2 END, n = 0,
         timestamptz '${iso(T0)}' + n * interval '${BLOCK_EVERY_MS / 1000} seconds'
  FROM generate_series(0, ${BLOCKS - 1}) n;
INSERT INTO transactions (channel, block_number, tx_index, tx_id, type, validation_code, is_valid, creator_msp_id, creator_id, endorsers, chaincode, function, created_at) VALUES
${TXS.map(
  (t) =>
    `('${CHANNEL}', ${t.block}, ${t.index}, '${t.txId}', '${t.chaincode === null ? 'CONFIG' : 'ENDORSER_TRANSACTION'}', '${t.valid ? 'VALID' : 'MVCC_READ_CONFLICT'}', ${t.valid},
      ${sqlText(t.creator)}, ${t.creator === null ? 'NULL' : "'someone'"}, '${t.chaincode === null ? '[]' : '[{"mspId":"Org1MSP","id":"peer0.org1.example.com"},{"mspId":"Org2MSP","id":"peer0.org2.example.com"}]'}',
      ${sqlText(t.chaincode)}, ${t.chaincode === null ? 'NULL' : "'assets:UpdateAsset'"}, '${iso(t.at)}')`,
).join(',\n')};
INSERT INTO tx_reads (channel, block_number, tx_index, namespace, key, version_block, version_tx)
  SELECT '${CHANNEL}', n, 0, 'sample', 'asset:a' || n, n - 1, 0 FROM generate_series(1, ${BLOCKS - 1}) n
  UNION ALL SELECT '${CHANNEL}', n, 0, 'sample', 'asset:new' || n, NULL, NULL FROM generate_series(1, ${BLOCKS - 1}) n
  UNION ALL SELECT '${CHANNEL}', 3, 1, 'other', E'\\\\0idx\\\\0k\\\\0', 2, 1;
INSERT INTO tx_writes (channel, block_number, tx_index, namespace, key, is_delete, value)
  SELECT '${CHANNEL}', n, 0, 'sample', 'asset:a' || n, false, convert_to('{"n":' || n || '}', 'UTF8') FROM generate_series(1, ${BLOCKS - 1}) n;
INSERT INTO chaincode_events (channel, block_number, tx_index, chaincode, event_name, payload)
  SELECT '${CHANNEL}', n, 0, 'sample', 'AssetUpdated', convert_to('{"id":"a' || n || '"}', 'UTF8') FROM generate_series(1, ${BLOCKS - 1}) n;
`;

// ---------------------------------------------------------------------------------------------
// The network: four peers whose heights the test moves, two orderers and a CA whose health it sets.

const target = (name: string, mspId: string): PeerTarget => ({ name, mspId, url: `grpcs://localhost/${name}`, tlsCaPem: undefined, hostnameOverride: undefined });
const TARGETS = [target('peer0.org1', 'Org1MSP'), target('peer1.org1', 'Org1MSP'), target('peer0.org2', 'Org2MSP'), target('peer1.org2', 'Org2MSP')];
const heights = new Map<string, bigint | undefined>(TARGETS.map((t) => [t.name, 25n]));
const health = new Map<string, boolean>([['orderer0', true], ['orderer1', true], ['ca.org1', true]]);

const network = createNetworkStatus({
  monitor: createPeerMonitor({
    probe: {
      probe: (t) => {
        const height = heights.get(t.name);
        return Promise.resolve(height === undefined ? { reachable: false, error: 'connect ECONNREFUSED', responseMs: 1 } : { reachable: true, height, responseMs: 4 });
      },
      close: () => undefined,
    },
    targets: TARGETS,
    channels: [CHANNEL, SECOND],
    intervalMs: 60_000,
    divergence: { maxLagBlocks: 2, graceMs: 0 },
    log: silentLogger,
  }),
  targets: TARGETS,
  channels: [CHANNEL, SECOND],
  endpoints: [
    { kind: 'orderer', name: 'orderer0', url: 'http://127.0.0.1:1' },
    { kind: 'orderer', name: 'orderer1', url: 'http://127.0.0.1:2' },
    { kind: 'ca', name: 'ca.org1', url: 'http://127.0.0.1:3' },
  ],
  checkHealth: (e) => Promise.resolve(health.get(e.name) === true ? { healthy: true, status: 'OK' } : { healthy: false, status: 'connect ECONNREFUSED' }),
  intervalMs: 60_000,
  log: silentLogger,
});

const definition = (name: string, version: string, sequence: number): ChaincodeDefinition => ({
  channel: CHANNEL,
  name,
  version,
  sequence,
  endorsementPlugin: 'escc',
  validationPlugin: 'vscc',
  endorsementPolicy: '/Channel/Application/Endorsement',
  initRequired: false,
});
let lifecycleQueries = 0;
const chaincodes = {
  committed: (channel: string): Promise<ChaincodeDefinition[]> => {
    lifecycleQueries++;
    return Promise.resolve(channel === CHANNEL ? [definition('other', '0.1', 1), definition('sample', '1.0.1', 2), definition('unused', '1', 1)] : []);
  },
  close: () => undefined,
};

let db: IsolatedDatabase;
let reader: SqlReader;
let services: GatewayServices;
const statements: string[] = [];
const schema = createGraphqlSchema();

beforeAll(async () => {
  db = await createSeededDatabase('db_admin_api', SEED);
  reader = createSqlReader({ databaseUrl: db.url, maxConnections: 4, onStatement: (sql) => statements.push(sql) });
  const admin: AdminServices = { reads: createAdminReads({ sql: reader }), network, chaincodes, channels: [CHANNEL, SECOND], syncLockKey: lockKey };
  services = { domain: { channel: CHANNEL, chaincode: 'sample' }, reads: createReadQueries({ sql: reader }), admin, indexWaitMs: 0 } as unknown as GatewayServices;
  await network.refresh();
});

afterAll(async () => {
  network.stop();
  await reader.end();
  await db.drop();
});

function context(caller: Principal | undefined): GraphqlContext {
  return { requestId: 'test', log: silentLogger, principal: caller, loaders: createLoaders({ reads: services.reads, domain: services.domain }), services };
}

interface Run {
  data: any;
  errors: ExecutionResult['errors'];
  statements: number;
}

async function run(caller: Principal | undefined, source: string, variableValues: Record<string, unknown> = {}): Promise<Run> {
  statements.length = 0;
  const result = await graphql({ schema, source, variableValues, contextValue: context(caller) });
  return { data: result.data, errors: result.errors, statements: statements.length };
}

async function ok(source: string, variables: Record<string, unknown> = {}): Promise<any> {
  const result = await run(ADMIN, source, variables);
  if (result.errors?.length) throw new Error(`unexpected errors: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.data;
}

async function failure(caller: Principal | undefined, source: string, variables: Record<string, unknown> = {}): Promise<{ code: string; message: string; statements: number }> {
  const result = await run(caller, source, variables);
  const error = result.errors?.[0];
  if (!error) throw new Error('expected an error');
  return { code: isAppError(error.originalError) ? error.originalError.code : `not an AppError: ${error.message}`, message: error.message, statements: result.statements };
}

const ROOT_FIELDS: Record<string, string> = {
  network: '{ network { checkedAt } }',
  chaincodes: '{ chaincodes { name } }',
  blocks: '{ blocks { totalCount } }',
  block: '{ block(number: "1") { number } }',
  transactions: '{ transactions { totalCount } }',
  stats: '{ stats(range: { from: "2026-03-01T10:00:00Z", to: "2026-03-01T11:00:00Z" }, bucket: HOUR) { totals { transactions } } }',
  syncStatus: '{ syncStatus { channel } }',
};

describe('who may use the admin API', () => {
  test('a USER gets FORBIDDEN and an anonymous caller UNAUTHENTICATED on every admin field, before any statement', async () => {
    for (const [field, source] of Object.entries(ROOT_FIELDS)) {
      expect([field, await failure(ALICE, source)]).toEqual([field, expect.objectContaining({ code: 'FORBIDDEN', statements: 0 })]);
      expect([field, (await failure(undefined, source)).code]).toEqual([field, 'UNAUTHENTICATED']);
      await expect(ok(source)).resolves.toBeDefined();
    }
  });

  test("a USER reading a transaction gets its writes but not the admin fields (reads, event, endorsers) or a block's transactions", async () => {
    expect((await run(ALICE, '{ transaction(id: "tx-3-0") { id writes { key } } }')).data).toEqual({ transaction: { id: 'tx-3-0', writes: [{ key: 'asset:a3' }] } });
    for (const field of ['reads { key }', 'event { name }', 'endorsers { mspId }', 'block { transactions { id } }']) {
      const result = await run(ALICE, `{ transaction(id: "tx-3-0") { id ${field} } }`);
      const error = result.errors?.[0];
      // event is nullable: the transaction stays, without it; the other fields are non-null and null the transaction.
      const data = field.startsWith('event') ? { transaction: { id: 'tx-3-0', event: null } } : { transaction: null };
      expect([field, isAppError(error?.originalError) && error.originalError.code, result.data]).toEqual([field, 'FORBIDDEN', data]);
    }
  });

  test('a channel the cache does not index is BAD_USER_INPUT', async () => {
    const { code, message } = await failure(ADMIN, '{ blocks(channel: "nope") { totalCount } }');
    expect([code, message]).toEqual(['BAD_USER_INPUT', 'channel: the cache indexes mychannel, second; not "nope"']);
  });
});

describe('blocks and transactions', () => {
  const BLOCK_PAGE = `query($first: Int, $last: Int, $after: String, $before: String, $filter: BlockFilter) {
    blocks(first: $first, last: $last, after: $after, before: $before, filter: $filter) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { number txCount isConfig createdAt } } } }`;
  const numbers = (data: any): number[] => data.blocks.edges.map((e: any) => Number(e.node.number));

  test('pages newest first, forwards and backwards, with totalCount', async () => {
    const first = await ok(BLOCK_PAGE, { first: 5 });
    expect(numbers(first)).toEqual([20, 19, 18, 17, 16]);
    expect(first.blocks.totalCount).toBe(BLOCKS);
    expect(first.blocks.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const next = await ok(BLOCK_PAGE, { first: 5, after: first.blocks.pageInfo.endCursor });
    expect(numbers(next)).toEqual([15, 14, 13, 12, 11]);
    expect(next.blocks.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const back = await ok(BLOCK_PAGE, { last: 3, before: next.blocks.pageInfo.startCursor });
    expect(numbers(back)).toEqual([18, 17, 16]);
    const oldest = await ok(BLOCK_PAGE, { last: 2 });
    expect(numbers(oldest)).toEqual([1, 0]);
    expect(oldest.blocks.edges[1].node).toEqual({ number: '0', txCount: 1, isConfig: true, createdAt: iso(T0) });
  });

  test('filters on number and time', async () => {
    expect(numbers(await ok(BLOCK_PAGE, { filter: { fromNumber: '3', toNumber: '7' } }))).toEqual([7, 6, 5, 4, 3]);
    const byTime = await ok(BLOCK_PAGE, { filter: { after: iso(T0 + 2 * BLOCK_EVERY_MS), before: iso(T0 + 6 * BLOCK_EVERY_MS) } });
    expect([numbers(byTime), byTime.blocks.totalCount]).toEqual([[5, 4, 3], 3]);
  });

  const TX_PAGE = `query($first: Int, $after: String, $filter: TransactionFilter) {
    transactions(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } edges { node { id blockNumber txIndex chaincode creatorMspId validationCode valid } } } }`;
  const ids = (data: any): string[] => data.transactions.edges.map((e: any) => e.node.id);
  const expected = (keep: (t: SeedTx) => boolean): string[] =>
    TXS.filter(keep)
      .sort((a, b) => b.block - a.block || b.index - a.index)
      .map((t) => t.txId);

  test('transactions newest first, with each filter and their combination, counted exactly', async () => {
    const all = await ok(TX_PAGE, { first: 4 });
    expect([ids(all), all.transactions.totalCount]).toEqual([expected(() => true).slice(0, 4), TXS.length]);
    const second = await ok(TX_PAGE, { first: 4, after: all.transactions.pageInfo.endCursor });
    expect(ids(second)).toEqual(expected(() => true).slice(4, 8));

    const cases: [Record<string, unknown>, (t: SeedTx) => boolean][] = [
      [{ chaincode: 'other' }, (t) => t.chaincode === 'other'],
      [{ creatorMspId: 'Org2MSP' }, (t) => t.creator === 'Org2MSP'],
      [{ validationCode: 'MVCC_READ_CONFLICT' }, (t) => !t.valid],
      [{ fromBlock: '4', toBlock: '6' }, (t) => t.block >= 4 && t.block <= 6],
      [{ after: iso(T0 + 17 * BLOCK_EVERY_MS) }, (t) => t.at > T0 + 17 * BLOCK_EVERY_MS],
      [{ chaincode: 'sample', creatorMspId: 'Org2MSP', validationCode: 'VALID', before: iso(T0 + 9 * BLOCK_EVERY_MS) }, (t) => t.chaincode === 'sample' && t.creator === 'Org2MSP' && t.valid && t.at < T0 + 9 * BLOCK_EVERY_MS],
    ];
    for (const [filter, keep] of cases) {
      const page = await ok(TX_PAGE, { first: 100, filter });
      expect([filter, ids(page), page.transactions.totalCount]).toEqual([filter, expected(keep), expected(keep).length]);
    }
  });

  test("a cursor of another list is BAD_USER_INPUT; so is an empty filter text", async () => {
    const blocks = await ok(BLOCK_PAGE, { first: 1 });
    expect((await failure(ADMIN, TX_PAGE, { after: blocks.blocks.pageInfo.endCursor })).code).toBe('BAD_USER_INPUT');
    expect((await failure(ADMIN, TX_PAGE, { filter: { chaincode: '' } })).message).toBe('filter.chaincode: must have 1 to 128 characters');
  });

  const NESTED = `query($first: Int) { blocks(first: $first) { edges { node { number transactions { id txIndex
    reads { namespace key versionBlock versionTx } writes { key } event { name payload } endorsers { mspId id } } } } } }`;

  test('a page of blocks with transactions, reads, writes, events and endorsers costs the same statements for 2 blocks or 20', async () => {
    const small = await run(ADMIN, NESTED, { first: 2 });
    const large = await run(ADMIN, NESTED, { first: 20 });
    expect(small.errors ?? large.errors).toBeUndefined();
    // blocks, their transactions, reads, writes, events: one statement each.
    expect([small.statements, large.statements]).toEqual([5, 5]);
    const edges = large.data.blocks.edges as any[];
    expect(edges.map((e) => e.node.transactions.length)).toEqual(Array.from({ length: 20 }, () => 2));
    const block3 = edges.find((e) => e.node.number === '3').node;
    expect(block3.transactions[0]).toEqual({
      id: 'tx-3-0',
      txIndex: 0,
      reads: [
        { namespace: 'sample', key: 'asset:a3', versionBlock: '2', versionTx: 0 },
        { namespace: 'sample', key: 'asset:new3', versionBlock: null, versionTx: null },
      ],
      writes: [{ key: 'asset:a3' }],
      event: { name: 'AssetUpdated', payload: { id: 'a3' } },
      endorsers: [
        { mspId: 'Org1MSP', id: 'peer0.org1.example.com' },
        { mspId: 'Org2MSP', id: 'peer0.org2.example.com' },
      ],
    });
    // Stored keys are escaped (NUL as \0); the API gives the ledger's key.
    expect(block3.transactions[1]).toMatchObject({ reads: [{ namespace: 'other', key: '\u0000idx\u0000k\u0000', versionBlock: '2', versionTx: 1 }], event: null, writes: [] });
  });

  test('block(number) with its transactions; null when the cache has no such block', async () => {
    const data = await ok('{ block(number: "0") { number isConfig transactions { id type creatorMspId endorsers { mspId } } } missing: block(number: "99") { number } }');
    expect(data).toEqual({ block: { number: '0', isConfig: true, transactions: [{ id: 'config-0', type: 'CONFIG', creatorMspId: null, endorsers: [] }] }, missing: null });
  });
});

describe('stats', () => {
  const STATS = `query($range: TimeRange!, $bucket: StatsBucket!, $channel: String) { stats(channel: $channel, range: $range, bucket: $bucket) {
    channel bucket series { start blocks transactions valid invalid } byOrganisation { key transactions valid invalid }
    byChaincode { key transactions valid invalid } totals { key transactions valid invalid } } }`;

  /** What the stats must say, computed from the seed in JS. */
  function expectedStats(from: number, to: number, bucketMs: number) {
    const inRange = TXS.filter((t) => t.at >= from && t.at < to);
    const count = (rows: SeedTx[], key: string) => {
      const valid = rows.filter((t) => t.valid).length;
      return { key, transactions: rows.length, valid, invalid: rows.length - valid };
    };
    const grouped = (keyOf: (t: SeedTx) => string) =>
      [...new Set(inRange.map(keyOf))]
        .map((k) => count(inRange.filter((t) => keyOf(t) === k), k))
        .sort((a, b) => b.transactions - a.transactions || a.key.localeCompare(b.key));
    const series = [];
    for (let start = Math.floor(from / bucketMs) * bucketMs; start < to; start += bucketMs) {
      const txs = inRange.filter((t) => t.at >= start && t.at < start + bucketMs);
      const blocks = new Set(txs.map((t) => t.block)).size;
      const { transactions, valid, invalid } = count(txs, '');
      series.push({ start: iso(start), blocks, transactions, valid, invalid });
    }
    return { series, byOrganisation: grouped((t) => t.creator ?? '(none)'), byChaincode: grouped((t) => t.chaincode ?? '(none)'), totals: count(inRange, 'all') };
  }

  test('per minute over the whole ledger, every bucket exact (empty ones too)', async () => {
    const from = T0 - 2 * 60_000;
    const to = T0 + 12 * 60_000;
    const { stats } = await ok(STATS, { range: { from: iso(from), to: iso(to) }, bucket: 'MINUTE' });
    expect(stats).toEqual({ channel: CHANNEL, bucket: 'MINUTE', ...expectedStats(from, to, 60_000) });
    expect(stats.series).toHaveLength(14);
    expect(stats.series[2]).toEqual({ start: iso(T0), blocks: 2, transactions: 3, valid: 3, invalid: 0 });
    expect(stats.totals).toEqual({ key: 'all', transactions: 41, valid: 37, invalid: 4 });
  });

  test('a range that starts and ends inside buckets counts only what lies in it; hours and days', async () => {
    const from = T0 + 45_000;
    const to = T0 + 3 * 60_000 + 10_000;
    expect((await ok(STATS, { range: { from: iso(from), to: iso(to) }, bucket: 'MINUTE' })).stats).toMatchObject(expectedStats(from, to, 60_000));
    for (const [bucket, size] of [['HOUR', 3_600_000], ['DAY', 86_400_000]] as const) {
      const range = { from: iso(T0 - 7_200_000), to: iso(T0 + 86_400_000) };
      const { stats } = await ok(STATS, { range, bucket });
      expect([bucket, stats.series]).toEqual([bucket, expectedStats(T0 - 7_200_000, T0 + 86_400_000, size).series]);
    }
  });

  test('more than 1000 buckets, or an empty range, is BAD_USER_INPUT before any statement', async () => {
    const tooLong = await failure(ADMIN, STATS, { range: { from: iso(T0), to: iso(T0 + 1001 * 60_000) }, bucket: 'MINUTE' });
    expect(tooLong).toMatchObject({ code: 'BAD_USER_INPUT', statements: 0 });
    expect(tooLong.message).toMatch(/^range: spans 1001 minute buckets; at most 1000/);
    await expect(ok(STATS, { range: { from: iso(T0), to: iso(T0 + 1000 * 60_000) }, bucket: 'MINUTE' })).resolves.toBeDefined();
    expect(await failure(ADMIN, STATS, { range: { from: iso(T0), to: iso(T0) }, bucket: 'HOUR' })).toMatchObject({ code: 'BAD_USER_INPUT', message: 'range: to must be after from' });
  });

  test('a channel without blocks has empty buckets', async () => {
    const { stats } = await ok(STATS, { channel: SECOND, range: { from: iso(T0), to: iso(T0 + 120_000) }, bucket: 'MINUTE' });
    expect(stats).toMatchObject({ channel: SECOND, byOrganisation: [], byChaincode: [], totals: { key: 'all', transactions: 0, valid: 0, invalid: 0 } });
    expect(stats.series.map((p: any) => p.transactions)).toEqual([0, 0]);
  });
});

describe('chaincodes', () => {
  test('committed definitions with their activity in the cache, from one aggregate', async () => {
    const before = lifecycleQueries;
    const result = await run(ADMIN, '{ chaincodes { channel name version sequence endorsementPlugin validationPlugin endorsementPolicy initRequired transactionCount lastActivity lastBlock } }');
    expect(result.errors).toBeUndefined();
    expect([lifecycleQueries - before, result.statements]).toEqual([1, 1]);
    const count = (name: string): number => TXS.filter((t) => t.chaincode === name).length;
    expect(result.data.chaincodes).toEqual([
      expect.objectContaining({ name: 'other', version: '0.1', sequence: 1, transactionCount: count('other'), lastBlock: '19', lastActivity: iso(T0 + 19 * BLOCK_EVERY_MS) }),
      {
        channel: CHANNEL,
        name: 'sample',
        version: '1.0.1',
        sequence: 2,
        endorsementPlugin: 'escc',
        validationPlugin: 'vscc',
        endorsementPolicy: '/Channel/Application/Endorsement',
        initRequired: false,
        transactionCount: count('sample'),
        lastActivity: iso(T0 + 20 * BLOCK_EVERY_MS),
        lastBlock: '20',
      },
      expect.objectContaining({ name: 'unused', transactionCount: 0, lastActivity: null, lastBlock: null }),
    ]);
  });
});

describe('network and sync status', () => {
  const NETWORK = `{ network { checkedAt channels { name indexedHeight peerHeight } organisations { mspId peers reachablePeers }
    peers { name mspId url channel reachable ledgerHeight responseMs lastSeen checkedAt diverged laggingSince error }
    orderers { name url healthy status checkedAt } certificateAuthorities { name healthy status } } }`;

  test('channels with indexed and peer heights, organisations, every peer on every channel, orderers and CAs', async () => {
    const { network: n } = await ok(NETWORK);
    expect(n.channels).toEqual([
      { name: CHANNEL, indexedHeight: String(BLOCKS), peerHeight: '25' },
      { name: SECOND, indexedHeight: '0', peerHeight: '25' },
    ]);
    expect(n.organisations).toEqual([
      { mspId: 'Org1MSP', peers: 2, reachablePeers: 2 },
      { mspId: 'Org2MSP', peers: 2, reachablePeers: 2 },
    ]);
    expect(n.peers).toHaveLength(8);
    expect(n.peers[0]).toMatchObject({ name: 'peer0.org1', mspId: 'Org1MSP', channel: CHANNEL, reachable: true, ledgerHeight: '25', responseMs: 4, diverged: false, laggingSince: null, error: null });
    expect(n.orderers.map((o: any) => [o.name, o.healthy, o.status])).toEqual([['orderer0', true, 'OK'], ['orderer1', true, 'OK']]);
    expect(n.certificateAuthorities).toEqual([{ name: 'ca.org1', healthy: true, status: 'OK' }]);
  });

  test('syncStatus: heights, lag, the session holding the lock, the last error', async () => {
    const worker = new Client({ connectionString: db.url, application_name: `ledger-sync:${CHANNEL}` });
    await worker.connect();
    try {
      await worker.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey(CHANNEL)]);
      const pid = (await worker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      const result = await run(ADMIN, '{ syncStatus { channel indexedHeight peerHeight lagBlocks lagSeconds lockHolder lastError updatedAt } }');
      expect(result.statements).toBe(1);
      const [mine, second] = result.data.syncStatus;
      expect(mine).toMatchObject({ channel: CHANNEL, indexedHeight: String(BLOCKS), peerHeight: '25', lagBlocks: '4', lastError: null });
      expect(mine.lockHolder).toMatch(new RegExp(`^ledger-sync:${CHANNEL} \\(pid ${pid}`));
      // The newest indexed block is from 2026-03-01; blocks wait to be indexed since then.
      expect(mine.lagSeconds).toBeGreaterThan((Date.now() - T0) / 1000 - 3600);
      expect(second).toMatchObject({ channel: SECOND, indexedHeight: '0', lagBlocks: '25', lagSeconds: null, lockHolder: null, lastError: 'SYNC_GAP: expected block 0' });
    } finally {
      await worker.end();
    }
    const after = await ok('{ syncStatus { lockHolder } }');
    expect(after.syncStatus[0].lockHolder).toBeNull();
  });

  test('networkChanged: a peer that stops answering and then lags is reported live; USER refused', async () => {
    const source = parse('subscription { networkChanged { peers { name channel reachable ledgerHeight diverged } orderers { name healthy } } }');
    const refused = (await subscribe({ schema, document: source, contextValue: context(ALICE) })) as ExecutionResult;
    expect(refused.errors?.map((e) => isAppError(e.originalError) && e.originalError.code)).toEqual(['FORBIDDEN']);

    const stream = (await subscribe({ schema, document: source, contextValue: context(ADMIN) })) as AsyncIterableIterator<ExecutionResult<any>>;
    const nextEvent = stream.next();
    heights.set('peer1.org2', undefined);
    await network.refresh();
    const down = (await nextEvent).value.data.networkChanged;
    expect(down.peers.filter((p: any) => p.name === 'peer1.org2').map((p: any) => [p.reachable, p.ledgerHeight])).toEqual([[false, '25'], [false, '25']]);

    // Back, but 5 blocks behind the others (more than the 2 allowed; no grace): diverged.
    heights.set('peer1.org2', 25n);
    for (const t of TARGETS.filter((x) => x.name !== 'peer1.org2')) heights.set(t.name, 30n);
    const lagging = stream.next();
    await network.refresh();
    const flagged = (await lagging).value.data.networkChanged.peers.filter((p: any) => p.name === 'peer1.org2');
    expect(flagged.map((p: any) => [p.reachable, p.ledgerHeight, p.diverged])).toEqual([[true, '25', true], [true, '25', true]]);

    health.set('orderer1', false);
    const orderer = stream.next();
    await network.refresh();
    expect((await orderer).value.data.networkChanged.orderers).toEqual([{ name: 'orderer0', healthy: true }, { name: 'orderer1', healthy: false }]);
    await stream.return?.();
  });
});
