/**
 * The GraphQL queries against the real executable schema, real loaders and read queries, and a
 * freshly migrated PostgreSQL database seeded with SQL (the cache is derived data: no Fabric
 * network needed). Statements are counted at the pg driver (createSqlReader's onStatement).
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   GraphQL results are untyped JSON here; every expectation checks their shape. */
import { graphql, type ExecutionResult } from 'graphql';

import type { Principal } from '../../src/auth';
import { isAppError, silentLogger } from '../../src/common';
import { createGraphqlSchema, type GatewayServices, type GraphqlContext } from '../../src/graphql';
import { encodeCursor } from '../../src/graphql/connections';
import { createLoaders, createReadQueries, createSqlReader, type ReadQueries, type SqlReader } from '../../src/store';
import { createSeededDatabase, type IsolatedDatabase } from './isolatedDatabase';

jest.setTimeout(120_000);

const CHANNEL = 'mychannel';
const CHAINCODE = 'sample';
const ASSETS = 60; // a000..a059; a059 is deleted
const VERSIONS = 7; // every asset has 7 history entries

const principal = (userId: string, username: string, role: 'ADMIN' | 'USER', mspId: string): Principal => ({ userId, username, role, mspId, identityLabel: `${mspId}/${username}` });
const ADMIN = principal('00000000-0000-4000-8000-000000000001', 'root', 'ADMIN', 'Org1MSP');
const ALICE = principal('00000000-0000-4000-8000-000000000002', 'alice', 'USER', 'Org1MSP');
const BOB = principal('00000000-0000-4000-8000-000000000003', 'bob', 'USER', 'Org2MSP');
const DAVE = principal('00000000-0000-4000-8000-000000000004', 'dave', 'USER', 'Org1MSP');

