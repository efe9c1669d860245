import type { Pool } from 'pg';

import { silentLogger, type Logger } from '../common';
import { RetryLater, type SubmissionExecutor } from './executor';
import { LIVE_JOB_SUBMISSIONS, type SubmissionJob, type SubmissionQueue } from './queue';

/**
 * Works the queue: `concurrency` jobs at a time in this process. A job whose handler throws is
 * retried by pg-boss after `SUBMITTER_RETRY_DELAY_SECONDS`; a job whose submitter died stays
 * active until `SUBMITTER_JOB_EXPIRE_SECONDS`, then is retried by whichever submitter runs
 * pg-boss's maintenance. Either way the executor checks the ledger before sending again. The end
 * of a job is recorded even across a PostgreSQL outage (the queue's job loop, `jobLoop.ts`).
 */
export interface SubmitterDeps {
  readonly queue: Pick<SubmissionQueue, 'work' | 'stop'>;
  readonly executor: SubmissionExecutor;
  readonly concurrency: number;
  /** With a pool: every `sweepMs`, settle synchronous submissions left unfinished for `abandonedAfterMs`. */
  readonly sweep?: { readonly pool: Pool; readonly sweepMs: number; readonly abandonedAfterMs: number };
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

  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;

  /**
   * Submissions nothing will finish, settled from the ledger, never resent:
   * - synchronous ones whose gateway stopped mid-way (or lost PostgreSQL mid-way). One with a
   *   recorded transaction id is looked at on every sweep: the executor's lock says no gateway is
   *   at it any more, and `settleAbandoned` itself waits out the grace of an id not found yet, so
   *   its caller's retry gets the outcome as soon as it is known. One without waits
   *   `abandonedAfterMs`: its gateway may not have taken the lock yet.
   * - asynchronous ones left without a live job (its tries used up while nothing could be decided,
   *   e.g. RetryLater while a recorded id might still arrive), unchanged for `abandonedAfterMs`.
   */
  async function sweepAbandoned(sweep: NonNullable<SubmitterDeps['sweep']>): Promise<void> {
    const stale = await sweep.pool.query<{ id: string; mode: string }>(
      `SELECT s.id, s.mode FROM submissions s WHERE s.status IN ('QUEUED', 'SUBMITTED') AND (
           (s.mode = 'SYNC' AND (EXISTS (SELECT 1 FROM submission_tx_ids t WHERE t.submission_id = s.id)
              OR s.updated_at < now() - make_interval(secs => $1::double precision / 1000)))
        OR (s.mode = 'ASYNC' AND s.updated_at < now() - make_interval(secs => $1::double precision / 1000) AND s.id::text NOT IN (${LIVE_JOB_SUBMISSIONS})))
         ORDER BY s.updated_at LIMIT 100`,
      [sweep.abandonedAfterMs],
    );
    for (const { id, mode } of stale.rows) {
      try {
        const row = await deps.executor.settleAbandoned(id);
        log.info({ submission: id, mode, status: row.status, txId: row.tx_id }, 'abandoned submission settled');
      } catch (error) {
        if (!(error instanceof RetryLater)) log.warn({ submission: id, reason: error instanceof Error ? error.message : String(error) }, 'could not settle an abandoned submission');
      }
    }
  }

  return {
    async start() {
      await deps.queue.work(deps.concurrency, handle);
      const sweep = deps.sweep;
      if (sweep) {
        timer = setInterval(() => {
          sweeping ??= sweepAbandoned(sweep)
            .catch((error: unknown) => {
              log.warn({ reason: error instanceof Error ? error.message : String(error) }, 'sweep failed');
            })
            .finally(() => {
              sweeping = undefined;
            });
        }, sweep.sweepMs);
        timer.unref();
      }
      log.info({ concurrency: deps.concurrency }, 'submitter working the queue');
    },
    async stop() {
      if (timer) clearInterval(timer);
      await sweeping;
      await deps.queue.stop();
    },
  };
}
