import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { Pool } from 'pg';

import { AppError, isAppError } from '../../src/common';
import type { SubmissionsConfig } from '../../src/config';
import type { LedgerClient, LedgerIdentity, LedgerRequest, SubmitResult } from '../../src/ledger';
import {
  createSubmissionExecutor,
  createSubmissionQueue,
  createSubmissionService,
  createSubmitter,
  RetryLater,
  type SubmissionQueue,
  type SubmissionService,
} from '../../src/submissions';
import { createIsolatedDatabase, type IsolatedDatabase } from './isolatedDatabase';

/**
 * Submissions on a real PostgreSQL with the real pg-boss queue; the ledger is a stand-in that
 * counts what it is asked to write (the real network is in test/fabric/submissions.test.ts).
 */
jest.setTimeout(120_000);

const identity: LedgerIdentity = { key: 'Org1MSP/alice', mspId: 'Org1MSP', certificate: 'cert', privateKey: 'key' };
const alice = { userId: 'user-alice', identityLabel: 'Org1MSP/alice' };
const bob = { userId: 'user-bob', identityLabel: 'Org1MSP/bob' };
const create = (id: string): LedgerRequest => ({ channel: 'mychannel', chaincode: 'sample', contract: 'assets', fn: 'CreateAsset', args: [id, 'car', '{}'] });

function varint(n: number): number[] {
  const bytes: number[] = [];
  let v = n;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return bytes;
}

/** What qscc GetTransactionByID returns: a ProcessedTransaction (validationCode = field 2, 0 left out). */
const processedTransaction = (code: number): Buffer => Buffer.from(code === 0 ? [] : [0x10, ...varint(code)]);
/** What qscc GetBlockByTxID returns: a Block with only its header's number. */
const blockNumbered = (n: number): Buffer => {
  const header = [0x08, ...varint(n)];
  return Buffer.from([0x0a, header.length, ...header]);
};

interface FakeLedger extends LedgerClient {
  readonly sent: LedgerRequest[];
  /** Transactions "on the ledger": id → validation code. */
  readonly onLedger: Map<string, number>;
  /** When set, every evaluation fails as if no peer could be reached. */
  unreachable: boolean;
}

function fakeLedger(options: { delayMs?: number; refuse?: (r: LedgerRequest) => AppError | undefined } = {}): FakeLedger {
  const sent: LedgerRequest[] = [];
  const onLedger = new Map<string, number>();
  const ledger: FakeLedger = {
    sent,
    onLedger,
    unreachable: false,
    async submit(_identity, request, submitOptions): Promise<SubmitResult> {
      const transactionId = randomUUID().replace(/-/g, '');
      await submitOptions?.onTransactionId?.(transactionId);
      sent.push(request);
      await sleep(options.delayMs ?? 50);
      const refusal = options.refuse?.(request);
      if (refusal) throw refusal;
      onLedger.set(transactionId, 0);
      return {
        transactionId,
        blockNumber: 7n,
        validationCode: 'VALID',
        payload: Buffer.from(`{"id":"${request.args[0] ?? ''}"}`),
        timings: { endorseMs: 1, orderMs: 1, commitMs: 1, totalMs: 3 },
        attempts: 1,
        retried: [],
      };
    },
    evaluate(_identity, request) {
      if (ledger.unreachable) {
        return Promise.reject(new AppError('LEDGER_UNAVAILABLE', 'no peer could endorse the transaction', { phase: 'evaluate', mayCommit: false, peers: [{ peer: 'peer0', status: 'grpc', message: 'failed to connect' }] }));
      }
      const txId = request.args[1] ?? '';
      const code = onLedger.get(txId);
      if (request.chaincode === 'qscc' && request.fn === 'GetTransactionByID') {
        if (code !== undefined) return Promise.resolve(processedTransaction(code));
        const message = `Failed to get transaction with id ${txId}, error no such transaction ID [${txId}] in index`;
        return Promise.reject(new AppError('ENDORSEMENT_FAILED', 'the transaction was not endorsed', { phase: 'evaluate', mayCommit: false, peers: [{ peer: 'peer0', status: 500, message }] }));
      }
      if (request.chaincode === 'qscc' && request.fn === 'GetBlockByTxID' && code !== undefined) return Promise.resolve(blockNumbered(9));
      return Promise.reject(new Error(`unexpected evaluate ${request.fn}`));
    },
    close: () => Promise.resolve(),
  };
  return ledger;
}

