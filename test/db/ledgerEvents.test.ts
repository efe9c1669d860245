import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from 'pg';

import { isAppError } from '../../src/common';
import { createLedgerEvents, createPrismaClient, type LedgerEvents, type PrismaClient } from '../../src/store';
import { createIsolatedDatabase, type IsolatedDatabase } from './isolatedDatabase';

/**
 * LedgerEvents on a real PostgreSQL: notifications sent by hand the way the sync worker and the
 * submissions layer send them, the listening connection killed with pg_terminate_backend.
 */
jest.setTimeout(60_000);

const CHANNEL = 'mychannel';
const scope = { channel: CHANNEL, chaincode: 'sample' };

let db: IsolatedDatabase;
let prisma: PrismaClient;
let sql: Client;
let events: LedgerEvents;

/** What the sync worker does after a batch: move the checkpoint and NOTIFY, in one transaction. */
async function indexed(height: number, options: { notify?: boolean } = {}): Promise<void> {
  await sql.query('BEGIN');
  await sql.query('UPDATE sync_checkpoints SET next_block = $2 WHERE channel = $1', [CHANNEL, height]);
  if (options.notify !== false) await sql.query('SELECT pg_notify($1, $2)', ['ledger_indexed', JSON.stringify({ channel: CHANNEL, height: String(height) })]);
  await sql.query('COMMIT');
}

async function addBlocks(from: number, to: number): Promise<void> {
  for (let n = from; n < to; n++) {
    await sql.query("INSERT INTO blocks (channel, number, hash, previous_hash, data_hash, tx_count, is_config) VALUES ($1, $2, 'h', 'p', 'd', $3, false)", [CHANNEL, n, n % 3]);
  }
}

async function putAsset(id: string, block: number): Promise<void> {
  await sql.query(
    `INSERT INTO assets (channel, chaincode, id, kind, owner, attributes, version, created_block, created_tx_id, updated_block, updated_tx_id)
     VALUES ($1, $2, $3, 'car', 'Org1MSP/alice', '{}', 1, $4, 'tx', $4, 'tx')
     ON CONFLICT (channel, chaincode, id) DO UPDATE SET version = assets.version + 1, updated_block = $4`,
    [CHANNEL, scope.chaincode, id, block],
  );
}

async function listenerPid(): Promise<number | undefined> {
  const r = await sql.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'ledger-gateway:events' AND datname = current_database()");
  return r.rows[0]?.pid;
}

async function take<T>(iterator: AsyncIterator<T>, n: number, timeoutMs = 10_000): Promise<T[]> {
  const out: T[] = [];
  const stop = new AbortController();
  const deadline = sleep(timeoutMs, 'timeout' as const, { signal: stop.signal }).catch(() => 'stopped' as const);
  try {
    while (out.length < n) {
      const next = await Promise.race([iterator.next(), deadline]);
      if (next === 'timeout' || next === 'stopped') throw new Error(`only ${out.length} of ${n} events within ${timeoutMs} ms`);
      if (next.done === true) break;
      out.push(next.value);
    }
  } finally {
    stop.abort();
  }
  return out;
}

beforeAll(async () => {
  db = await createIsolatedDatabase('ledger_events');
  prisma = createPrismaClient({ databaseUrl: db.url, maxConnections: 3 });
  sql = new Client({ connectionString: db.url });
  await sql.connect();
  await sql.query('INSERT INTO channels (name) VALUES ($1)', [CHANNEL]);
  await sql.query('INSERT INTO sync_checkpoints (channel, next_block) VALUES ($1, 0)', [CHANNEL]);
  events = await createLedgerEvents({ databaseUrl: db.url, prisma, reconnectDelayMs: 50, maxReconnectDelayMs: 500 });
});

afterAll(async () => {
  await events.close();
  await sql.end();
  await prisma.$disconnect();
  await db.drop();
});

test('waitForIndexed resolves on the NOTIFY, at once when the checkpoint is already past, and false on timeout', async () => {
  const waiting = events.waitForIndexed(CHANNEL, 2n, 10_000);
  await sleep(100);
  const started = Date.now();
  await indexed(3);
  await expect(waiting).resolves.toBe(true);
  expect(Date.now() - started).toBeLessThan(2000);

  // Moved without a notification (e.g. sent while this process was not listening): the checkpoint says so.
  await indexed(5, { notify: false });
  await expect(events.waitForIndexed(CHANNEL, 4n, 5000)).resolves.toBe(true);

  const t0 = Date.now();
  await expect(events.waitForIndexed(CHANNEL, 99n, 300)).resolves.toBe(false);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  await expect(events.waitForIndexed('other', 0n, 200)).resolves.toBe(false);
});