const SEED = `
INSERT INTO channels (name) VALUES ('${CHANNEL}');
INSERT INTO sync_checkpoints (channel, next_block) VALUES ('${CHANNEL}', 47);
INSERT INTO users (id, username, password_hash, role, msp_id, last_login_at) VALUES
  ('${ADMIN.userId}', 'root', 'x', 'ADMIN', 'Org1MSP', '2026-02-01T00:00:00Z'),
  ('${ALICE.userId}', 'alice', 'x', 'USER', 'Org1MSP', '2026-02-02T00:00:00Z'),
  ('${BOB.userId}', 'bob', 'x', 'USER', 'Org2MSP', '2026-02-03T00:00:00Z'),
  ('${DAVE.userId}', 'dave', 'x', 'USER', 'Org1MSP', NULL);
INSERT INTO blocks (channel, number, hash, previous_hash, data_hash, tx_count, is_config, created_at)
  SELECT '${CHANNEL}', n, 'h' || n, CASE WHEN n = 0 THEN '' ELSE 'h' || (n - 1) END, 'd' || n, 10, n = 0,
         timestamptz '2026-01-01T00:00:00Z' + n * interval '1 minute'
  FROM generate_series(0, 46) n;
CREATE TEMP TABLE seed AS
  SELECT i, v, 'a' || lpad(i::text, 3, '0') AS id, 1 + ((v - 1) * ${ASSETS} + i) / 10 AS block, ((v - 1) * ${ASSETS} + i) % 10 AS idx,
         'tx-' || i || '-' || v AS tx_id,
         CASE i % 3 WHEN 0 THEN 'Org1MSP/alice' WHEN 1 THEN 'Org2MSP/bob' ELSE 'Org1MSP/ghost' END AS owner,
         CASE i % 2 WHEN 0 THEN 'car' ELSE 'house' END AS kind
  FROM generate_series(0, ${ASSETS - 1}) i, generate_series(1, ${VERSIONS}) v;
INSERT INTO transactions (channel, block_number, tx_index, tx_id, type, validation_code, is_valid, creator_msp_id, creator_id, chaincode, function, created_at)
  SELECT '${CHANNEL}', block, idx, tx_id, 'ENDORSER_TRANSACTION', 'VALID', true, split_part(owner, '/', 1), split_part(owner, '/', 2), '${CHAINCODE}',
         CASE v WHEN 1 THEN 'assets:CreateAsset' ELSE 'assets:UpdateAsset' END, timestamptz '2026-01-01T00:00:00Z' + block * interval '1 minute'
  FROM seed;
INSERT INTO tx_writes (channel, block_number, tx_index, namespace, key, is_delete, value)
  SELECT '${CHANNEL}', block, idx, '${CHAINCODE}', 'asset:' || id, false, convert_to('{"id":"' || id || '","version":' || v || '}', 'UTF8') FROM seed;
INSERT INTO chaincode_events (channel, block_number, tx_index, chaincode, event_name, payload)
  SELECT '${CHANNEL}', block, idx, '${CHAINCODE}', CASE v WHEN 1 THEN 'AssetCreated' ELSE 'AssetUpdated' END,
         convert_to('{"id":"' || id || '","version":' || v || '}', 'UTF8') FROM seed;
INSERT INTO asset_history (channel, chaincode, asset_id, block_number, tx_index, tx_id, action, owner, kind, attributes, version, at)
  SELECT '${CHANNEL}', '${CHAINCODE}', id, block, idx, tx_id, CASE v WHEN 1 THEN 'CREATED' ELSE 'UPDATED' END, owner, kind,
         jsonb_build_object('n', v), v, timestamptz '2026-01-01T00:00:00Z' + block * interval '1 minute' FROM seed;
INSERT INTO assets (channel, chaincode, id, kind, owner, attributes, version, deleted, created_block, created_tx_id, created_at, updated_block, updated_tx_id, updated_at)
  SELECT '${CHANNEL}', '${CHAINCODE}', c.id, c.kind, c.owner, jsonb_build_object('n', ${VERSIONS}), ${VERSIONS}, c.i = ${ASSETS - 1},
         c.block, c.tx_id, timestamptz '2026-01-01T00:00:00Z' + c.block * interval '1 minute',
         u.block, u.tx_id, timestamptz '2026-01-01T00:00:00Z' + u.block * interval '1 minute'
  FROM seed c JOIN seed u ON u.i = c.i AND u.v = ${VERSIONS} WHERE c.v = 1;
-- Tokens (block 43): mint 100 to alice, alice pays bob 30, mint 50 to carol (no gateway user).
INSERT INTO transactions (channel, block_number, tx_index, tx_id, type, validation_code, is_valid, creator_msp_id, creator_id, chaincode, function) VALUES
  ('${CHANNEL}', 43, 0, 'mint-alice', 'ENDORSER_TRANSACTION', 'VALID', true, 'Org1MSP', 'root', '${CHAINCODE}', 'tokens:Mint'),
  ('${CHANNEL}', 43, 1, 'xfer-ab', 'ENDORSER_TRANSACTION', 'VALID', true, 'Org1MSP', 'alice', '${CHAINCODE}', 'tokens:Transfer'),
  ('${CHANNEL}', 43, 2, 'mint-carol', 'ENDORSER_TRANSACTION', 'VALID', true, 'Org1MSP', 'root', '${CHAINCODE}', 'tokens:Mint'),
  ('${CHANNEL}', 44, 0, 'dup-1', 'ENDORSER_TRANSACTION', 'VALID', true, 'Org1MSP', 'alice', '${CHAINCODE}', 'assets:UpdateAsset'),
  ('${CHANNEL}', 44, 1, 'dup-2', 'ENDORSER_TRANSACTION', 'ENDORSEMENT_POLICY_FAILURE', false, 'Org1MSP', 'alice', '${CHAINCODE}', 'assets:UpdateAsset'),
  ('${CHANNEL}', 45, 0, 'dup-1', 'ENDORSER_TRANSACTION', 'DUPLICATE_TXID', false, 'Org1MSP', 'alice', '${CHAINCODE}', 'assets:UpdateAsset'),
  ('${CHANNEL}', 45, 1, 'dup-2', 'ENDORSER_TRANSACTION', 'VALID', true, 'Org1MSP', 'alice', '${CHAINCODE}', 'assets:UpdateAsset'),
  ('${CHANNEL}', 46, 0, 'tx-nul', 'ENDORSER_TRANSACTION', 'VALID', true, 'Org1MSP', 'alice', 'other', 'put');
INSERT INTO tx_writes (channel, block_number, tx_index, namespace, key, is_delete, value) VALUES
  ('${CHANNEL}', 43, 0, '${CHAINCODE}', 'balance:Org1MSP/alice', false, convert_to('{"balance":"100"}', 'UTF8')),
  ('${CHANNEL}', 43, 1, '${CHAINCODE}', 'balance:Org1MSP/alice', false, convert_to('{"balance":"70"}', 'UTF8')),
  ('${CHANNEL}', 43, 1, '${CHAINCODE}', 'balance:Org2MSP/bob', false, convert_to('{"balance":"30"}', 'UTF8')),
  ('${CHANNEL}', 43, 2, '${CHAINCODE}', 'balance:Org2MSP/carol', false, convert_to('{"balance":"50"}', 'UTF8')),
  ('${CHANNEL}', 46, 0, 'other', E'\\\\0idx\\\\0a1\\\\0', false, convert_to('x', 'UTF8')),
  ('${CHANNEL}', 46, 0, 'other', E'back\\\\\\\\slash', true, NULL);
INSERT INTO token_transfers (channel, chaincode, block_number, tx_index, tx_id, kind, from_account, to_account, amount, at) VALUES
  ('${CHANNEL}', '${CHAINCODE}', 43, 0, 'mint-alice', 'MINT', NULL, 'Org1MSP/alice', 100, '2026-01-01T00:43:00Z'),
  ('${CHANNEL}', '${CHAINCODE}', 43, 1, 'xfer-ab', 'TRANSFER', 'Org1MSP/alice', 'Org2MSP/bob', 30, '2026-01-01T00:43:00Z'),
  ('${CHANNEL}', '${CHAINCODE}', 43, 2, 'mint-carol', 'MINT', NULL, 'Org2MSP/carol', 50, '2026-01-01T00:43:00Z');
INSERT INTO token_accounts (channel, chaincode, account, balance, updated_block, updated_tx_id, updated_at) VALUES
  ('${CHANNEL}', '${CHAINCODE}', 'Org1MSP/alice', 70, 43, 'xfer-ab', '2026-01-01T00:43:00Z'),
  ('${CHANNEL}', '${CHAINCODE}', 'Org2MSP/bob', 30, 43, 'xfer-ab', '2026-01-01T00:43:00Z'),
  ('${CHANNEL}', '${CHAINCODE}', 'Org2MSP/carol', 18446744073709551615, 43, 'mint-carol', '2026-01-01T00:43:00Z');
`;

