import PgBoss from 'pg-boss';

import { silentLogger, type Logger } from '../common';
import type { SubmissionsConfig } from '../config';

/**
 * The durable queue of asynchronous submissions: pg-boss (jobs in PostgreSQL, schema `pgboss`).
 * A job carries only the submission's id; the submission row is the truth. A job is put in the
 * same database transaction as its submission row (pg-boss's `db` option), so a row is never
 * left without its job, nor a job without its row.
 */
export const SUBMISSION_QUEUE = 'ledger-submissions';

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
  return {
    async enqueue(executor, submissionId) {
      const db = { executeSql: (text: string, values?: unknown[]) => executor.query(text, values) };
      await boss.send(SUBMISSION_QUEUE, { submissionId }, { db } as PgBoss.SendOptions);
    },
    async work(concurrency, handler) {
      for (let i = 0; i < concurrency; i++) {
        await boss.work<{ submissionId: string }>(
          SUBMISSION_QUEUE,
          { batchSize: 1, pollingIntervalSeconds: config.pollingSeconds, includeMetadata: true },
          async (jobs) => {
            for (const job of jobs) {
              await handler({ submissionId: job.data.submissionId, retryCount: job.retryCount, retryLimit: job.retryLimit });
            }
          },
        );
      }
    },
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}
