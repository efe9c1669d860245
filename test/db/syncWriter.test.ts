/**
 * The sync worker's batch writer on a migrated database, without Fabric: COPY through staging
 * tables round-trips awkward values exactly, replays insert nothing, invalid transactions are
 * stored but not projected, a batch prepared for another checkpoint is refused, and the worker's
 * two stages (prepare N+1 while N is written) commit every block once, in order.
 */
import { createHash } from 'node:crypto';

import { Client } from 'pg';

import { silentLogger } from '../../src/common';
import type { LedgerBlock, LedgerTransaction } from '../../src/ledger';
import {
  createSampleProjector,
  createSyncWorker,
  ensureCheckpoint,
  prepareBatch,
  stateProjector,
  SyncErrorCode,
  writeBatch,
  type Checkpoint,
} from '../../src/sync';
import { copyIn } from '../../src/sync/copyIn';
import { createIsolatedDatabase, type IsolatedDatabase } from './isolatedDatabase';
import { staticBlockSource } from './staticBlockSource';

jest.setTimeout(120_000);

const CHANNEL = 'writer';
const projectors = [stateProjector, createSampleProjector(['sample'])];
const AWKWARD = 'tab\there, newline\nthere, cr\r, backslash \\ and \\N, quote \' " ünïcödé';

function asset(id: string, n: number): Buffer {
  return Buffer.from(JSON.stringify({ id, kind: 'crate', owner: 'Org1MSP/user1', attributes: { n, note: AWKWARD }, version: 1 }));
}

function tx(index: number, id: string, valid = true): LedgerTransaction {
  return {
    index,
    txId: createHash('sha256').update(`${id}/${index}`).digest('hex'),
    type: 'ENDORSER_TRANSACTION',
    validationCode: valid ? 'VALID' : 'MVCC_READ_CONFLICT',
    isValid: valid,
    creator: { mspId: 'Org1MSP', id: 'user\t1' },
    endorsers: [{ mspId: 'Org1MSP', id: 'peer0' }],
    chaincode: 'sample',
    fn: 'assets:CreateAsset',
    createdAt: new Date('2026-11-23T10:00:00.123Z'),
    reads: [{ namespace: 'sample', key: `asset:${id}`, version: undefined }, { namespace: '_lifecycle', key: 'namespaces/fields/sample/Sequence', version: { block: 3n, tx: 0 } }],
    writes: [
      { namespace: 'sample', key: `asset:${id}`, isDelete: false, value: asset(id, index) },
      { namespace: 'other', key: `\u0000composite\u0000${id}\\x\u0000`, isDelete: false, value: Buffer.from([0, 9, 10, 13, 92, 255]) },
      { namespace: 'plain', key: id, isDelete: false, value: Buffer.from(`{"plain":"ascii ~ value of ${id}"}`) },
    ],
    event: { chaincode: 'sample', name: 'AssetCreated', payload: asset(id, index) },
  };
}

/** The worker's `connect`: a new session of the test database each time. */
function sessionsOf(db: IsolatedDatabase): () => Promise<Client> {
  return async () => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    return client;
  };
}

function chain(count: number, txPerBlock: number, prefix: string): LedgerBlock[] {
  const blocks: LedgerBlock[] = [];
  let previousHash = '';
  for (let n = 0; n < count; n++) {
    const hash = createHash('sha256').update(`${prefix}${n}`).digest('hex');
    const transactions = Array.from({ length: txPerBlock }, (_, i) => tx(i, `${prefix}-${n}-${i}`, i !== 1));
    blocks.push({ channel: CHANNEL, number: BigInt(n), hash, previousHash, dataHash: hash, isConfig: n === 0, createdAt: new Date('2026-11-23T10:00:00Z'), transactions });
    previousHash = hash;
  }
  return blocks;
}