let db: IsolatedDatabase;
let reader: SqlReader;
let reads: ReadQueries;
const statements: string[] = [];
const schema = createGraphqlSchema();

beforeAll(async () => {
  db = await createSeededDatabase('db_gql_queries', SEED);
  reader = createSqlReader({ databaseUrl: db.url, maxConnections: 4, onStatement: (sql) => statements.push(sql) });
  reads = createReadQueries({ sql: reader });
});

afterAll(async () => {
  await reader.end();
  await db.drop();
});

function context(caller: Principal | undefined, maxBatchSize?: number): GraphqlContext {
  const domain = { channel: CHANNEL, chaincode: CHAINCODE };
  // The query resolvers use only domain and reads; the other services are mutation-side seams.
  const services = { domain, reads, indexWaitMs: 0 } as unknown as GatewayServices;
  return {
    requestId: 'test',
    log: silentLogger,
    principal: caller,
    loaders: createLoaders({ reads, domain, ...(maxBatchSize === undefined ? {} : { maxBatchSize }) }),
    services,
  };
}

interface Run {
  data: Record<string, unknown> | null | undefined;
  errors: ExecutionResult['errors'];
  statements: number;
}

async function run(caller: Principal | undefined, source: string, variableValues: Record<string, unknown> = {}, maxBatchSize?: number): Promise<Run> {
  statements.length = 0;
  const result = await graphql({ schema, source, variableValues, contextValue: context(caller, maxBatchSize) });
  return { data: result.data, errors: result.errors, statements: statements.length };
}

