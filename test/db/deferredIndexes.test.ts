/**
 * Secondary indexes put off during the cache's first load (src/sync/deferredIndexes.ts), on a
 * migrated database: they are dropped only while the cache is empty, come back exactly as the
 * migrations made them, survive a stop between the two steps, and a worker doing a first load
 * puts them off and creates them again once it reaches the head.
 */
import { createHash } from 'node:crypto';

import { Client } from 'pg';

import { silentLogger } from '../../src/common';
import type { LedgerBlock } from '../../src/ledger';
import {
  createSampleProjector,
  createSyncWorker,
  deferIndexesForFirstLoad,
  deferredIndexes,
  ensureCheckpoint,
  prepareBatch,
  restoreIndexes,
  secondaryIndexes,
  stateProjector,
  writeBatch,
  type DeferredIndex,
  type SyncStatus,
} from '../../src/sync';
import { createIsolatedDatabase, type IsolatedDatabase } from './isolatedDatabase';
import { staticBlockSource } from './staticBlockSource';

jest.setTimeout(120_000);

const projectors = [stateProjector, createSampleProjector(['sample'])];

function chain(channel: string, count: number, txPerBlock: number): LedgerBlock[] {
  const blocks: LedgerBlock[] = [];
  let previousHash = '';
  for (let n = 0; n < count; n++) {
    const hash = createHash('sha256').update(`${channel}/${n}`).digest('hex');
    const transactions = Array.from({ length: txPerBlock }, (_, index) => {
      const id = `${channel}-${n}-${index}`;
      const value = Buffer.from(JSON.stringify({ id, kind: 'crate', owner: `owner-${index % 3}`, attributes: { n }, version: 1 }));
      return {
        index,
        txId: createHash('sha256').update(id).digest('hex'),
        type: 'ENDORSER_TRANSACTION',
        validationCode: 'VALID',
        isValid: true,
        creator: { mspId: 'Org1MSP', id: 'user1' },
        endorsers: [{ mspId: 'Org1MSP', id: 'peer0' }],
        chaincode: 'sample',
        fn: 'assets:CreateAsset',
        createdAt: new Date('2026-12-06T10:00:00Z'),
        reads: [{ namespace: 'sample', key: `asset:${id}`, version: undefined }],
        writes: [{ namespace: 'sample', key: `asset:${id}`, isDelete: false, value }],
        event: { chaincode: 'sample', name: 'AssetCreated', payload: value },
      };
    });
    blocks.push({ channel, number: BigInt(n), hash, previousHash, dataHash: hash, isConfig: false, createdAt: new Date('2026-12-06T10:00:00Z'), transactions });
    previousHash = hash;
  }
  return blocks;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Runs a worker on a static ledger until `done` holds, then stops it; returns whether indexes were
 * deferred at each batch.
 */
async function runWorker(
  url: string,
  blocks: readonly LedgerBlock[],
  options: { maxBatchBlocks?: number; deferIndexesFromBlocks?: number },
  done: (status: SyncStatus) => boolean,
): Promise<{ deferredAtBatches: boolean[]; status: SyncStatus }> {
  const channel = blocks[0]?.channel ?? 'none';
  const deferredAtBatches: boolean[] = [];
  const worker = createSyncWorker({
    channel,
    connect: async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      return c;
    },
    source: staticBlockSource(blocks),
    projectors,
    log: silentLogger,
    ...options,
    onBatch: () => deferredAtBatches.push(worker.status().indexesDeferred),
  });
  const controller = new AbortController();
  const running = worker.run(controller.signal);
  try {
    await until(() => done(worker.status()), `${channel}: the worker is done`);
  } finally {
    controller.abort();
    await running;
  }
  return { deferredAtBatches, status: worker.status() };
}

