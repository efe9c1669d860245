import { parentPort, workerData } from 'node:worker_threads';

import { pullNearHead } from './catchUpPull';
import { createFabricConnection } from './fabricConnection';
import { createQsccReader } from './qsccReader';
import { threadEnd, type CatchUpThreadInit } from './threadedPull';

/**
 * The catch-up reader thread (see threadedPull.ts): connects as the worker's identity, pulls and
 * decodes blocks from `from` until near the head, and posts them in order, never more than
 * `unacknowledged` ahead of what the other side has taken. Anything that goes wrong is posted as
 * `failed`; the other side then stops the thread and the worker resumes from its checkpoint.
 */
if (!parentPort) throw new Error('catchUpThread runs as a worker thread only');
const { settings, channel, from, unacknowledged } = workerData as CatchUpThreadInit;
const end = threadEnd(parentPort, unacknowledged);

async function run(): Promise<void> {
  const connection = createFabricConnection(settings);
  const gateway = await connection.connect();
  try {
    const reader = createQsccReader(await gateway.getNetwork(channel), channel, connection);
    // Nothing here aborts: the other side stops the thread itself.
    const next = await pullNearHead(reader, from, end.deliver, new AbortController().signal);
    if (next !== undefined) end.caughtUp(next);
  } finally {
    gateway.disconnect();
  }
}

run().catch(end.failed);
