import { setTimeout as sleep } from 'node:timers/promises';

import { Pool } from 'pg';

import type { SubmissionsConfig } from '../../src/config';
import type { LedgerClient, LedgerIdentity, TransactionLookup } from '../../src/ledger';
import { createSubmissionExecutor, createSubmissionQueue, createSubmitter, type SubmissionQueue } from '../../src/submissions';
import { createIsolatedDatabase, type IsolatedDatabase } from './isolatedDatabase';

/**
 * The submitter's sweep for ASYNC submissions that nothing works any more (their job ran out of
 * tries while nothing could be decided, e.g. a network partition or a PostgreSQL outage): on a real
 * PostgreSQL with the real pg-boss queue, a stand-in for the ledger lookups. Settled from the
 * ledger without sending anything; one that still has a live job is left to it.
 */
jest.setTimeout(120_000);

const identity: LedgerIdentity = { key: 'Org1MSP/alice', mspId: 'Org1MSP', certificate: 'cert', privateKey: 'key' };

const config: SubmissionsConfig = {
  queueBound: 100,
  concurrency: 1,
  jobExpireSeconds: 30,
  retryLimit: 2,
  retryDelaySeconds: 1,
  maintenanceSeconds: 5,
  pollingSeconds: 1,
  inflightGraceMs: 1000,
  duplicateWaitMs: 1000,
};

/** Sends nothing: the sweep must never send. */
const ledger: LedgerClient = {
  submit: () => Promise.reject(new Error('the sweep must not send')),
  evaluate: () => Promise.reject(new Error('not used: lookups go through the stand-in')),
  close: () => Promise.resolve(),
};

let db: IsolatedDatabase;
let pool: Pool;
let queue: SubmissionQueue;

beforeAll(async () => {
  db = await createIsolatedDatabase('submission_sweep');
  pool = new Pool({ connectionString: db.url, max: 5 });
  pool.on('error', () => undefined);
  queue = await createSubmissionQueue({ databaseUrl: db.url, config, supervise: false });
});

afterAll(async () => {
  await queue.stop();
  await pool.end();
  await db.drop();
});

/** An ASYNC submission last changed `ageMs` ago, with a recorded tx id if given, and a queue job if `withJob`. */
async function asyncSubmission(name: string, txId: string | null, ageMs: number, withJob: boolean): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const row = await client.query<{ id: string }>(
      `INSERT INTO submissions (id, user_id, identity_label, channel, chaincode, contract, function, arguments, request_hash, mode, status, attempts, updated_at)
       VALUES (gen_random_uuid(), 'user-alice', 'Org1MSP/alice', 'mychannel', 'sample', 'assets', 'CreateAsset', $1::jsonb, 'h', 'ASYNC', $2, $3,
         now() - make_interval(secs => $4::double precision / 1000))
       RETURNING id`,
      [JSON.stringify([name, 'car', '{}']), txId === null ? 'QUEUED' : 'SUBMITTED', txId === null ? 0 : 1, ageMs],
    );
    const id = row.rows[0]?.id ?? '';
    if (txId !== null) {
      await client.query('INSERT INTO submission_tx_ids (tx_id, submission_id, recorded_at) VALUES ($1, $2, now() - make_interval(secs => $3::double precision / 1000))', [txId, id, ageMs]);
    }
    if (withJob) await queue.enqueue(client, id);
    await client.query('COMMIT');
    return id;
  } finally {
    client.release();
  }
}

const statusOf = async (id: string): Promise<{ status: string; tx_id: string | null; error_code: string | null }> => {
  const row = (await pool.query<{ status: string; tx_id: string | null; error_code: string | null }>('SELECT status, tx_id, error_code FROM submissions WHERE id = $1', [id])).rows[0];
  if (!row) throw new Error(`no submission ${id}`);
  return row;
};

test('ASYNC submissions left without a live job are settled from the ledger, never resent; one with a job is left to it', async () => {
  const onLedger = new Set(['tx-landed']);
  const lookup = (_identity: LedgerIdentity, _channel: string, txId: string): Promise<TransactionLookup> =>
    Promise.resolve(onLedger.has(txId) ? { found: true, validationCode: 'VALID', isValid: true, blockNumber: 9n } : { found: false });
  const executor = createSubmissionExecutor({ pool, ledger, loadIdentity: () => Promise.resolve(identity), inflightGraceMs: config.inflightGraceMs, lookup });

  const landed = await asyncSubmission('landed', 'tx-landed', 60_000, false);
  const lost = await asyncSubmission('lost', 'tx-lost', 60_000, false);
  const neverSent = await asyncSubmission('never-sent', null, 60_000, false);
  const recent = await asyncSubmission('recent', null, 0, false);
  const queued = await asyncSubmission('queued', null, 60_000, true);

  // No worker (concurrency 0): only the sweep acts, so the job of `queued` stays waiting.
  const submitter = createSubmitter({ queue, executor, concurrency: 0, sweep: { pool, sweepMs: 200, abandonedAfterMs: 30_000 } });
  await submitter.start();
  try {
    for (let i = 0; i < 100 && (await statusOf(neverSent)).status !== 'FAILED'; i++) await sleep(100);
    // Two more rounds: `queued` would have been settled by now if the sweep ignored its live job.
    await sleep(600);
    expect(await statusOf(landed)).toMatchObject({ status: 'COMMITTED', tx_id: 'tx-landed' });
    expect(await statusOf(lost)).toMatchObject({ status: 'FAILED', error_code: 'TIMEOUT', tx_id: null });
    expect(await statusOf(neverSent)).toMatchObject({ status: 'FAILED', error_code: 'TIMEOUT' });
    expect(await statusOf(recent)).toMatchObject({ status: 'QUEUED' });
    expect(await statusOf(queued)).toMatchObject({ status: 'QUEUED' });
  } finally {
    // Stops the sweep and closes the queue.
    await submitter.stop();
    queue = await createSubmissionQueue({ databaseUrl: db.url, config, supervise: false });
  }
});
