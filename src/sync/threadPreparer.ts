import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { isEncodedBlock, type SourceBlock } from '../ledger/blockDecoder';
import type { PreparedBatch } from './checkpoint';
import { SyncThreadError } from './errors';
import type { BatchPreparer } from './preparer';
import type { ProjectorModule } from './projectorModules';
import { fromThreadError, ownedBuffers, type PrepareReply, type PrepareRequest, type ThreadInit } from './threadProtocol';

/**
 * Prepares batches on a worker thread of their own (prepareThread.ts), so that the thread that
 * reads blocks from the peer (signing a qscc proposal per block) is not also the one decoding
 * them and building rows. Blocks pulled from the peer go over as their bytes, moved rather than
 * copied; the prepared batch comes back as plain data with its COPY payloads moved likewise.
 *
 * An error preparing a batch rejects that batch with the error it would have had on this thread
 * (a SyncIntegrityError stays one). A thread that dies (uncaught exception, out of memory, exit)
 * rejects everything pending and `failed` with a SyncThreadError, which stops the worker.
 */
export interface ThreadPreparerOptions {
  readonly channel: string;
  readonly projectors: readonly ProjectorModule[];
  /** For tests: the thread's script (default: prepareThread next to this file). */
  readonly script?: string;
}

/**
 * The thread's entry. Running from TypeScript sources (tsx, ts-jest), a new thread has none of
 * the parent's loaders, so it registers tsx's CommonJS hooks before loading the script; built
 * JavaScript is loaded as it is.
 */
function startThread(script: string, init: ThreadInit): Worker {
  const options = { workerData: init, resourceLimits: { maxOldGenerationSizeMb: THREAD_OLD_GENERATION_MB } };
  if (!script.endsWith('.ts')) return new Worker(script, options);
  const bootstrap = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(script)});`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/**
 * The thread's old generation. Without a bound V8 sizes each isolate's heap from the machine's
 * memory and collects lazily, and with two isolates (this thread's and the main one) the worker's
 * RSS doubled during a catch-up. A batch needs far less (SYNC_MAX_BATCH_BLOCKS blocks decoded,
 * their rows and COPY text); a batch that does not fit ends the thread (out of memory), which
 * stops the worker loudly with SYNC_THREAD_FAILED: lower SYNC_MAX_BATCH_BLOCKS then.
 */
const THREAD_OLD_GENERATION_MB = 256;

function defaultScript(): string {
  return path.join(__dirname, `prepareThread${path.extname(__filename)}`);
}

/** A copy of the bytes in a buffer of their own, so it can be moved to the thread. */
function movable(block: SourceBlock): SourceBlock {
  return isEncodedBlock(block) ? { ...block, bytes: new Uint8Array(block.bytes) } : block;
}

interface Pending {
  resolve(batch: PreparedBatch): void;
  reject(error: Error): void;
}

export function createThreadPreparer(options: ThreadPreparerOptions): BatchPreparer {
  const { channel } = options;
  const worker = startThread(options.script ?? defaultScript(), { channel, projectors: options.projectors });
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let dead: SyncThreadError | undefined;
  let closing = false;
  let markFailed: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    markFailed = reject;
  });
  // Nobody may be listening at the moment it fails; the worker races `failed` while it waits.
  failed.catch(() => undefined);

  const die = (error: SyncThreadError): void => {
    if (dead || closing) return;
    dead = error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
    markFailed(error);
  };
  worker.on('message', (reply: PrepareReply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if ('error' in reply) p.reject(fromThreadError(reply.error));
    else p.resolve(reply.batch);
  });
  worker.on('error', (error) => {
    die(new SyncThreadError(channel, `the preparer thread failed: ${error.message}`, { cause: error }));
  });
  worker.on('exit', (code) => {
    die(new SyncThreadError(channel, `the preparer thread exited (code ${code})`));
  });

  return {
    decodes: true,
    failed,
    prepare(from, blocks) {
      if (dead) return Promise.reject(dead);
      if (closing) return Promise.reject(new Error('the preparer is closed'));
      const id = nextId++;
      const request: PrepareRequest = { id, from, blocks: blocks.map(movable) };
      return new Promise<PreparedBatch>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage(request, ownedBuffers(request.blocks.flatMap((b) => (isEncodedBlock(b) ? [b.bytes] : []))));
      });
    },
    async close() {
      closing = true;
      for (const p of pending.values()) p.reject(new Error('the preparer is closed'));
      pending.clear();
      await worker.terminate();
    },
  };
}
