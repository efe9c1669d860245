import PgBoss from 'pg-boss';

import { silentLogger, type Logger } from '../common';
import type { SubmissionsConfig } from '../config';
import { startJobLoop, type JobLoop, type JobStore } from './jobLoop';

/**
 * The durable queue of asynchronous submissions: pg-boss (jobs in PostgreSQL, schema `pgboss`).
 * A job carries only the submission's id; the submission row is the truth. A job is put in the
 * same database transaction as its submission row (pg-boss's `db` option), so a row is never
 * left without its job, nor a job without its row.
 */
export const SUBMISSION_QUEUE = 'ledger-submissions';

/**
 * SQL: the ids (text) of the submissions that still have a job that can run (waiting, due for a
 * retry, or in hand), from pg-boss 10's own table (schema `pgboss`, states ordered created < retry
 * < active < completed). A submission not among them (its tries used up, e.g. all on RetryLater)
 * is worked by nothing any more. Uncorrelated on purpose: `id::text NOT IN (…)` is one hashed scan
 * of the queue's jobs per query, not one per submission.
 */
export const LIVE_JOB_SUBMISSIONS = `SELECT j.data->>'submissionId' FROM pgboss.job j WHERE j.name = '${SUBMISSION_QUEUE}' AND j.state < 'completed'`;

/** Runs one statement on the caller's connection (inside the caller's transaction). */
export interface SqlExecutor {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface SubmissionJob {
  readonly submissionId: string;
  /** Tries before this one (0 on the first). */
  readonly retryCount: number;
  readonly retryLimit: number;
}

export interface SubmissionQueue {
  /** Adds the job for `submissionId` through `executor` (the caller's open transaction). */
  enqueue(executor: SqlExecutor, submissionId: string): Promise<void>;
  /** Starts `concurrency` workers; a handler that throws leaves the job to be retried. */
  work(concurrency: number, handler: (job: SubmissionJob) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export interface SubmissionQueueOptions {
  readonly databaseUrl: string;
  readonly config: SubmissionsConfig;
  /** Run pg-boss maintenance (expiring jobs of dead workers) here: true in submitters. */
  readonly supervise: boolean;
  readonly log?: Logger;
}

export async function createSubmissionQueue(options: SubmissionQueueOptions): Promise<SubmissionQueue> {
  const log = options.log ?? silentLogger;
  const { config } = options;
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    max: 4,
    application_name: 'ledger-submissions',
    supervise: options.supervise,
    schedule: false,
    maintenanceIntervalSeconds: config.maintenanceSeconds,
  });
  boss.on('error', (error: Error) => {
    log.error({ err: error.message }, 'submission queue error');
  });
  await boss.start();
  const queueOptions = {
    name: SUBMISSION_QUEUE,
    retryLimit: config.retryLimit,
    retryDelay: config.retryDelaySeconds,
    retryBackoff: false,
    expireInSeconds: config.jobExpireSeconds,
  };
  const existing = await boss.getQueue(SUBMISSION_QUEUE);
  if (existing) {
    await boss.updateQueue(SUBMISSION_QUEUE, queueOptions);
  } else {
    try {
      await boss.createQueue(SUBMISSION_QUEUE, queueOptions);
    } catch (error) {
      // Another process created it at the same moment.
      if (!(await boss.getQueue(SUBMISSION_QUEUE))) throw error;
    }
  }
  let loop: JobLoop | undefined;
  return {
    async enqueue(executor, submissionId) {
      const db = { executeSql: (text: string, values?: unknown[]) => executor.query(text, values) };
      await boss.send(SUBMISSION_QUEUE, { submissionId }, { db } as PgBoss.SendOptions);
    },
    work(concurrency, handler) {
      // Our own loop, not boss.work(): see jobLoop.ts (pg-boss ends jobs without catching).
      if (loop) return Promise.reject(new Error('the submission queue is already being worked'));
      loop = startJobLoop({ store: pgBossJobs(boss), handler, concurrency, pollMs: config.pollingSeconds * 1000, log });
      return Promise.resolve();
    },
    async stop() {
      await loop?.stop(STOP_WAIT_MS);
      await boss.stop({ graceful: true, wait: true, timeout: STOP_WAIT_MS });
    },
  };
}

/** How long a stop waits for the jobs in hand (and for pg-boss's own stop). */
const STOP_WAIT_MS = 10_000;

/** pg-boss as the job loop's store: one job per fetch, with its tries so far. */
function pgBossJobs(boss: PgBoss): JobStore {
  return {
    async fetch() {
      const [job] = await boss.fetch<{ submissionId: string }>(SUBMISSION_QUEUE, { batchSize: 1, includeMetadata: true });
      return job && { id: job.id, job: { submissionId: job.data.submissionId, retryCount: job.retryCount, retryLimit: job.retryLimit } };
    },
    async complete(id) {
      await boss.complete(SUBMISSION_QUEUE, id);
    },
    async fail(id, reason) {
      await boss.fail(SUBMISSION_QUEUE, id, { message: reason });
    },
  };
}