/** The data of a query that must succeed. */
async function ok(caller: Principal | undefined, source: string, variables: Record<string, unknown> = {}): Promise<any> {
  const result = await run(caller, source, variables);
  if (result.errors?.length) throw new Error(`unexpected errors: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.data;
}

/** The AppError code and message of a query's first error. */
async function failure(caller: Principal | undefined, source: string, variables: Record<string, unknown> = {}): Promise<{ code: string; message: string; statements: number }> {
  const result = await run(caller, source, variables);
  const error = result.errors?.[0];
  if (!error) throw new Error('expected an error');
  const original = error.originalError;
  return { code: isAppError(original) ? original.code : `not an AppError: ${error.message}`, message: error.message, statements: result.statements };
}

const assetId = (i: number): string => `a${String(i).padStart(3, '0')}`;

describe('visibility', () => {
  const FIELDS: Record<string, string> = {
    me: '{ me { id } }',
    asset: '{ asset(id: "a000") { id } }',
    assets: '{ assets { totalCount } }',
    account: '{ account(id: "Org1MSP/alice") { balance } }',
    transaction: '{ transaction(id: "tx-0-1") { id } }',
    users: '{ users { totalCount } }',
  };

  test('anonymous callers see the gateway and nothing else', async () => {
    expect(await ok(undefined, '{ gateway { channel chaincode indexedHeight } }')).toEqual({ gateway: { channel: CHANNEL, chaincode: CHAINCODE, indexedHeight: '46' } });
    for (const [field, source] of Object.entries(FIELDS)) {
      const { code, statements: count } = await failure(undefined, source);
      expect([field, code, count]).toEqual([field, 'UNAUTHENTICATED', 0]);
    }
  });

  test('a USER sees every query field but users; an admin sees them all', async () => {
    for (const [field, source] of Object.entries(FIELDS)) {
      if (field === 'users') {
        expect((await failure(ALICE, source)).code).toBe('FORBIDDEN');
      } else {
        await expect(ok(ALICE, source)).resolves.toBeDefined();
      }
      await expect(ok(ADMIN, source)).resolves.toBeDefined();
    }
  });

  test('me is the caller; lastLoginAt only for the user themself and admins', async () => {
    const me = '{ me { id username role mspId account disabled createdAt lastLoginAt } }';
    expect((await ok(ALICE, me)).me).toMatchObject({ id: ALICE.userId, username: 'alice', role: 'USER', mspId: 'Org1MSP', account: 'Org1MSP/alice', disabled: false, lastLoginAt: '2026-02-02T00:00:00.000Z' });
    const owner = '{ asset(id: "a001") { owner { id mspId enrollmentId user { username lastLoginAt } } } }';
    expect((await ok(ALICE, owner)).asset.owner).toEqual({ id: 'Org2MSP/bob', mspId: 'Org2MSP', enrollmentId: 'bob', user: { username: 'bob', lastLoginAt: null } });
    expect((await ok(BOB, owner)).asset.owner.user.lastLoginAt).toBe('2026-02-03T00:00:00.000Z');
    expect((await ok(ADMIN, owner)).asset.owner.user.lastLoginAt).toBe('2026-02-03T00:00:00.000Z');
  });

  test("an account's balance is public to users, its transfers only to its owner and admins", async () => {
    const q = '{ account(id: "Org1MSP/alice") { id balance owner { user { username } } transfers { totalCount edges { node { kind from to amount transaction { id } } } } } }';
    const own = (await ok(ALICE, q)).account;
    expect(own).toMatchObject({ id: 'Org1MSP/alice', balance: '70', owner: { user: { username: 'alice' } }, transfers: { totalCount: 2 } });
    expect(own.transfers.edges.map((e: any) => e.node)).toEqual([
      { kind: 'TRANSFER', from: 'Org1MSP/alice', to: 'Org2MSP/bob', amount: '30', transaction: { id: 'xfer-ab' } },
      { kind: 'MINT', from: null, to: 'Org1MSP/alice', amount: '100', transaction: { id: 'mint-alice' } },
    ]);
    expect((await ok(BOB, '{ account(id: "Org1MSP/alice") { balance } }')).account.balance).toBe('70');
    expect((await failure(BOB, q)).code).toBe('FORBIDDEN');
    expect((await ok(ADMIN, q)).account.transfers.totalCount).toBe(2);
    expect((await ok(BOB, '{ account(id: "Org2MSP/bob") { transfers { edges { node { from amount } } } } }')).account.transfers.edges).toEqual([{ node: { from: 'Org1MSP/alice', amount: '30' } }]);
    // uint64 balances are exact; an account never credited is null.
    expect((await ok(DAVE, '{ account(id: "Org2MSP/carol") { balance owner { user { id } } } }')).account).toEqual({ balance: '18446744073709551615', owner: { user: null } });
    expect((await ok(DAVE, '{ account(id: "Org1MSP/nobody") { balance } }')).account).toBeNull();
  });

  test("a USER sees token-balance writes only of transactions that moved their own account's tokens", async () => {
    const q = '{ transaction(id: "xfer-ab") { writes { namespace key value } } }';
    const keys = async (caller: Principal): Promise<string[]> => ((await ok(caller, q)).transaction.writes as { key: string }[]).map((w) => w.key);
    expect(await keys(ALICE)).toEqual(['balance:Org1MSP/alice', 'balance:Org2MSP/bob']);
    expect(await keys(BOB)).toEqual(['balance:Org1MSP/alice', 'balance:Org2MSP/bob']);
    expect(await keys(ADMIN)).toEqual(['balance:Org1MSP/alice', 'balance:Org2MSP/bob']);
    expect(await keys(DAVE)).toEqual([]);
    // Asset writes are visible to every user.
    expect((await ok(DAVE, '{ transaction(id: "tx-0-1") { writes { key value isDelete } } }')).transaction.writes).toEqual([{ key: 'asset:a000', value: '{"id":"a000","version":1}', isDelete: false }]);
  });

  test('users is ADMIN only, ordered by username, paginated', async () => {
    const q = 'query($after: String) { users(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { username role lastLoginAt } } } }';
    const first = (await ok(ADMIN, q)).users;
    expect(first.totalCount).toBe(4);
    expect(first.edges.map((e: any) => e.node.username)).toEqual(['alice', 'bob']);
    expect(first.edges[0].node.lastLoginAt).toBe('2026-02-02T00:00:00.000Z');
    const second = (await ok(ADMIN, q, { after: first.pageInfo.endCursor })).users;
    expect(second.edges.map((e: any) => e.node.username)).toEqual(['dave', 'root']);
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect((await failure(BOB, q)).code).toBe('FORBIDDEN');
  });
});

describe('assets', () => {
  const PAGE = `query($first: Int, $after: String, $last: Int, $before: String, $filter: AssetFilter, $orderBy: AssetOrder) {
    assets(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id updatedBlock } } } }`;
  type Page = { totalCount: number; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null }; edges: { cursor: string; node: { id: string; updatedBlock: string } }[] };
  const page = async (variables: Record<string, unknown>): Promise<Page> => (await ok(ALICE, PAGE, variables)).assets as Page;
  const live = Array.from({ length: ASSETS - 1 }, (_, i) => assetId(i));

  test('forward with first/after through every page, default order ID ascending', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const p: Page = await page({ first: 25, after });
      expect(p.totalCount).toBe(ASSETS - 1);
      expect(p.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...p.edges.map((e) => e.node.id));
      pages += 1;
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(live);
  });

  test('backward with last/before through every page', async () => {
    const seen: string[] = [];
    let before: string | null = null;
    for (;;) {
      const p: Page = await page({ last: 25, before });
      expect(p.pageInfo.hasNextPage).toBe(before !== null);
      seen.unshift(...p.edges.map((e) => e.node.id));
      if (!p.pageInfo.hasPreviousPage) break;
      before = p.pageInfo.startCursor;
    }
    expect(seen).toEqual(live);
  });

  test('cursors at the edges: nothing after the last, nothing before the first', async () => {
    const all = await page({ first: 500 });
    expect(all.edges).toHaveLength(ASSETS - 1);
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    const lastCursor = all.edges[all.edges.length - 1]?.cursor;
    const firstCursor = all.edges[0]?.cursor;
    expect(await page({ first: 10, after: lastCursor })).toMatchObject({ edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null } });
    expect(await page({ last: 10, before: firstCursor })).toMatchObject({ edges: [], pageInfo: { hasNextPage: true, hasPreviousPage: false } });
    expect((await page({ first: 1, after: firstCursor })).edges.map((e) => e.node.id)).toEqual([assetId(1)]);
    expect((await page({ last: 1, before: lastCursor })).edges.map((e) => e.node.id)).toEqual([assetId(ASSETS - 3)]);
    // Both bounds: strictly between.
    const between = await page({ first: 10, after: all.edges[2]?.cursor, before: all.edges[5]?.cursor });
    expect(between.edges.map((e) => e.node.id)).toEqual([assetId(3), assetId(4)]);
    expect(between.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    expect((await page({ first: 0 })).edges).toEqual([]);
    expect((await page({})).edges).toHaveLength(50);
  });

  test('bad cursors are BAD_USER_INPUT naming the argument, and nothing runs', async () => {
    const ids = (await page({ first: 1 })).edges[0]?.cursor;
    const byBlock = (await page({ first: 1, orderBy: { field: 'UPDATED_BLOCK', direction: 'ASC' } })).edges[0]?.cursor;
    const bad: [Record<string, unknown>, string][] = [
      [{ after: 'not a cursor!' }, 'after'],
      [{ after: 'AAAA' }, 'after'],
      [{ before: Buffer.from('{"x":1}').toString('base64url') }, 'before'],
      [{ after: encodeCursor('users', ['alice']) }, 'after'],
      [{ after: encodeCursor('assets:ID', ['a', 'extra']) }, 'after'],
      [{ after: ids, orderBy: { field: 'UPDATED_BLOCK', direction: 'ASC' } }, 'after'],
      [{ before: byBlock }, 'before'],
      [{ after: encodeCursor('assets:UPDATED_BLOCK', ['-1', 'a000']), orderBy: { field: 'UPDATED_BLOCK', direction: 'ASC' } }, 'after'],
      [{ after: encodeCursor('assets:UPDATED_BLOCK', ['99999999999999999999', 'a000']), orderBy: { field: 'UPDATED_BLOCK', direction: 'ASC' } }, 'after'],
    ];
    for (const [variables, argument] of bad) {
      const result = await failure(ALICE, PAGE, variables);
      expect([result.code, result.message.split(':')[0], result.statements]).toEqual(['BAD_USER_INPUT', argument, 0]);
    }
  });

  test('page sizes: at most 500, not negative, not first and last together; nothing runs', async () => {
    for (const [variables, argument] of [
      [{ first: 501 }, 'first'],
      [{ first: -1 }, 'first'],
      [{ last: 501 }, 'last'],
      [{ last: -5 }, 'last'],
      [{ first: 1, last: 1 }, 'last'],
    ] as const) {
      const result = await failure(ALICE, PAGE, variables);
      expect([result.code, result.message.split(':')[0], result.statements]).toEqual(['BAD_USER_INPUT', argument, 0]);
    }
    const nested = await failure(ALICE, '{ asset(id: "a000") { history(first: 1000) { totalCount } } }');
    expect([nested.code, nested.message.split(':')[0]]).toEqual(['BAD_USER_INPUT', 'first']);
  });

  test('filters: owner, kind, deleted, updated time', async () => {
    expect((await page({ filter: { owner: 'Org1MSP/alice' }, first: 500 })).edges.map((e) => e.node.id)).toEqual(live.filter((_, i) => i % 3 === 0));
    expect((await page({ filter: { kind: 'house' } })).totalCount).toBe(29);
    expect((await page({ filter: { kind: 'house', owner: 'Org2MSP/bob' } })).totalCount).toBe(10);
    const withDeleted = await page({ filter: { includeDeleted: true }, last: 1 });
    expect([withDeleted.totalCount, withDeleted.edges[0]?.node.id]).toEqual([ASSETS, assetId(ASSETS - 1)]);
    // Version 7 of asset i is in block 1 + (360 + i) / 10: blocks 37..42.
    const after = await page({ filter: { updatedAfter: '2026-01-01T00:40:00Z' }, first: 500 });
    expect(after.edges.map((e) => e.node.id)).toEqual(live.filter((_, i) => 1 + Math.floor((360 + i) / 10) > 40));
    const before = await page({ filter: { updatedBefore: '2026-01-01T00:38:00Z' }, first: 500 });
    expect(before.edges.map((e) => e.node.id)).toEqual(live.filter((_, i) => 1 + Math.floor((360 + i) / 10) < 38));
    expect((await page({ filter: { owner: 'Org1MSP/nobody' } })).totalCount).toBe(0);
  });

  test('order by UPDATED_BLOCK, both directions, paginated both ways', async () => {
    const desc = { field: 'UPDATED_BLOCK', direction: 'DESC' };
    const all = await page({ first: 500, orderBy: desc });
    const blocks = all.edges.map((e) => Number(e.node.updatedBlock));
    expect(blocks).toEqual([...blocks].sort((a, b) => b - a));
    const expected = all.edges.map((e) => e.node.id);
    const forward: string[] = [];
    let after: string | null = null;
    do {
      const p: Page = await page({ first: 7, after, orderBy: desc });
      forward.push(...p.edges.map((e) => e.node.id));
      after = p.pageInfo.hasNextPage ? p.pageInfo.endCursor : null;
    } while (after);
    expect(forward).toEqual(expected);
    const backward: string[] = [];
    let before: string | null = null;
    do {
      const p: Page = await page({ last: 7, before, orderBy: desc });
      backward.unshift(...p.edges.map((e) => e.node.id));
      before = p.pageInfo.hasPreviousPage ? p.pageInfo.startCursor : null;
    } while (before);
    expect(backward).toEqual(expected);
    const asc = await page({ first: 500, orderBy: { field: 'UPDATED_BLOCK', direction: 'ASC' } });
    expect(asc.edges.map((e) => e.node.id)).toEqual([...expected].reverse());
    const byIdDesc = await page({ first: 3, orderBy: { field: 'ID', direction: 'DESC' } });
    expect(byIdDesc.edges.map((e) => e.node.id)).toEqual([assetId(58), assetId(57), assetId(56)]);
  });
});

describe('an asset, its history and events', () => {
  test('asset fields; a deleted one is still readable; an unknown id is null', async () => {
    const q = 'query($id: ID!) { asset(id: $id) { id kind attributes version deleted createdBlock createdAt updatedBlock updatedAt owner { id } } }';
    expect((await ok(DAVE, q, { id: 'a000' })).asset).toEqual({
      id: 'a000', kind: 'car', attributes: { n: 7 }, version: 7, deleted: false, createdBlock: '1', createdAt: '2026-01-01T00:01:00.000Z',
      updatedBlock: '37', updatedAt: '2026-01-01T00:37:00.000Z', owner: { id: 'Org1MSP/alice' },
    });
    expect((await ok(DAVE, q, { id: assetId(ASSETS - 1) })).asset.deleted).toBe(true);
    expect((await ok(DAVE, q, { id: 'nope' })).asset).toBeNull();
  });

  test('history: newest first, both directions, totalCount, transactions; cursors belong to one asset', async () => {
    const q = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { asset(id: $id) { history(first: $first, after: $after, last: $last, before: $before) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor startCursor } edges { node { action version owner { id } kind attributes blockNumber txIndex at transaction { id blockNumber } } } } } }`;
    const all = (await ok(DAVE, q, { id: 'a005' })).asset.history;
    expect(all.totalCount).toBe(VERSIONS);
    expect(all.edges.map((e: any) => e.node.version)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(all.edges[6].node).toMatchObject({ action: 'CREATED', owner: { id: 'Org1MSP/ghost' }, kind: 'house', attributes: { n: 1 }, blockNumber: '1', txIndex: 5, transaction: { id: 'tx-5-1', blockNumber: '1' } });
    const page1 = (await ok(DAVE, q, { id: 'a005', first: 3 })).asset.history;
    const page2 = (await ok(DAVE, q, { id: 'a005', first: 3, after: page1.pageInfo.endCursor })).asset.history;
    expect(page2.edges.map((e: any) => e.node.version)).toEqual([4, 3, 2]);
    const oldest = (await ok(DAVE, q, { id: 'a005', last: 2 })).asset.history;
    expect(oldest.edges.map((e: any) => e.node.version)).toEqual([2, 1]);
    expect(oldest.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const newer = (await ok(DAVE, q, { id: 'a005', last: 2, before: oldest.pageInfo.startCursor })).asset.history;
    expect(newer.edges.map((e: any) => e.node.version)).toEqual([4, 3]);
    const foreign = await failure(DAVE, q, { id: 'a006', after: page1.pageInfo.endCursor });
    expect([foreign.code, foreign.message.split(':')[0]]).toEqual(['BAD_USER_INPUT', 'after']);
  });

  test('events: the chaincode events of the transactions that changed the asset', async () => {
    const q = '{ asset(id: "a002") { events(first: 2) { totalCount pageInfo { hasNextPage } edges { node { chaincode name payload blockNumber txIndex transaction { id } } } } } }';
    const events = (await ok(BOB, q)).asset.events;
    expect(events.totalCount).toBe(VERSIONS);
    expect(events.pageInfo.hasNextPage).toBe(true);
    expect(events.edges.map((e: any) => e.node)).toEqual([
      { chaincode: CHAINCODE, name: 'AssetUpdated', payload: { id: 'a002', version: 7 }, blockNumber: '37', txIndex: 2, transaction: { id: 'tx-2-7' } },
      { chaincode: CHAINCODE, name: 'AssetUpdated', payload: { id: 'a002', version: 6 }, blockNumber: '31', txIndex: 2, transaction: { id: 'tx-2-6' } },
    ]);
  });
});

