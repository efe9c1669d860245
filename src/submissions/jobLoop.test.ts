import { setTimeout as sleep } from 'node:timers/promises';

import { startJobLoop, type FetchedJob, type JobLoop, type JobStore } from './jobLoop';
import type { SubmissionJob } from './queue';

/**
 * The job loop against a fake queue whose writes fail the way pg-boss's do while PostgreSQL is
 * down (`connect ECONNREFUSED`): the end of a job is recorded once the queue answers again, and
 * nothing ever rejects unhandled (which is what crashed the submitter under pg-boss's own loop).
 */
const unreachable = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

interface FakeQueue extends JobStore {
  readonly completed: string[];
  readonly failed: { id: string; reason: string }[];
  /** Writes (complete / fail) refused before the next one succeeds. */
  down: number;
  /** Fetches that throw before the next one answers. */
  fetchDown: number;
  add(submissionId: string): void;
}

function fakeQueue(): FakeQueue {
  const waiting: FetchedJob[] = [];
  let n = 0;
  const queue: FakeQueue = {
    completed: [],
    failed: [],
    down: 0,
    fetchDown: 0,
    add(submissionId) {
      waiting.push({ id: `job-${++n}`, job: { submissionId, retryCount: 0, retryLimit: 3 } });
    },
    fetch() {
      if (queue.fetchDown > 0) {
        queue.fetchDown--;
        return Promise.reject(unreachable());
      }
      return Promise.resolve(waiting.shift());
    },
    complete(id) {
      if (queue.down > 0) {
        queue.down--;
        return Promise.reject(unreachable());
      }
      queue.completed.push(id);
      return Promise.resolve();
    },
    fail(id, reason) {
      if (queue.down > 0) {
        queue.down--;
        return Promise.reject(unreachable());
      }
      queue.failed.push({ id, reason });
      return Promise.resolve();
    },
  };
  return queue;
}

/** Polls `check` until it holds (bounded; the failure message names what never happened). */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (check()) return;
    await sleep(2);
  }
  throw new Error(`never happened: ${what}`);
}

const fast = { pollMs: 2, recordRetry: { firstMs: 1, maxMs: 4 } };

describe('the submitter job loop', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  let loop: JobLoop | undefined;

  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });

  afterEach(async () => {
    await loop?.stop(1000);
    loop = undefined;
    process.off('unhandledRejection', onUnhandled);
  });

  it('records a finished job once the queue answers again, without running it twice', async () => {
    const queue = fakeQueue();
    const ran: SubmissionJob[] = [];
    queue.add('s1');
    queue.down = 5;
    loop = startJobLoop({ store: queue, concurrency: 1, ...fast, handler: (job) => Promise.resolve(void ran.push(job)) });
    await until('the job is completed', () => queue.completed.length === 1);
    expect(queue.completed).toEqual(['job-1']);
    expect(queue.failed).toEqual([]);
    expect(ran.map((j) => j.submissionId)).toEqual(['s1']);
    expect(queue.down).toBe(0);
    expect(unhandled).toEqual([]);
  });

  it('records a job whose handler threw as failed (to be retried), with the reason, once the queue answers', async () => {
    const queue = fakeQueue();
    queue.add('s1');
    queue.down = 3;
    loop = startJobLoop({ store: queue, concurrency: 1, ...fast, handler: () => Promise.reject(new Error('ledger busy')) });
    await until('the job is failed', () => queue.failed.length === 1);
    expect(queue.failed).toEqual([{ id: 'job-1', reason: 'ledger busy' }]);
    expect(queue.completed).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('keeps fetching after fetches fail, and works every job once', async () => {
    const queue = fakeQueue();
    queue.fetchDown = 4;
    for (const id of ['s1', 's2', 's3', 's4', 's5']) queue.add(id);
    const ran: string[] = [];
    loop = startJobLoop({ store: queue, concurrency: 2, ...fast, handler: (job) => Promise.resolve(void ran.push(job.submissionId)) });
    await until('every job is completed', () => queue.completed.length === 5);
    expect([...ran].sort()).toEqual(['s1', 's2', 's3', 's4', 's5']);
    expect([...queue.completed].sort()).toEqual(['job-1', 'job-2', 'job-3', 'job-4', 'job-5']);
    expect(unhandled).toEqual([]);
  });

  it('never has more jobs in hand than its concurrency', async () => {
    const queue = fakeQueue();
    for (let i = 0; i < 9; i++) queue.add(`s${i}`);
    let inHand = 0;
    let most = 0;
    loop = startJobLoop({
      store: queue,
      concurrency: 3,
      ...fast,
      handler: async () => {
        most = Math.max(most, ++inHand);
        await sleep(3);
        inHand--;
      },
    });
    await until('every job is completed', () => queue.completed.length === 9);
    expect(most).toBe(3);
  });

  it('on stop, gives up a job whose end cannot be recorded (left to expire and be retried), and takes no new job', async () => {
    const queue = fakeQueue();
    queue.add('s1');
    queue.down = Number.MAX_SAFE_INTEGER;
    const ran: string[] = [];
    const running = startJobLoop({ store: queue, concurrency: 1, ...fast, handler: (job) => Promise.resolve(void ran.push(job.submissionId)) });
    await until('the job has run', () => ran.length === 1);
    queue.add('s2');
    await running.stop(20);
    await sleep(20);
    expect(ran).toEqual(['s1']);
    expect(queue.completed).toEqual([]);
    expect(queue.failed).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('on stop, waits for the job in hand to end and be recorded', async () => {
    const queue = fakeQueue();
    queue.add('s1');
    let release: () => void = () => undefined;
    let started = false;
    const running = startJobLoop({
      store: queue,
      concurrency: 1,
      ...fast,
      handler: () =>
        new Promise<void>((resolve) => {
          started = true;
          release = resolve;
        }),
    });
    await until('the job has started', () => started);
    const stopped = running.stop(5000);
    release();
    await stopped;
    expect(queue.completed).toEqual(['job-1']);
  });
});