test('blocks: one event per block of the advance, with its transaction count, in order', async () => {
  await indexed(10); // catch up (5..9 without block rows: not announced as blocks)
  await sleep(200);
  const feed = events.blocks(CHANNEL);
  await addBlocks(10, 14);
  await indexed(12);
  await indexed(14);
  const got = await take(feed, 4);
  expect(got.map((b) => [Number(b.number), b.txCount])).toEqual([
    [10, 1],
    [11, 2],
    [12, 0],
    [13, 1],
  ]);
  await feed.return?.();
});

test('asset and account watchers get the rows changed in the new range; others nothing', async () => {
  const a = events.assetChanges(scope, 'a1');
  const b = events.assetChanges(scope, 'b1');
  const a2 = events.assetChanges(scope, 'a1');
  const other = events.assetChanges({ channel: CHANNEL, chaincode: 'other' }, 'a1');
  await putAsset('a1', 14);
  await putAsset('c1', 14);
  await addBlocks(14, 15);
  await indexed(15);
  const [fromA] = await take(a, 1);
  const [fromA2] = await take(a2, 1);
  expect(fromA).toMatchObject({ id: 'a1', updatedBlock: 14n });
  expect(fromA2?.id).toBe('a1');
  await putAsset('b1', 15);
  await addBlocks(15, 16);
  await indexed(16);
  expect((await take(b, 1))[0]).toMatchObject({ id: 'b1', updatedBlock: 15n });
  // a1 did not change in block 15, and nothing of chaincode "other" did.
  const quiet = await Promise.race([a.next(), other.next(), sleep(300).then(() => 'quiet')]);
  expect(quiet).toBe('quiet');
  for (const f of [a, b, a2, other]) await f.return?.();
});

test('a subscriber that does not read is dropped once its buffer is full (OVERLOADED), others go on', async () => {
  const slow = events.blocksIndexed({ bufferSize: 2 });
  const fast = events.blocksIndexed();
  await indexed(17);
  await indexed(18);
  await indexed(19);
  expect((await take(fast, 3)).map((e) => Number(e.height))).toEqual([17, 18, 19]);
  const error = await slow.next().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAppError(error, 'OVERLOADED')).toBe(true);
  await expect(slow.next()).resolves.toEqual({ value: undefined, done: true });
  await fast.return?.();
});

test('submission notices reach the watchers of that id', async () => {
  const id = '7b0c5a36-0a36-4a52-9c7b-0d6c5a9f3e11';
  const feed = events.submissionUpdates(id);
  const otherFeed = events.submissionUpdates('00000000-0000-0000-0000-000000000000');
  await sql.query("SELECT pg_notify('submission_updated', $1)", [id]);
  expect(await take(feed, 1)).toEqual([{ id }]);
  expect(await Promise.race([otherFeed.next(), sleep(200).then(() => 'quiet')])).toBe('quiet');
  await feed.return?.();
  await otherFeed.return?.();
});

test('after pg_terminate_backend of the listener: reconnects, announces what was missed, hears new notifications', async () => {
  const feed = events.blocksIndexed();
  const submissions = events.submissionUpdates('11111111-1111-1111-1111-111111111111');
  const pid = await listenerPid();
  expect(pid).toBeDefined();
  await sql.query('SELECT pg_terminate_backend($1)', [pid]);
  // Indexed while nobody listens: the notification is lost.
  await indexed(25);
  const [missed] = await take(feed, 1, 15_000);
  expect(missed).toEqual({ channel: CHANNEL, from: 19n, height: 25n });
  expect(await take(submissions, 1)).toEqual([{ id: undefined }]);
  expect(events.listening()).toBe(true);
  const newPid = await listenerPid();
  expect(newPid).not.toBe(pid);
  // Heard again: the notification is the only way this wait can end (the checkpoint stays at 25).
  const waiting = events.waitForIndexed(CHANNEL, 29n, 10_000);
  await sleep(100);
  await sql.query('SELECT pg_notify($1, $2)', ['ledger_indexed', JSON.stringify({ channel: CHANNEL, height: '30' })]);
  await expect(waiting).resolves.toBe(true);
  expect((await take(feed, 1))[0]).toEqual({ channel: CHANNEL, from: 25n, height: 30n });
  await feed.return?.();
  await submissions.return?.();
});
