import { Client } from 'pg';

import { createFabricBlockSource, createFabricConnection, type BlockSource } from '../../src/ledger';
import { verifyChannel } from '../../src/sync';
import { createIsolatedDatabase } from '../db/isolatedDatabase';
import { eventually, uniqueId } from './waiting';
import { connectClient, type TestClient } from './ledgerClient';
import { cacheHeight, startSyncProcess, waitForHeight, type SyncProcess } from './syncProcess';
import { SECOND_CHANNEL, testDeployer, testNetwork, TEST_CHAINCODE, TEST_CHANNEL, TEST_STATE_DIR } from './testNetwork';

/**
 * The read cache against the real network and a real PostgreSQL: a mixed workload indexed
 * exactly, two channels side by side, a worker SIGKILLed mid-batch again and again, and a standby
 * taking over from a dead active worker. `verifyChannel` (the `sync verify` command) is the oracle.
 */
jest.setTimeout(300_000);

const network = testNetwork();
const deployer = testDeployer(network);
const channels = [TEST_CHANNEL, SECOND_CHANNEL];
let database: { url: string; drop(): Promise<void> };
let source: BlockSource;
let user1: TestClient;
let admin1: TestClient;
let user2: TestClient;
let second: TestClient;
const workers: SyncProcess[] = [];

beforeAll(async () => {
  database = await createIsolatedDatabase('sync');
  await deployer.deploy({ channel: SECOND_CHANNEL, name: TEST_CHAINCODE });
  source = createFabricBlockSource({
    connection: createFabricConnection({
      connectionProfilePath: `${TEST_STATE_DIR}/connection-org1.json`,
      mspId: 'Org1MSP',
      certificatePath: `${TEST_STATE_DIR}/orgs/org1/users/user1@org1.example.com/msp/signcerts/cert.pem`,
      privateKeyPath: `${TEST_STATE_DIR}/orgs/org1/users/user1@org1.example.com/msp/keystore`,
      asLocalhost: true,
    }),
  });
  // No peer is killed here, so a slow connection under CI load is waited for (a TLS connect to
  // two peers' eventers missed fabric-common's 3 s in CI on 2026-12-06).
  const connectTimeoutMs = 20_000;
  user1 = await connectClient(network, 'org1', { channel: TEST_CHANNEL, connectTimeoutMs });
  admin1 = await connectClient(network, 'org1', { channel: TEST_CHANNEL, user: 'Admin', connectTimeoutMs });
  user2 = await connectClient(network, 'org2', { channel: TEST_CHANNEL, connectTimeoutMs });
  second = await connectClient(network, 'org1', { channel: SECOND_CHANNEL, connectTimeoutMs });
});

afterAll(async () => {
  for (const worker of workers) await worker.kill();
  for (const client of [user1, admin1, user2, second] as (TestClient | undefined)[]) client?.close();
  (source as BlockSource | undefined)?.close();
  await (database as typeof database | undefined)?.drop();
});

// A test that fails half-way must not leave its worker holding the lock for the next one.
afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.kill('SIGTERM');
});

function startWorker(maxBatchBlocks?: number, only: readonly string[] = channels): SyncProcess {
  const worker = startSyncProcess({ databaseUrl: database.url, channels: only, maxBatchBlocks });
  workers.push(worker);
  return worker;
}

async function caughtUp(channel: string): Promise<bigint> {
  const height = await source.height(channel);
  await waitForHeight(database.url, channel, height);
  return height;
}

async function expectCacheMatchesLedger(channel: string, databaseUrl = database.url): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const report = await verifyChannel({ db, source, channel });
    expect(report.differences).toEqual([]);
    expect(report.blocksChecked).toBe(Number(report.ledgerHeight));
  } finally {
    await db.end();
  }
}

async function query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const db = new Client({ connectionString: database.url });
  await db.connect();
  try {
    return (await db.query<T>(sql, params)).rows;
  } finally {
    await db.end();
  }
}

