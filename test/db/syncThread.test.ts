/**
 * The sync worker's preparer thread failing, on a migrated database, without Fabric (a fake block
 * source at the seam, a real thread, a real PostgreSQL session holding the lock): a projector that
 * throws is retried from the checkpoint and never skipped; a thread that dies stops the worker
 * loudly (run rejects with SYNC_THREAD_FAILED), with nothing written past the checkpoint and the
 * lock released for a standby.
 */
import { createHash } from 'node:crypto';

import { Client } from 'pg';

import { silentLogger } from '../../src/common';
import type { LedgerBlock } from '../../src/ledger';
import { createSyncWorker, lockKey, SyncErrorCode, SyncThreadError, type ProjectorModule, type SyncWorker } from '../../src/sync';
import { FAULTY_PROJECTOR_MODULE } from '../../src/sync/testing/faultyProjector';
import { fakeBlockSource } from './fakeBlockSource';
import { createIsolatedDatabase, type IsolatedDatabase } from './isolatedDatabase';

jest.setTimeout(120_000);

const CHANNEL = 'threaded';

function chain(count: number): LedgerBlock[] {
  const blocks: LedgerBlock[] = [];
  let previousHash = '';
  for (let n = 0; n < count; n++) {
    const hash = createHash('sha256').update(`t${n}`).digest('hex');
    const transactions = [0, 1].map((index) => ({
      index,
      txId: `${n}-${index}`,
      type: 'ENDORSER_TRANSACTION',
      validationCode: 'VALID',
      isValid: true,
      creator: { mspId: 'Org1MSP', id: 'u' },
      endorsers: [],
      chaincode: 'other',
      fn: 'put',
      createdAt: new Date(0),
      reads: [],
      writes: [{ namespace: 'other', key: `k${n}-${index}`, isDelete: false, value: Buffer.from(`v${n}`) }],
      event: undefined,
    }));
    blocks.push({ channel: CHANNEL, number: BigInt(n), hash, previousHash, dataHash: hash, isConfig: false, createdAt: new Date(0), transactions });
    previousHash = hash;
  }
  return blocks;
}

function faulty(fault: 'throw' | 'exit', atBlock: number): ProjectorModule[] {
  return [{ module: FAULTY_PROJECTOR_MODULE, export: 'createFaultyProjector', options: { fault, atBlock } }];
}

describe('sync worker: failures inside the preparer thread', () => {
  let db: IsolatedDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createIsolatedDatabase('sync_thread');
    client = new Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  const worker = (projectors: readonly ProjectorModule[], channel: string, onIntegrityStop?: (code: string) => void): SyncWorker =>
    createSyncWorker({
      ...(onIntegrityStop ? { onIntegrityStop } : {}),
      channel,
      connect: async () => {
        const c = new Client({ connectionString: db.url });
        await c.connect();
        return c;
      },
      source: fakeBlockSource(chain(12).map((b) => ({ ...b, channel })), () => 3),
      projectors,
      log: silentLogger,
      maxBatchBlocks: 3,
      retryDelayMs: 50,
    });

  const nextBlock = async (channel: string): Promise<string | undefined> =>
    (await client.query<{ next_block: string }>('SELECT next_block::text FROM sync_checkpoints WHERE channel = $1', [channel])).rows[0]?.next_block;

  test('a projector error in the thread is retried from the checkpoint: the block is never skipped', async () => {
    const channel = 'retried';
    const w = worker(faulty('throw', 6), channel);
    const controller = new AbortController();
    const running = w.run(controller.signal);
    // It keeps failing on block 6 and retrying; blocks 0-5 are in, block 6 never is.
    const deadline = Date.now() + 60_000;
    while (!(w.status().lastError ?? '').includes('refused block 6') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(w.status()).toMatchObject({ phase: 'syncing', lastError: 'faulty projector: refused block 6' });
    controller.abort();
    await expect(running).resolves.toBeUndefined();
    expect(await nextBlock(channel)).toBe('6');
    const blocks = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM blocks WHERE channel = $1', [channel]);
    expect(blocks.rows[0]?.n).toBe('6');
  });

  test('a thread that dies stops the worker loudly, writes nothing past the checkpoint and releases the lock', async () => {
    const stops: string[] = [];
    const w = worker(faulty('exit', 4), CHANNEL, (code) => stops.push(code));
    const error: unknown = await w.run(new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncThreadError);
    expect(w.status()).toMatchObject({ phase: 'failed', lastError: expect.stringContaining(SyncErrorCode.THREAD_FAILED) as unknown });
    expect(error).toMatchObject({ code: SyncErrorCode.THREAD_FAILED, message: expect.stringContaining('exited (code 70)') as unknown });
    expect(stops).toEqual([SyncErrorCode.THREAD_FAILED]);
    // Batches of 3: blocks 0-2 are in; the batch 3-5 died in the thread, and nothing of it was written.
    expect(await nextBlock(CHANNEL)).toBe('3');
    // Recorded where operators look, as integrity stops are.
    const recorded = await client.query<{ last_error: string | null }>('SELECT last_error FROM sync_checkpoints WHERE channel = $1', [CHANNEL]);
    expect(recorded.rows[0]?.last_error).toContain(SyncErrorCode.THREAD_FAILED);
    const beyond = await client.query('SELECT 1 FROM blocks WHERE channel = $1 AND number >= 3', [CHANNEL]);
    expect(beyond.rowCount).toBe(0);
    // The lock went with the session: another worker (a standby) can take it at once.
    const standby = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [lockKey(CHANNEL)]);
    expect(standby.rows[0]?.locked).toBe(true);
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey(CHANNEL)]);
  });
});