describe('secondary indexes deferred for the first load', () => {
  let db: IsolatedDatabase;
  let client: Client;
  let migrated: DeferredIndex[];

  beforeEach(async () => {
    db = await createIsolatedDatabase('deferred_indexes');
    client = new Client({ connectionString: db.url });
    await client.connect();
    migrated = await secondaryIndexes(client);
  });

  afterEach(async () => {
    await client.end();
    await db.drop();
  });

  test('the migrations give the sync tables secondary indexes to defer', () => {
    const names = migrated.map((index) => index.name);
    expect(names).toEqual(expect.arrayContaining(['assets_channel_owner_idx', 'transactions_tx_id_idx', 'asset_history_channel_tx_id_idx']));
    // Primary keys and unique indexes are never deferred: idempotent inserts and upserts need them.
    expect(names.some((name) => name.endsWith('_pkey'))).toBe(false);
  });

  test('an empty cache drops them and keeps their definitions; restoring brings back the same indexes', async () => {
    const deferred = await deferIndexesForFirstLoad(client);
    expect(deferred).toEqual(migrated);
    expect(await secondaryIndexes(client)).toEqual([]);

    // A second call (a restarted worker) changes nothing and still reports them.
    expect(await deferIndexesForFirstLoad(client)).toEqual(migrated);

    const restored = await restoreIndexes(client);
    expect(restored.map((r) => r.name)).toEqual(migrated.map((index) => index.name));
    expect(await secondaryIndexes(client)).toEqual(migrated);
    expect(await deferredIndexes(client)).toEqual([]);
  });

  test('a cache that holds a block keeps its indexes', async () => {
    const from = await ensureCheckpoint(client, 'loaded');
    await writeBatch(client, 'loaded', prepareBatch('loaded', from, chain('loaded', 1, 2), projectors));
    expect(await deferIndexesForFirstLoad(client)).toEqual([]);
    expect(await secondaryIndexes(client)).toEqual(migrated);
  });

  test('an index that was created in the meantime is only taken off the list', async () => {
    await deferIndexesForFirstLoad(client);
    const first = migrated[0];
    if (!first) throw new Error('no secondary index to test with');
    await client.query(first.definition);
    await restoreIndexes(client);
    expect(await secondaryIndexes(client)).toEqual(migrated);
  });

  test('a worker loading a high ledger defers them, writes every block, and creates them again at the head', async () => {
    const { deferredAtBatches } = await runWorker(
      db.url,
      chain('first', 120, 5),
      { maxBatchBlocks: 16, deferIndexesFromBlocks: 100 },
      (status) => status.nextBlock === 120n && !status.indexesDeferred,
    );
    expect(deferredAtBatches[0]).toBe(true);
    expect(await secondaryIndexes(client)).toEqual(migrated);
    expect(await deferredIndexes(client)).toEqual([]);
    const assets = await client.query<{ n: string }>("SELECT count(*)::text AS n FROM assets WHERE channel = 'first' AND owner = 'owner-1'");
    expect(assets.rows[0]?.n).toBe(String(120 * 2));
  });

  test('a worker that stopped at the head before restoring creates them when it starts again, with no new block', async () => {
    // The state a worker leaves when it is killed right after its last batch of a first load.
    await deferIndexesForFirstLoad(client);
    const blocks = chain('stopped', 20, 3);
    await writeBatch(client, 'stopped', prepareBatch('stopped', await ensureCheckpoint(client, 'stopped'), blocks, projectors));

    const { status } = await runWorker(db.url, blocks, {}, (s) => s.phase === 'syncing');
    expect(status.indexesDeferred).toBe(false);
    expect(await secondaryIndexes(client)).toEqual(migrated);
  });

  test('a short ledger is loaded with its indexes in place', async () => {
    const { deferredAtBatches } = await runWorker(db.url, chain('short', 30, 2), { maxBatchBlocks: 8, deferIndexesFromBlocks: 100 }, (s) => s.nextBlock === 30n);
    expect(deferredAtBatches.length).toBeGreaterThan(0);
    expect(deferredAtBatches.every((deferred) => !deferred)).toBe(true);
    expect(await secondaryIndexes(client)).toEqual(migrated);
  });
});