test('a mixed workload (assets, tokens, conflicting transfers, an upgrade) is indexed exactly', async () => {
  const worker = startWorker();
  // Other test files use the same channel and account: compare what changes, not totals.
  await caughtUp(TEST_CHANNEL);
  const counts = async (): Promise<{ balance: bigint; invalid: number; transfers: number }> => {
    const [row] = await query<{ balance: string | null; invalid: string; transfers: string }>(
      `SELECT (SELECT balance::text FROM token_accounts WHERE channel = $1 AND account = 'Org1MSP/user1') AS balance,
              (SELECT count(*)::text FROM transactions WHERE channel = $1 AND validation_code = 'MVCC_READ_CONFLICT') AS invalid,
              (SELECT count(*)::text FROM token_transfers WHERE channel = $1 AND kind = 'TRANSFER' AND from_account = 'Org1MSP/user1') AS transfers`,
      [TEST_CHANNEL],
    );
    return { balance: BigInt(row?.balance ?? '0'), invalid: Number(row?.invalid), transfers: Number(row?.transfers) };
  };
  const before = await counts();
  const assets = user1.contract(TEST_CHAINCODE, 'assets');
  const ids = Array.from({ length: 12 }, () => uniqueId('mixed'));
  await Promise.all(ids.map((id, i) => assets.submitTransaction('CreateAsset', id, i % 2 ? 'car' : 'boat', JSON.stringify({ n: i }))));
  await assets.submitTransaction('UpdateAsset', ids[0] ?? '', JSON.stringify({ n: 100 }));
  await assets.submitTransaction('TransferAsset', ids[1] ?? '', 'Org2MSP/user1');
  await assets.submitTransaction('DeleteAsset', ids[2] ?? '');

  await admin1.contract(TEST_CHAINCODE, 'tokens').submitTransaction('Mint', 'Org1MSP/user1', '1000');
  // Ten transfers from one account at once: they read the same balance, so all but the first
  // of each block fail validation with MVCC_READ_CONFLICT.
  const outcomes = await Promise.allSettled(
    Array.from({ length: 10 }, () => user1.contract(TEST_CHAINCODE, 'tokens').submitTransaction('Transfer', 'Org2MSP/user1', '7')),
  );
  const succeeded = outcomes.filter((o) => o.status === 'fulfilled').length;
  const conflicted = outcomes.filter((o) => o.status === 'rejected' && String(o.reason).includes('MVCC_READ_CONFLICT')).length;
  expect(succeeded + conflicted).toBe(10);
  expect(conflicted).toBeGreaterThan(0);

  await deployer.upgrade({ channel: TEST_CHANNEL, name: TEST_CHAINCODE });
  const afterUpgrade = uniqueId('upgraded');
  await eventually(() => user2.contract(TEST_CHAINCODE, 'assets').submitTransaction('CreateAsset', afterUpgrade, 'plane', '{}'));

  await caughtUp(TEST_CHANNEL);
  await expectCacheMatchesLedger(TEST_CHANNEL);

  const after = await counts();
  expect(after.balance - before.balance).toBe(BigInt(1000 - 7 * succeeded));
  expect(after.invalid - before.invalid).toBe(conflicted);
  expect(after.transfers - before.transfers).toBe(succeeded);
  const rows = await query<{ id: string; owner: string; deleted: boolean; version: number }>(
    'SELECT id, owner, deleted, version FROM assets WHERE channel = $1 AND id = ANY($2) ORDER BY id',
    [TEST_CHANNEL, [ids[0], ids[1], ids[2], afterUpgrade]],
  );
  expect(rows.find((r) => r.id === ids[0])).toMatchObject({ version: 2, deleted: false });
  expect(rows.find((r) => r.id === ids[1])).toMatchObject({ owner: 'Org2MSP/user1' });
  expect(rows.find((r) => r.id === ids[2])).toMatchObject({ deleted: true });
  expect(rows.find((r) => r.id === afterUpgrade)).toMatchObject({ owner: 'Org2MSP/user1', deleted: false });
  const history = await query<{ action: string }>('SELECT action FROM asset_history WHERE channel = $1 AND asset_id = $2 ORDER BY block_number', [TEST_CHANNEL, ids[2]]);
  expect(history.map((h) => h.action)).toEqual(['CREATED', 'DELETED']);
  await worker.kill('SIGTERM');
  expect(worker.child.exitCode).toBe(0);
});

test('two channels are indexed independently, each with its own checkpoint', async () => {
  const worker = startWorker();
  const ids = Array.from({ length: 3 }, () => uniqueId('second'));
  for (const id of ids) await second.contract(TEST_CHAINCODE, 'assets').submitTransaction('CreateAsset', id, 'ship', '{}');
  const heights = await Promise.all(channels.map((c) => caughtUp(c)));
  expect(heights[0]).not.toBe(heights[1]);
  for (const channel of channels) await expectCacheMatchesLedger(channel);
  const where = await query<{ channel: string }>('SELECT DISTINCT channel FROM assets WHERE id = ANY($1)', [ids]);
  expect(where).toEqual([{ channel: SECOND_CHANNEL }]);
  await worker.kill('SIGTERM');
});

