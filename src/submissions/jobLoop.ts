import { setTimeout as sleep } from 'node:timers/promises';

import { silentLogger, type Logger } from '../common';
import type { SubmissionJob } from './queue';

/**
 * The submitter's own work loop over the queue, instead of pg-boss's `work()`.
 *
 * Why: pg-boss 10.4.2 (the last release for Node 20) ends every job itself after the handler
 * returns, with `complete()` / `fail()` that it neither awaits nor catches (manager.js `onFetch`).
 * A job that ends while PostgreSQL is unreachable (a restart, a failover) then rejects unhandled
 * and Node exits: the submitter crashed and its job stayed SUBMITTED until another submitter took
 * it over. Here the end of a job is recorded by us and retried, with back-off, until PostgreSQL
 * answers again; the process never depends on the database being up to stay alive.
 *
 * Nothing acknowledged can be lost by this: the submission row, not the job, is the truth. A job
 * whose end could not be recorded (the process stopped or died meanwhile) stays active in pg-boss
 * until it expires and is retried, and the executor then finds the submission already settled, or
 * the ledger transaction it recorded before sending, and never sends a second one.
 */

/** A job taken from the queue: the queue's own id (to end it) and what the handler gets. */
export interface FetchedJob {
  readonly id: string;
  readonly job: SubmissionJob;
}

/** The three queue operations the loop needs; pg-boss's in `queue.ts`, a fake in unit tests. */
export interface JobStore {
  /** Takes one job (now active for this process), or undefined when there is none. */
  fetch(): Promise<FetchedJob | undefined>;
  /** The job is done; it is not run again. */
  complete(id: string): Promise<void>;
  /** The job is to be retried after the queue's delay (or given up once its tries are used). */
  fail(id: string, reason: string): Promise<void>;
}

export interface JobLoopOptions {
  readonly store: JobStore;
  /** Runs one job; a rejection leaves the job to be retried. */
  readonly handler: (job: SubmissionJob) => Promise<void>;
  /** Jobs in hand at once (one loop each). */
  readonly concurrency: number;
  /** Pause after a fetch that found nothing (or failed). */
  readonly pollMs: number;
  /** Back-off while the end of a job cannot be recorded: first pause, doubled up to `maxMs`. */
  readonly recordRetry?: { readonly firstMs: number; readonly maxMs: number };
  readonly log?: Logger;
}

export interface JobLoop {
  /**
   * Stops taking jobs and waits up to `timeoutMs` for the jobs in hand to end and for their ends
   * to be recorded. What is not recorded by then is left to expire in the queue and be retried.
   */
  stop(timeoutMs: number): Promise<void>;
}

type Ending = { readonly done: true } | { readonly done: false; readonly reason: string };

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Sleeps `ms`, cut short when `signal` aborts. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}

export function startJobLoop(options: JobLoopOptions): JobLoop {
  const log = options.log ?? silentLogger;
  const retry = options.recordRetry ?? { firstMs: 250, maxMs: 5000 };
  // `stopping`: take no more jobs. `abandon`: the stop's wait is over, stop retrying records too.
  const stopping = new AbortController();
  const abandon = new AbortController();

  async function run(fetched: FetchedJob): Promise<Ending> {
    try {
      await options.handler(fetched.job);
      return { done: true };
    } catch (error) {
      return { done: false, reason: reasonOf(error) };
    }
  }

  /** Records the job's end, retrying until the queue answers (or the stop gives up on it). */
  async function record(fetched: FetchedJob, ending: Ending): Promise<void> {
    let delay = retry.firstMs;
    for (let tries = 1; ; tries++) {
      try {
        if (ending.done) await options.store.complete(fetched.id);
        else await options.store.fail(fetched.id, ending.reason);
        if (tries > 1) log.info({ job: fetched.id, submission: fetched.job.submissionId, tries }, 'end of the job recorded once the queue answered again');
        return;
      } catch (error) {
        if (abandon.signal.aborted) {
          log.warn({ job: fetched.id, submission: fetched.job.submissionId, reason: reasonOf(error) }, 'end of the job not recorded before the stop; it will expire and be retried');
          return;
        }
        // Logged once per job, not per try: a database outage would otherwise flood the log.
        if (tries === 1) log.warn({ job: fetched.id, submission: fetched.job.submissionId, done: ending.done, reason: reasonOf(error) }, 'cannot record the end of the job yet; retrying');
        await pause(delay, abandon.signal);
        delay = Math.min(delay * 2, retry.maxMs);
      }
    }
  }

  async function takeOne(): Promise<FetchedJob | undefined> {
    try {
      return await options.store.fetch();
    } catch (error) {
      log.warn({ reason: reasonOf(error) }, 'cannot fetch from the submission queue');
      return undefined;
    }
  }

  async function slot(): Promise<void> {
    while (!stopping.signal.aborted) {
      const fetched = await takeOne();
      if (fetched === undefined) {
        await pause(options.pollMs, stopping.signal);
        continue;
      }
      await record(fetched, await run(fetched));
    }
  }

  const slots = Promise.all(Array.from({ length: options.concurrency }, () => slot()));

  return {
    async stop(timeoutMs) {
      stopping.abort();
      const timer = setTimeout(() => {
        abandon.abort();
      }, timeoutMs);
      const gaveUp = new Promise<void>((resolve) => {
        abandon.signal.addEventListener('abort', () => {
          resolve();
        });
      });
      // A handler still running when the wait is over is not waited for: its job expires.
      await Promise.race([slots, gaveUp]);
      clearTimeout(timer);
      abandon.abort();
    },
  };
}