describe('transactions', () => {
  const q = `query($id: ID!) { transaction(id: $id) { id channel blockNumber txIndex type validationCode valid creatorMspId chaincode function createdAt
    creator { id user { username } } block { number hash previousHash dataHash txCount isConfig createdAt } writes { namespace key isDelete value } } }`;

  test('fields, block, creator and writes', async () => {
    expect((await ok(DAVE, q, { id: 'tx-1-2' })).transaction).toEqual({
      id: 'tx-1-2', channel: CHANNEL, blockNumber: '7', txIndex: 1, type: 'ENDORSER_TRANSACTION', validationCode: 'VALID', valid: true,
      creatorMspId: 'Org2MSP', chaincode: CHAINCODE, function: 'assets:UpdateAsset', createdAt: '2026-01-01T00:07:00.000Z',
      creator: { id: 'Org2MSP/bob', user: { username: 'bob' } },
      block: { number: '7', hash: 'h7', previousHash: 'h6', dataHash: 'd7', txCount: 10, isConfig: false, createdAt: '2026-01-01T00:07:00.000Z' },
      writes: [{ namespace: CHAINCODE, key: 'asset:a001', isDelete: false, value: '{"id":"a001","version":2}' }],
    });
    expect((await ok(DAVE, q, { id: 'no-such-tx' })).transaction).toBeNull();
  });

  test('DUPLICATE_TXID: the valid copy, wherever it is', async () => {
    expect((await ok(DAVE, q, { id: 'dup-1' })).transaction).toMatchObject({ blockNumber: '44', valid: true, validationCode: 'VALID' });
    expect((await ok(DAVE, q, { id: 'dup-2' })).transaction).toMatchObject({ blockNumber: '45', valid: true, validationCode: 'VALID' });
  });

  test('keys stored NUL-escaped come back as the ledger wrote them', async () => {
    expect((await ok(DAVE, q, { id: 'tx-nul' })).transaction.writes).toEqual([
      { namespace: 'other', key: '\u0000idx\u0000a1\u0000', isDelete: false, value: 'x' },
      { namespace: 'other', key: 'back\\slash', isDelete: true, value: null },
    ]);
  });
});

