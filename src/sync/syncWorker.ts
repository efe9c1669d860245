import { setTimeout as sleep } from 'node:timers/promises';

import type { Client } from 'pg';

import type { Logger } from '../common/logger';
import type { BlockSource, BlockSubscription, SourceBlock } from '../ledger';
import { ensureCheckpoint, recordError, writeBatch, type Checkpoint, type PreparedBatch } from './checkpoint';
import { isFatalSyncError, SyncIntegrityError } from './errors';
import { createInlinePreparer, type BatchPreparer } from './preparer';
import { loadProjectors, type ProjectorModule } from './projectorModules';
import { createThreadPreparer } from './threadPreparer';

/**
 * One channel's sync loop: become the single active writer (a PostgreSQL advisory lock held by
 * this worker's own session), subscribe to blocks from the checkpoint, and commit them in
 * batches. Losing the connection loses the lock with it, so a writer that cannot write is never
 * also the one that holds the lock. Standbys poll for the lock and take over within
 * `lockPollMs` of the active worker dying.
 */
export interface SyncWorkerDeps {
  readonly channel: string;
  /** A new, dedicated PostgreSQL session (not a pooled one: the lock lives in the session). */
  readonly connect: () => Promise<Client>;
  readonly source: BlockSource;
  /** Named by module, so that the preparer thread can load them (see projectorModules.ts). */
  readonly projectors: readonly ProjectorModule[];
  /**
   * Where batches are prepared: on a thread of their own (the default: the thread reading blocks
   * from the peer then does nothing else; blocks pulled while catching up are decoded there too),
   * or on this one (`main`: one thread less, for tools and comparisons).
   */
  readonly prepareIn?: 'thread' | 'main';
  readonly log: Logger;
  /** Most blocks in one transaction while catching up. */
  readonly maxBatchBlocks?: number;
  readonly lockPollMs?: number;
  readonly retryDelayMs?: number;
  /** Operations hooks (metrics): the lock taken (true) or given up (false), each batch written, an integrity stop. */
  readonly onLock?: (held: boolean) => void;
  readonly onBatch?: (batch: { readonly blocks: number; readonly ms: number; readonly nextBlock: bigint }) => void;
  readonly onIntegrityStop?: (code: string) => void;
}

export type SyncPhase = 'waiting-for-lock' | 'syncing' | 'stopped' | 'failed';

export interface SyncStatus {
  readonly channel: string;
  readonly phase: SyncPhase;
  readonly nextBlock: bigint | undefined;
  readonly lastError: string | undefined;
  readonly batches: number;
}

export interface SyncWorker {
  /** Runs until the signal aborts (resolves), or an integrity error or a dead preparer thread stops it (rejects). */
  run(signal: AbortSignal): Promise<void>;
  status(): SyncStatus;
}

export function lockKey(channel: string): string {
  return `ledger-gateway:sync:${channel}`;
}