async function counts(client: Client): Promise<Record<string, number>> {
  const tables = ['blocks', 'transactions', 'tx_reads', 'tx_writes', 'chaincode_events', 'state', 'assets', 'asset_history'];
  const out: Record<string, number> = {};
  for (const t of tables) {
    const r = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${t}`);
    out[t] = Number(r.rows[0]?.n);
  }
  return out;
}

describe('sync writer (COPY through staging tables)', () => {
  let db: IsolatedDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createIsolatedDatabase('sync_writer');
    client = new Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  test('a batch round-trips exactly; invalid transactions are stored, not projected; a replay inserts nothing', async () => {
    const start = await ensureCheckpoint(client, CHANNEL);
    // 2 blocks x 40 transactions: some groups go through COPY (>= 64 rows), some through VALUES.
    const blocks = chain(2, 40, 'a');
    const batch = prepareBatch(CHANNEL, start, blocks, projectors);
    const next = await writeBatch(client, CHANNEL, batch);
    expect(next).toEqual({ nextBlock: 2n, lastBlockHash: blocks[1]?.hash });

    const before = await counts(client);
    expect(before).toEqual({ blocks: 2, transactions: 80, tx_reads: 160, tx_writes: 240, chaincode_events: 80, state: 234, assets: 78, asset_history: 78 });
    // Printable ASCII bytes go through COPY in bytea's escape format, the rest as hex: both exact.
    const plain = await client.query<{ value: Buffer }>("SELECT value FROM state WHERE namespace = 'plain' AND key = 'a-1-5'");
    expect(plain.rows[0]?.value.toString('latin1')).toBe('{"plain":"ascii ~ value of a-1-5"}');
    const e = await client.query<{ payload: Buffer }>('SELECT payload FROM chaincode_events WHERE block_number = 1 AND tx_index = 5');
    expect(e.rows[0]?.payload.equals(asset('a-1-5', 5))).toBe(true);

    const w = await client.query<{ key: string; value: Buffer }>("SELECT key, value FROM tx_writes WHERE namespace = 'other' AND block_number = 1 AND tx_index = 3");
    expect(w.rows[0]?.key).toBe('\\0composite\\0a-1-3\\\\x\\0');
    expect([...(w.rows[0]?.value ?? [])]).toEqual([0, 9, 10, 13, 92, 255]);
    const a = await client.query<{ attributes: { note: string } }>("SELECT attributes FROM assets WHERE id = 'a-1-3'");
    expect(a.rows[0]?.attributes.note).toBe(AWKWARD);
    const t = await client.query<{ creator_id: string; created_at: Date; validation_code: string; endorsers: unknown }>(
      'SELECT creator_id, created_at, validation_code, endorsers FROM transactions WHERE block_number = 0 AND tx_index = 1',
    );
    expect(t.rows[0]).toEqual({ creator_id: 'user\t1', created_at: new Date('2026-11-23T10:00:00.123Z'), validation_code: 'MVCC_READ_CONFLICT', endorsers: [{ mspId: 'Org1MSP', id: 'peer0' }] });
    const r = await client.query<{ version_block: string | null; version_tx: number | null }>(
      "SELECT version_block::text, version_tx FROM tx_reads WHERE block_number = 0 AND tx_index = 0 ORDER BY namespace",
    );
    expect(r.rows).toEqual([{ version_block: '3', version_tx: 0 }, { version_block: null, version_tx: null }]);
    // The invalid transaction (index 1 of each block) reached no projector.
    const invalid = await client.query("SELECT 1 FROM assets WHERE id IN ('a-0-1', 'a-1-1') UNION ALL SELECT 1 FROM state WHERE key LIKE '%a-0-1'");
    expect(invalid.rowCount).toBe(0);

    // The same rows again, as if a checkpoint had been lost: nothing new, nothing changed.
    const replay = prepareBatch(CHANNEL, start, blocks, projectors);
    await client.query('BEGIN');
    await client.query("UPDATE sync_checkpoints SET next_block = 0, last_block_hash = NULL WHERE channel = $1", [CHANNEL]);
    await client.query('COMMIT');
    await writeBatch(client, CHANNEL, replay);
    expect(await counts(client)).toEqual(before);
  });

  test('a batch prepared for another checkpoint is refused and writes nothing', async () => {
    const before = await counts(client);
    const stale: Checkpoint = { nextBlock: 1n, lastBlockHash: 'f'.repeat(64) };
    const blocks = chain(3, 2, 'b').slice(1);
    const batch = prepareBatch(CHANNEL, { nextBlock: 1n, lastBlockHash: blocks[0]?.previousHash }, blocks, projectors);
    await expect(writeBatch(client, CHANNEL, { ...batch, from: stale })).rejects.toMatchObject({ code: SyncErrorCode.CHECKPOINT_MOVED });
    expect(await counts(client)).toEqual(before);
    // The session is still usable after the rollback (the staging tables it made are gone with it).
    await writeBatch(client, CHANNEL, prepareBatch(CHANNEL, await ensureCheckpoint(client, CHANNEL), chain(4, 70, 'a').slice(2), projectors));
    expect((await counts(client)).blocks).toBe(4);
  });

  test('a batch that overlaps rows already there is written again the idempotent way: old rows stay, new ones go in', async () => {
    const blocks = chain(3, 70, 'o').map((b) => ({ ...b, channel: 'overlap' }));
    const start = await ensureCheckpoint(client, 'overlap');
    const afterFirst = await writeBatch(client, 'overlap', prepareBatch('overlap', start, blocks.slice(0, 2), projectors));
    // The checkpoint goes back one block, as if the last commit had been lost: block 1 comes again with block 2.
    await client.query('UPDATE sync_checkpoints SET next_block = 1, last_block_hash = $2 WHERE channel = $1', ['overlap', blocks[0]?.hash]);
    const from: Checkpoint = { nextBlock: 1n, lastBlockHash: blocks[0]?.hash };
    const next = await writeBatch(client, 'overlap', prepareBatch('overlap', from, blocks.slice(1), projectors));
    expect(afterFirst.nextBlock).toBe(2n);
    expect(next).toEqual({ nextBlock: 3n, lastBlockHash: blocks[2]?.hash });
    const r = await client.query<{ blocks: string; txs: string; history: string }>(
      `SELECT (SELECT count(*) FROM blocks WHERE channel = 'overlap')::text AS blocks,
              (SELECT count(*) FROM transactions WHERE channel = 'overlap')::text AS txs,
              (SELECT count(*) FROM asset_history WHERE channel = 'overlap')::text AS history`,
    );
    // 3 blocks of 70 transactions, one invalid per block (not projected).
    expect(r.rows[0]).toEqual({ blocks: '3', txs: '210', history: '207' });
  });
});

describe('COPY into a table', () => {
  test('a row PostgreSQL refuses fails the whole COPY, and the session goes on with its next COPY', async () => {
    const db = await createIsolatedDatabase('sync_copy');
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('CREATE TABLE copied (n integer PRIMARY KEY, note text)');
      const big = Array.from({ length: 20_000 }, (_, i) => `${i}\tnote ${i} ${AWKWARD.replace(/[\t\n\r\\]/g, ' ')}`);
      await expect(copyIn(client, 'COPY copied (n, note) FROM STDIN', [...big, 'not a number\tx'])).rejects.toMatchObject({ code: '22P02' });
      expect((await client.query('SELECT 1 FROM copied')).rowCount).toBe(0);
      await copyIn(client, 'COPY copied (n, note) FROM STDIN', big);
      await copyIn(client, 'COPY copied (n, note) FROM STDIN', ['-1\tünï']);
      const r = await client.query<{ n: string; note: string }>('SELECT count(*)::text AS n, min(note) FILTER (WHERE n = -1) AS note FROM copied');
      expect(r.rows[0]).toEqual({ n: '20001', note: 'ünï' });
    } finally {
      await client.end();
      await db.drop();
    }
  });
});

describe('sync worker: batch N+1 prepared while batch N is written', () => {
  test('every block is committed once and in order, across many small and large batches', async () => {
    const db = await createIsolatedDatabase('sync_pipeline');
    const blocks = chain(120, 30, 'p').map((b) => ({ ...b, channel: 'pipe' }));
    let size = 1;
    const source = staticBlockSource(blocks, () => {
      size = (size * 7) % 23 + 1; // 1..23 blocks, varying
      return size;
    });
    const worker = createSyncWorker({
      channel: 'pipe',
      connect: sessionsOf(db),
      source,
      projectors,
      log: silentLogger,
      maxBatchBlocks: 16,
    });
    const controller = new AbortController();
    const running = worker.run(controller.signal);
    const deadline = Date.now() + 60_000;
    while ((worker.status().nextBlock ?? 0n) < 120n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await running;
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const r = await client.query<{ n: string; min: string; max: string; txs: string }>(
        "SELECT count(*)::text AS n, min(number)::text AS min, max(number)::text AS max, sum(tx_count)::text AS txs FROM blocks WHERE channel = 'pipe'",
      );
      expect(r.rows[0]).toEqual({ n: '120', min: '0', max: '119', txs: String(120 * 30) });
      const cp = await client.query<{ next_block: string }>("SELECT next_block::text FROM sync_checkpoints WHERE channel = 'pipe'");
      expect(cp.rows[0]?.next_block).toBe('120');
      expect(worker.status().batches).toBeGreaterThan(8);
    } finally {
      await client.end();
      await db.drop();
    }
  });
});

describe('sync worker: progress while catching up', () => {
  test('far behind, it says at info level how far it has got and when it should reach the head; near the head it stops saying so', async () => {
    const db = await createIsolatedDatabase('sync_progress');
    const blocks = chain(40, 5, 'g').map((b) => ({ ...b, channel: 'progress' }));
    const lines: Record<string, unknown>[] = [];
    const log = { ...silentLogger, info: (fields: Record<string, unknown>, message: string) => void lines.push({ ...fields, message }) };
    const worker = createSyncWorker({
      channel: 'progress',
      connect: sessionsOf(db),
      source: staticBlockSource(blocks, () => 4),
      projectors,
      log,
      progressEveryMs: 0,
    });
    const controller = new AbortController();
    const running = worker.run(controller.signal);
    try {
      const deadline = Date.now() + 60_000;
      while ((worker.status().nextBlock ?? 0n) < 40n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    } finally {
      controller.abort();
      await running;
      await db.drop();
    }
    const progress = lines.filter((l) => l.message === 'catching up');
    // Batches of 4 blocks: a line after each batch that leaves more than 10 of the 40 behind.
    expect(progress.map((l) => l.height)).toEqual(['4', '8', '12', '16', '20', '24', '28']);
    expect(progress[0]).toMatchObject({ channel: 'progress', ledgerHeight: '40', behind: '36' });
    for (const line of progress) {
      expect(line.blocksPerSecond).toEqual(expect.any(Number));
      expect(line.etaSeconds).toEqual(expect.any(Number));
    }
  });
});