describe('N+1: statements counted at the driver', () => {
  const PORTAL = `query($first: Int!) { assets(first: $first) { edges { node { id kind owner { id user { username } }
    history(first: 5) { edges { node { version action transaction { id blockNumber block { number } } } } } } } } }`;

  test('a page of 50 assets with owner, owner.user, last 5 history entries and their transactions: ≤ 5 statements, as for 10', async () => {
    const fifty = await run(ALICE, PORTAL, { first: 50 });
    const ten = await run(ALICE, PORTAL, { first: 10 });
    expect(fifty.errors).toBeUndefined();
    const assets = (fifty.data as any).assets.edges;
    expect(assets).toHaveLength(50);
    expect(assets.every((e: any) => e.node.history.edges.length === 5 && e.node.history.edges[0].node.transaction.id === `tx-${Number(e.node.id.slice(1))}-7`)).toBe(true);
    expect(assets[1].node.owner.user).toEqual({ username: 'bob' });
    console.log(`[n+1] 50 assets: ${fifty.statements} statements; 10 assets: ${ten.statements} statements`);
    expect(fifty.statements).toBeLessThanOrEqual(5);
    expect(ten.statements).toBe(fifty.statements);
    // With totalCount of the page and of every history: one statement more for each kind.
    const counted = await run(ALICE, PORTAL.replace('assets(first: $first) {', 'assets(first: $first) { totalCount').replace('history(first: 5) {', 'history(first: 5) { totalCount'), { first: 50 });
    expect(counted.errors).toBeUndefined();
    expect(counted.statements).toBe(fifty.statements + 2);
  });

  test('the count catches loaders that do not batch', async () => {
    const unbatched = await run(ALICE, PORTAL, { first: 50 }, 1);
    expect(unbatched.errors).toBeUndefined();
    expect(unbatched.statements).toBeGreaterThan(50);
  });
});