const settings = (over: Partial<SubmissionsConfig> = {}): SubmissionsConfig => ({
  queueBound: 5,
  concurrency: 3,
  jobExpireSeconds: 30,
  retryLimit: 5,
  retryDelaySeconds: 1,
  maintenanceSeconds: 5,
  pollingSeconds: 1,
  inflightGraceMs: 2000,
  duplicateWaitMs: 20_000,
  ...over,
});

async function settle<T>(promises: Promise<T>[]): Promise<{ ok: T[]; errors: unknown[] }> {
  const results = await Promise.allSettled(promises);
  return {
    ok: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    errors: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])),
  };
}

describe('submissions on PostgreSQL', () => {
  let db: IsolatedDatabase;
  let pool: Pool;
  let queue: SubmissionQueue;

  beforeAll(async () => {
    db = await createIsolatedDatabase('submissions');
    pool = new Pool({ connectionString: db.url, max: 20 });
    // An idle connection closed by the server must not crash the test process.
    pool.on('error', () => undefined);
    queue = await createSubmissionQueue({ databaseUrl: db.url, config: settings(), supervise: false });
  });

  afterAll(async () => {
    await queue.stop();
    await pool.end();
    await db.drop();
  });

  beforeEach(async () => {
    await pool.query('DELETE FROM submissions');
    await pool.query("DELETE FROM pgboss.job WHERE name = 'ledger-submissions'");
  });

  const service = (ledger: LedgerClient, over: Partial<SubmissionsConfig> = {}): SubmissionService => {
    const config = settings(over);
    const executor = createSubmissionExecutor({ pool, ledger, loadIdentity: () => Promise.resolve(identity), inflightGraceMs: config.inflightGraceMs });
    return createSubmissionService({ pool, queue, executor, config });
  };

  const count = async (sql: string, values: unknown[] = []): Promise<number> => (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, values)).rows[0]?.n ?? -1;

  test('the same idempotency key sent ten times at once: one record, one ledger write, one outcome for all', async () => {
    const ledger = fakeLedger({ delayMs: 300 });
    const s = service(ledger);
    const results = await Promise.all(Array.from({ length: 10 }, () => s.submit(alice, create('car-1'), { idempotencyKey: 'k-1', mode: 'SYNC' })));
    expect(ledger.sent).toHaveLength(1);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    for (const r of results) {
      expect(r.status).toBe('COMMITTED');
      expect(r.txId).toBe(results[0]?.txId);
    }
    expect(await count('submissions')).toBe(1);
    // Later repeats return the first outcome without writing.
    const again = await s.submit(alice, create('car-1'), { idempotencyKey: 'k-1', mode: 'SYNC' });
    expect(again).toMatchObject({ id: results[0]?.id, status: 'COMMITTED', txId: results[0]?.txId, result: '{"id":"car-1"}' });
    expect(ledger.sent).toHaveLength(1);
    // The key is per user: Bob's k-1 is another submission.
    const bobs = await s.submit(bob, create('car-1'), { idempotencyKey: 'k-1', mode: 'SYNC' });
    expect(bobs.id).not.toBe(results[0]?.id);
    expect(ledger.sent).toHaveLength(2);
  });

  test('the same key with other arguments is CONFLICT and writes nothing, in either mode', async () => {
    const ledger = fakeLedger();
    const s = service(ledger);
    const first = await s.submit(alice, create('car-2'), { idempotencyKey: 'k-2', mode: 'SYNC' });
    await expect(s.submit(alice, create('car-3'), { idempotencyKey: 'k-2', mode: 'SYNC' })).rejects.toMatchObject({ code: 'CONFLICT', details: { submissionId: first.id } });
    await expect(s.submit(alice, create('car-3'), { idempotencyKey: 'k-2', mode: 'ASYNC' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(s.submit(alice, { ...create('car-2'), fn: 'DeleteAsset' }, { idempotencyKey: 'k-2', mode: 'SYNC' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(ledger.sent).toHaveLength(1);
    expect(await count('submissions')).toBe(1);
    expect(await count("pgboss.job WHERE name = 'ledger-submissions'")).toBe(0);
  });

  test('concurrent asynchronous requests with one key: one record and one job', async () => {
    const s = service(fakeLedger());
    const results = await Promise.all(Array.from({ length: 8 }, () => s.submit(alice, create('car-4'), { idempotencyKey: 'k-4', mode: 'ASYNC' })));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results[0]?.status).toBe('QUEUED');
    expect(await count('submissions')).toBe(1);
    expect(await count("pgboss.job WHERE name = 'ledger-submissions'")).toBe(1);
  });

  test('above the bound, asynchronous submissions are OVERLOADED and nothing is recorded; the accepted ones all commit once', async () => {
    const ledger = fakeLedger({ delayMs: 20 });
    const s = service(ledger, { queueBound: 5 });
    const { ok, errors } = await settle(Array.from({ length: 12 }, (_, i) => s.submit(alice, create(`burst-${i}`), { mode: 'ASYNC' })));
    expect(ok).toHaveLength(5);
    expect(errors).toHaveLength(7);
    for (const e of errors) expect(isAppError(e, 'OVERLOADED')).toBe(true);
    expect(await count('submissions')).toBe(5);
    expect(await count("pgboss.job WHERE name = 'ledger-submissions'")).toBe(5);
    // A repeat of an accepted key is answered even when the queue is full.
    const keyed = await service(ledger, { queueBound: 6 }).submit(alice, create('burst-keyed'), { idempotencyKey: 'k-5', mode: 'ASYNC' });
    await expect(s.submit(alice, create('burst-keyed'), { idempotencyKey: 'k-5', mode: 'ASYNC' })).resolves.toMatchObject({ id: keyed.id });

    const executor = createSubmissionExecutor({ pool, ledger, loadIdentity: () => Promise.resolve(identity), inflightGraceMs: 2000 });
    const workQueue = await createSubmissionQueue({ databaseUrl: db.url, config: settings(), supervise: true });
    const submitter = createSubmitter({ queue: workQueue, executor, concurrency: 3 });
    await submitter.start();
    try {
      const deadline = Date.now() + 30_000;
      while ((await count("submissions WHERE status <> 'COMMITTED'")) > 0 && Date.now() < deadline) await sleep(200);
    } finally {
      await submitter.stop();
    }
    expect(await count("submissions WHERE status = 'COMMITTED' AND attempts = 1")).toBe(6);
    expect(ledger.sent.map((r) => r.args[0]).sort()).toEqual([...ok.map((r) => r.request.args[0]), 'burst-keyed'].sort());
    // Room again once the queue drained.
    await expect(s.submit(alice, create('after'), { mode: 'ASYNC' })).resolves.toMatchObject({ status: 'QUEUED' });
  });

  test('a chaincode refusal is FAILED with its code; bad input is BAD_USER_INPUT; an unknown id is NOT_FOUND', async () => {
    const ledger = fakeLedger({ refuse: () => new AppError('ASSET_EXISTS', 'ASSET_EXISTS: car-6', { mayCommit: false, phase: 'endorse' }) });
    const s = service(ledger);
    const failed = await s.submit(alice, create('car-6'), { idempotencyKey: 'k-6', mode: 'SYNC' });
    expect(failed).toMatchObject({ status: 'FAILED', errorCode: 'ASSET_EXISTS', txId: null, attempts: 1 });
    await expect(s.submit(alice, create('car-6'), { idempotencyKey: 'k-6', mode: 'SYNC' })).resolves.toMatchObject({ id: failed.id, status: 'FAILED' });
    expect(ledger.sent).toHaveLength(1);
    await expect(s.submit(alice, { ...create('x'), args: [1 as unknown as string] }, { mode: 'SYNC' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(s.submit(alice, create('x'), { idempotencyKey: '', mode: 'SYNC' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(s.get(randomUUID())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(s.get('not-a-uuid')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(s.get(failed.id)).resolves.toMatchObject({ id: failed.id, request: create('car-6') });
  });

  /** What a submitter killed mid-attempt leaves behind: SUBMITTED, with the ids it recorded before sending. */
  const interrupted = async (id: string, txIds: { txId: string; ageMs: number; notSent?: boolean }[]): Promise<void> => {
    await pool.query("UPDATE submissions SET status = 'SUBMITTED', attempts = 1, attempt_started_at = now() WHERE id = $1", [id]);
    for (const t of txIds) {
      await pool.query(
        'INSERT INTO submission_tx_ids (tx_id, submission_id, recorded_at, not_sent) VALUES ($1, $2, now() - make_interval(secs => $3::double precision / 1000), $4)',
        [t.txId, id, t.ageMs, t.notSent ?? false],
      );
    }
  };

  test('every attempt records its transaction id before sending', async () => {
    const ledger = fakeLedger();
    const done = await service(ledger).submit(alice, create('car-ids'), { mode: 'SYNC' });
    const ids = await pool.query<{ tx_id: string }>('SELECT tx_id FROM submission_tx_ids WHERE submission_id = $1', [done.id]);
    expect(ids.rows.map((r) => r.tx_id)).toEqual([done.txId]);
  });

  test('an interrupted attempt whose recorded id is VALID on the ledger is recorded COMMITTED, not resent', async () => {
    const ledger = fakeLedger();
    const executor = createSubmissionExecutor({ pool, ledger, loadIdentity: () => Promise.resolve(identity), inflightGraceMs: 60_000 });
    const queued = await service(ledger).submit(alice, create('car-landed'), { mode: 'ASYNC' });
    ledger.onLedger.set('tx-conflicted', 11);
    ledger.onLedger.set('tx-landed', 0);
    await interrupted(queued.id, [{ txId: 'tx-conflicted', ageMs: 200 }, { txId: 'tx-landed', ageMs: 100 }]);
    await expect(executor.execute(queued.id, { final: false })).resolves.toMatchObject({ status: 'COMMITTED', tx_id: 'tx-landed', block_number: '9', validation_code: 'VALID' });
    expect(ledger.sent).toHaveLength(0);
  });

  test('an interrupted attempt not on the ledger is resent after the grace period, at once if its ids cannot commit', async () => {
    const ledger = fakeLedger();
    const executor = createSubmissionExecutor({ pool, ledger, loadIdentity: () => Promise.resolve(identity), inflightGraceMs: 1500 });
    const s = service(ledger);
    const queued = await s.submit(alice, create('car-7'), { mode: 'ASYNC' });
    await interrupted(queued.id, [{ txId: 'tx-lost', ageMs: 0 }]);
    await expect(executor.execute(queued.id, { final: false })).rejects.toBeInstanceOf(RetryLater);
    expect(ledger.sent).toHaveLength(0);
    await sleep(1600);
    await expect(executor.execute(queued.id, { final: false })).resolves.toMatchObject({ status: 'COMMITTED', attempts: 2 });
    expect(ledger.sent).toHaveLength(1);

    // Ids found invalid, or reported by the ledger client as unable to commit: no wait.
    const other = await s.submit(alice, create('car-7b'), { mode: 'ASYNC' });
    ledger.onLedger.set('tx-mvcc', 11);
    await interrupted(other.id, [{ txId: 'tx-mvcc', ageMs: 0 }, { txId: 'tx-refused', ageMs: 0, notSent: true }]);
    await expect(executor.execute(other.id, { final: false })).resolves.toMatchObject({ status: 'COMMITTED', attempts: 2 });
    expect(ledger.sent).toHaveLength(2);
  });

  test('a peer that does not answer the lookup is never taken as "not found"', async () => {
    const ledger = fakeLedger();
    const executor = createSubmissionExecutor({ pool, ledger, loadIdentity: () => Promise.resolve(identity), inflightGraceMs: 0 });
    const queued = await service(ledger).submit(alice, create('car-dark'), { mode: 'ASYNC' });
    await interrupted(queued.id, [{ txId: 'tx-old', ageMs: 60_000 }]);
    ledger.unreachable = true;
    await expect(executor.execute(queued.id, { final: false })).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    await expect(executor.settleAbandoned(queued.id)).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    expect(ledger.sent).toHaveLength(0);
    ledger.unreachable = false;
    await expect(executor.execute(queued.id, { final: false })).resolves.toMatchObject({ status: 'COMMITTED', attempts: 2 });
  });

  test('a submission held by one executor is refused to a second one (advisory lock)', async () => {
    const ledger = fakeLedger({ delayMs: 500 });
    const executor = createSubmissionExecutor({ pool, ledger, loadIdentity: () => Promise.resolve(identity), inflightGraceMs: 0 });
    const queued = await service(ledger).submit(alice, create('car-8'), { mode: 'ASYNC' });
    const first = executor.execute(queued.id, { final: false });
    await sleep(100);
    await expect(executor.execute(queued.id, { final: false })).rejects.toBeInstanceOf(RetryLater);
    await expect(first).resolves.toMatchObject({ status: 'COMMITTED' });
    expect(ledger.sent).toHaveLength(1);
  });
  test('synchronous submissions abandoned by a dead gateway are settled by the sweep, never resent', async () => {
    const ledger = fakeLedger();
    const executor = createSubmissionExecutor({ pool, ledger, loadIdentity: () => Promise.resolve(identity), inflightGraceMs: 1000 });
    const insert = async (id: string, status: string, txId: string | null, ageMs: number): Promise<string> => {
      const row = await pool.query<{ id: string }>(
        `INSERT INTO submissions (id, user_id, identity_label, channel, chaincode, contract, function, arguments, request_hash, mode, status,
           attempts, attempt_started_at, updated_at)
         VALUES (gen_random_uuid(), 'user-alice', 'Org1MSP/alice', 'mychannel', 'sample', 'assets', 'CreateAsset', $1::jsonb, 'h', 'SYNC', $2,
           $3, CASE WHEN $3 = 0 THEN NULL ELSE now() - make_interval(secs => $4::double precision / 1000) END,
           now() - make_interval(secs => $4::double precision / 1000))
         RETURNING id`,
        [JSON.stringify([id, 'car', '{}']), status, txId === null ? 0 : 1, ageMs],
      );
      const submissionId = row.rows[0]?.id ?? '';
      if (txId !== null) {
        await pool.query('INSERT INTO submission_tx_ids (tx_id, submission_id, recorded_at) VALUES ($1, $2, now() - make_interval(secs => $3::double precision / 1000))', [txId, submissionId, ageMs]);
      }
      return submissionId;
    };
    const neverSent = await insert('sync-1', 'QUEUED', null, 5000);
    const lost = await insert('sync-2', 'SUBMITTED', 'tx-sync-2', 5000);
    const recent = await insert('sync-3', 'SUBMITTED', 'tx-sync-3', 0);
    const landed = await insert('sync-4', 'SUBMITTED', 'tx-sync-4', 5000);
    ledger.onLedger.set('tx-sync-4', 0);
    await expect(executor.settleAbandoned(recent)).rejects.toBeInstanceOf(RetryLater);
    await expect(executor.settleAbandoned(landed)).resolves.toMatchObject({ status: 'COMMITTED', tx_id: 'tx-sync-4' });

    const submitter = createSubmitter({ queue, executor, concurrency: 1, sweep: { pool, sweepMs: 200, abandonedAfterMs: 1000 } });
    // Only the sweep matters here: no job is queued, so the workers stay idle.
    await submitter.start();
    try {
      const deadline = Date.now() + 20_000;
      while ((await count("submissions WHERE mode = 'SYNC' AND status = 'FAILED'")) < 3 && Date.now() < deadline) await sleep(100);
    } finally {
      await submitter.stop();
      // stop() closed the shared queue: open it again for the tests that follow.
      queue = await createSubmissionQueue({ databaseUrl: db.url, config: settings(), supervise: false });
    }
    for (const id of [neverSent, lost, recent]) {
      await expect(service(ledger).get(id)).resolves.toMatchObject({ status: 'FAILED', errorCode: 'TIMEOUT', txId: null });
    }
    expect(ledger.sent).toHaveLength(0);
  });
});