test('a worker SIGKILLed mid-batch five times resumes with no gap and no duplicate', async () => {
  const assets = user1.contract(TEST_CHAINCODE, 'assets');
  // To kill the worker inside its batch transaction (not between two), the test holds a lock on
  // one of the tables the batch writes, waits until the worker's session is blocked on it, and
  // only then sends SIGKILL.
  const tables = ['assets', 'state', 'asset_history', 'tx_writes', 'sync_checkpoints'];
  for (const table of tables) {
    await Promise.all(Array.from({ length: 3 }, () => assets.submitTransaction('CreateAsset', uniqueId('backlog'), 'crate', '{}')));
    const before = await cacheHeight(database.url, TEST_CHANNEL);
    const blocker = new Client({ connectionString: database.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    try {
      const worker = startWorker(undefined, [TEST_CHANNEL]);
      // Asked on a fresh session each time: inside a transaction, pg_stat_activity is a snapshot.
      await eventually(async () => {
        const waiting = await query(
          "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
          [`ledger-sync:${TEST_CHANNEL}`],
        );
        if (waiting.length === 0) throw new Error(`the worker is not blocked inside its batch yet\n${worker.output()}`);
      });
      await worker.kill('SIGKILL');
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    // The interrupted batch left nothing behind: no block beyond the checkpoint.
    expect(await cacheHeight(database.url, TEST_CHANNEL)).toBe(before);
    const beyond = await query<{ n: string }>('SELECT count(*)::text AS n FROM blocks WHERE channel = $1 AND number >= $2', [TEST_CHANNEL, before.toString()]);
    expect({ table, rowsBeyondCheckpoint: beyond[0]?.n }).toEqual({ table, rowsBeyondCheckpoint: '0' });
  }
  const target = await source.height(TEST_CHANNEL);
  startWorker(1, [TEST_CHANNEL]);
  await waitForHeight(database.url, TEST_CHANNEL, target);
  await expectCacheMatchesLedger(TEST_CHANNEL);
  const [counts] = await query<{ blocks: string; distinct_numbers: string; max: string; txs: string; declared: string }>(
    `SELECT count(*)::text AS blocks, count(DISTINCT number)::text AS distinct_numbers, max(number)::text AS max,
            (SELECT count(*) FROM transactions t WHERE t.channel = $1)::text AS txs, sum(tx_count)::text AS declared
       FROM blocks WHERE channel = $1`,
    [TEST_CHANNEL],
  );
  expect(counts).toBeDefined();
  expect(counts?.blocks).toBe(counts?.distinct_numbers);
  expect(BigInt(counts?.max ?? '-1') + 1n).toBe(BigInt(counts?.blocks ?? '0'));
  expect(counts?.txs).toBe(counts?.declared);
});

test('a standby worker takes over within seconds when the active one is killed', async () => {
  for (const w of workers) await w.kill();
  const active = startWorker(undefined, [TEST_CHANNEL]);
  await eventually(() => {
    if (!active.output().includes('holding the sync lock')) throw new Error('not active yet');
  });
  const standby = startWorker(undefined, [TEST_CHANNEL]);
  await eventually(() => {
    if (!standby.output().includes('standing by')) throw new Error('not standing by yet');
  });
  await active.kill('SIGKILL');
  const killedAt = Date.now();
  await user1.contract(TEST_CHAINCODE, 'assets').submitTransaction('CreateAsset', uniqueId('takeover'), 'crate', '{}');
  await eventually(() => {
    if (!standby.output().includes('holding the sync lock')) throw new Error('standby has not taken over');
  }, 10_000);
  await caughtUp(TEST_CHANNEL);
  expect(Date.now() - killedAt).toBeLessThan(10_000);
  await expectCacheMatchesLedger(TEST_CHANNEL);
  await standby.kill('SIGTERM');
  expect(standby.child.exitCode).toBe(0);
});

test('with SYNC_CATCH_UP_THREAD=true, a worker far behind catches up on the reader thread', async () => {
  // A second, empty cache: the ledger is by now well over 10 blocks (LIVE_WINDOW) ahead of it, so
  // the worker pulls the backlog on its catch-up thread before the event stream takes over.
  const fresh = await createIsolatedDatabase('sync_thread');
  try {
    expect(await source.height(TEST_CHANNEL)).toBeGreaterThan(10n);
    const worker = startSyncProcess({ databaseUrl: fresh.url, channels, catchUpThread: true });
    workers.push(worker);
    for (const channel of channels) {
      await waitForHeight(fresh.url, channel, await source.height(channel));
      await expectCacheMatchesLedger(channel, fresh.url);
    }
    // And it goes on live from the event stream.
    await user1.contract(TEST_CHAINCODE, 'assets').submitTransaction('CreateAsset', uniqueId('afterthread'), 'crate', '{}');
    await waitForHeight(fresh.url, TEST_CHANNEL, await source.height(TEST_CHANNEL));
    await expectCacheMatchesLedger(TEST_CHANNEL, fresh.url);
    await worker.kill('SIGTERM');
    expect(worker.child.exitCode).toBe(0);
  } finally {
    await fresh.drop();
  }
});