export function createSyncWorker(deps: SyncWorkerDeps): SyncWorker {
  const { channel, log } = deps;
  const maxBatch = deps.maxBatchBlocks ?? 200;
  const lockPollMs = deps.lockPollMs ?? 2000;
  let phase: SyncPhase = 'stopped';
  let checkpoint: Checkpoint | undefined;
  let lastError: string | undefined;
  let batches = 0;

  const acquireLock = async (client: Client, signal: AbortSignal): Promise<boolean> => {
    phase = 'waiting-for-lock';
    let announced = false;
    while (!signal.aborted) {
      const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [lockKey(channel)]);
      if (result.rows[0]?.locked) {
        deps.onLock?.(true);
        return true;
      }
      if (!announced) log.info({ channel }, 'another worker holds the sync lock; standing by');
      announced = true;
      await sleep(lockPollMs, undefined, { signal }).catch(() => undefined);
    }
    return false;
  };

  const startPreparer = (): BatchPreparer =>
    deps.prepareIn === 'main'
      ? createInlinePreparer(channel, loadProjectors(deps.projectors))
      : createThreadPreparer({ channel, projectors: deps.projectors });

  /** Encoded blocks (decoded by the preparer) when both sides can; decoded ones otherwise. */
  const subscribe = (preparer: BatchPreparer, from: bigint): Promise<BlockSubscription<SourceBlock>> =>
    preparer.decodes && deps.source.subscribeEncoded ? deps.source.subscribeEncoded(channel, from) : deps.source.subscribe(channel, from);

  /**
   * Three stages: this thread reads blocks from the peer; the preparer (a thread of its own by
   * default) prepares batch N+1 (decoding, hash chain, rows, COPY payloads) while PostgreSQL writes
   * batch N (one transaction). Batches are still written one at a time, in order, each onto the
   * checkpoint the previous one left (writeBatch re-checks it inside its transaction). Memory
   * stays bounded: the source's queue, one batch being prepared and one being written.
   */
  const pipeline = async (
    client: Client,
    subscription: BlockSubscription<SourceBlock>,
    preparer: BatchPreparer,
    signal: AbortSignal,
    aborted: Promise<SourceBlock[]>,
  ): Promise<void> => {
    if (!checkpoint) throw new Error('no checkpoint to continue from');
    let prepared = checkpoint;
    let writing: Promise<void> | undefined;
    let failure: Error | undefined;
    let failWait: (error: unknown) => void = () => undefined;
    const writeFailed = new Promise<never>((_, reject) => {
      failWait = reject;
    });
    writeFailed.catch(() => undefined);
    const write = (batch: PreparedBatch): Promise<void> => {
      const started = Date.now();
      return writeBatch(client, channel, batch).then(
        (next) => {
          checkpoint = next;
          batches++;
          lastError = undefined;
          const ms = Date.now() - started;
          log.debug({ channel, blocks: batch.blocks, height: next.nextBlock.toString(), ms }, 'indexed a batch of blocks');
          deps.onBatch?.({ blocks: batch.blocks, ms, nextBlock: next.nextBlock });
        },
        (error: unknown) => {
          failure = error instanceof Error ? error : new Error(String(error));
          failWait(error);
          throw error;
        },
      );
    };
    try {
      while (!signal.aborted) {
        // A write that fails, or a preparer thread that dies, while this waits ends the wait at once.
        const blocks = await Promise.race([subscription.next(maxBatch), aborted, writeFailed, preparer.failed]);
        if (blocks.length === 0) {
          if (isAborted(signal)) break;
          throw new Error('the block stream ended');
        }
        const batch = await Promise.race([preparer.prepare(prepared, blocks), writeFailed]);
        // Stopping: the batch in flight is finished below; a new one is not started.
        if (isAborted(signal)) break;
        prepared = batch.next;
        await writing;
        writing = write(batch);
        writing.catch(() => undefined);
      }
    } finally {
      // Finish (or roll back) the batch in flight before the session ends; its error, if any,
      // is the one to report.
      await writing?.catch(() => undefined);
    }
    if (failure !== undefined) throw failure;
  };

  /** One session: lock, subscribe, commit until aborted or broken. */
  const session = async (signal: AbortSignal): Promise<void> => {
    const client = await deps.connect();
    let subscription: BlockSubscription<SourceBlock> | undefined;
    let locked = false;
    client.on('error', (error) => {
      log.warn({ channel, err: error.message }, 'database session error');
    });
    let preparer: BatchPreparer | undefined;
    // One promise per session that settles on abort, raced against each wait for blocks.
    const aborted = new Promise<SourceBlock[]>((resolve) => {
      signal.addEventListener('abort', () => { resolve([]); }, { once: true });
    });
    try {
      // Plans cached while the tables were small (foreign-key checks did, when the bulk tables had
      // them) scan sequentially, and a long catch-up then slows down quadratically: re-plan each
      // time. INSERT … SELECT from a large staging table must not pay for JIT compilation.
      await client.query('SET plan_cache_mode = force_custom_plan');
      await client.query('SET jit = off');
      if (!(await acquireLock(client, signal))) return;
      locked = true;
      checkpoint = await ensureCheckpoint(client, channel);
      phase = 'syncing';
      log.info({ channel, nextBlock: checkpoint.nextBlock.toString() }, 'holding the sync lock; resuming from the checkpoint');
      // Only the lock holder starts a preparer: a standby costs no thread.
      preparer = startPreparer();
      subscription = await subscribe(preparer, checkpoint.nextBlock);
      await pipeline(client, subscription, preparer, signal, aborted);
    } catch (error) {
      // A stop that needs a person is recorded where operators look (sync_checkpoints.last_error).
      if (isFatalSyncError(error)) {
        await recordError(client, channel, error.message).catch(() => undefined);
      }
      throw error;
    } finally {
      subscription?.close();
      await preparer?.close();
      // Ending the session releases the advisory lock; a standby can take over at once.
      await client.end().catch(() => undefined);
      if (locked) deps.onLock?.(false);
    }
  };

  return {
    status: () => ({ channel, phase, nextBlock: checkpoint?.nextBlock, lastError, batches }),
    async run(signal) {
      while (!signal.aborted) {
        try {
          await session(signal);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          lastError = message;
          if (isFatalSyncError(error)) {
            phase = 'failed';
            deps.onIntegrityStop?.(error.code);
            log.error(
              { channel, code: error.code, err: message },
              error instanceof SyncIntegrityError
                ? 'sync stopped: the ledger and the cache disagree; refusing to skip or repeat blocks'
                : 'sync stopped: the preparer thread died; exiting so that a fresh process (or a standby) resumes from the checkpoint',
            );
            throw error;
          }
          log.warn({ channel, err: message }, 'sync interrupted; resuming from the checkpoint');
          await sleep(deps.retryDelayMs ?? 1000, undefined, { signal }).catch(() => undefined);
        }
      }
      phase = 'stopped';
    },
  };
}

/** Read through a function so the compiler does not assume the flag is unchanged across awaits. */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
