import { silentLogger, type Logger } from '../common';
import { RetryLater, type SubmissionExecutor } from './executor';
import type { SubmissionJob, SubmissionQueue } from './queue';

/**
 * Works the queue: `concurrency` jobs at a time in this process. A job whose handler throws is
 * retried by pg-boss after `SUBMITTER_RETRY_DELAY_SECONDS`; a job whose submitter died stays
 * active until `SUBMITTER_JOB_EXPIRE_SECONDS`, then is retried by whichever submitter runs
 * pg-boss's maintenance. Either way the executor checks the ledger before sending again.
 */
export interface SubmitterDeps {
  readonly queue: Pick<SubmissionQueue, 'work' | 'stop'>;
  readonly executor: SubmissionExecutor;
  readonly concurrency: number;
  readonly log?: Logger;
}

export interface Submitter {
  start(): Promise<void>;
  /** Stops fetching jobs, waits for the ones in hand (bounded), and closes the queue. */
  stop(): Promise<void>;
}

export function createSubmitter(deps: SubmitterDeps): Submitter {
  const log = deps.log ?? silentLogger;

  async function handle(job: SubmissionJob): Promise<void> {
    const final = job.retryCount >= job.retryLimit;
    try {
      const row = await deps.executor.execute(job.submissionId, { final });
      log.info({ submission: row.id, status: row.status, txId: row.tx_id, errorCode: row.error_code }, 'submission done');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const level = error instanceof RetryLater ? 'info' : 'warn';
      log[level]({ submission: job.submissionId, retry: job.retryCount, final, reason }, 'submission left for a retry');
      throw error;
    }
  }

  return {
    async start() {
      await deps.queue.work(deps.concurrency, handle);
      log.info({ concurrency: deps.concurrency }, 'submitter working the queue');
    },
    async stop() {
      await deps.queue.stop();
    },
  };
}
