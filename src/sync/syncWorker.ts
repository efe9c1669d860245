import { setTimeout as sleep } from 'node:timers/promises';

import type { Client } from 'pg';

import type { Logger } from '../common/logger';
import type { BlockSource, BlockSubscription } from '../ledger';
import { ensureCheckpoint, prepareBatch, recordError, writeBatch, type Checkpoint, type PreparedBatch } from './checkpoint';
import { deferIndexesForFirstLoad, deferredIndexes, restoreIndexes } from './deferredIndexes';
import { SyncIntegrityError } from './errors';
import type { Projector } from './projector';
import { untilStopped } from './untilStopped';

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
  readonly projectors: readonly Projector[];
  readonly log: Logger;
  /** Most blocks in one transaction while catching up. */
  readonly maxBatchBlocks?: number;
  /**
   * A first load (an empty cache) of a ledger at least this many blocks high puts off the
   * secondary indexes until the worker reaches the head (deferredIndexes.ts); 0 never does.
   */
  readonly deferIndexesFromBlocks?: number;
  readonly lockPollMs?: number;
  readonly retryDelayMs?: number;
  /**
   * While more than a few blocks behind the ledger, an info line at most this often (ms) says how
   * far the worker has got, how fast it goes and when it should reach the head: a first load of a
   * long ledger takes hours, and is otherwise silent at info level. Default 30 s.
   */
  readonly progressEveryMs?: number;
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
  /** Secondary indexes are put off (a first load) and will be created at the head. */
  readonly indexesDeferred: boolean;
}

export interface SyncWorker {
  /** Runs until the signal aborts (resolves) or an integrity error stops it (rejects). */
  run(signal: AbortSignal): Promise<void>;
  status(): SyncStatus;
}

/** A first load of a ledger this high (blocks) or higher puts off the secondary indexes. */
export const DEFER_INDEXES_FROM_BLOCKS = 1000;
/** How close to the ledger's head (blocks) the deferred indexes are created again. */
const RESTORE_INDEXES_WITHIN = 10n;

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
  let indexesDeferred = false;

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

  /** On taking the lock: a first load of a high ledger puts the secondary indexes off. */
  const deferIndexes = async (client: Client, nextBlock: bigint): Promise<void> => {
    const threshold = BigInt(deps.deferIndexesFromBlocks ?? DEFER_INDEXES_FROM_BLOCKS);
    if (threshold > 0n && nextBlock === 0n && (await deps.source.height(channel)) >= threshold) {
      const deferred = await deferIndexesForFirstLoad(client);
      indexesDeferred = deferred.length > 0;
      if (indexesDeferred) log.info({ channel, indexes: deferred.length }, 'first load: secondary indexes put off until the head');
      return;
    }
    // Another channel's first load, or this worker's before a restart, may have left some.
    indexesDeferred = (await deferredIndexes(client)).length > 0;
  };

  /** Near the head, the deferred indexes are created again (once, by whichever worker gets there first). */
  const restoreIndexesAtHead = async (client: Client, nextBlock: bigint): Promise<void> => {
    if (!indexesDeferred) return;
    if ((await deps.source.height(channel)) - nextBlock > RESTORE_INDEXES_WITHIN) return;
    log.info({ channel, height: nextBlock.toString() }, 'at the head: creating the deferred secondary indexes');
    const started = Date.now();
    const restored = await restoreIndexes(client);
    indexesDeferred = false;
    log.info({ channel, indexes: restored.length, ms: Date.now() - started }, 'secondary indexes created');
  };

  /**
   * Best effort: the ledger's height is asked at most once per interval, and a failure to get it
   * only skips a line (the write path must not fail over a log line).
   */
  const progressReporter = (fromBlock: bigint): ((nextBlock: bigint) => Promise<void>) => {
    const everyMs = deps.progressEveryMs ?? 30_000;
    let since = { at: Date.now(), nextBlock: fromBlock };
    return async (nextBlock) => {
      const now = Date.now();
      if (now - since.at < everyMs) return;
      const ledgerHeight = await deps.source.height(channel).catch(() => undefined);
      if (ledgerHeight === undefined) return;
      const behind = ledgerHeight - nextBlock;
      if (behind > RESTORE_INDEXES_WITHIN) {
        const blocksPerSecond = Number(nextBlock - since.nextBlock) / (Math.max(1, now - since.at) / 1000);
        log.info(
          {
            channel,
            height: nextBlock.toString(),
            ledgerHeight: ledgerHeight.toString(),
            behind: behind.toString(),
            blocksPerSecond: Math.round(blocksPerSecond * 10) / 10,
            etaSeconds: blocksPerSecond > 0 ? Math.round(Number(behind) / blocksPerSecond) : null,
          },
          'catching up',
        );
      }
      since = { at: now, nextBlock };
    };
  };

  /** One session: lock, subscribe, commit until aborted or broken. */
  const session = async (signal: AbortSignal): Promise<void> => {
    const client = await deps.connect();
    let subscription: BlockSubscription | undefined;
    let locked = false;
    client.on('error', (error) => {
      log.warn({ channel, err: error.message }, 'database session error');
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
      await deferIndexes(client, checkpoint.nextBlock);
      // Stopped at the head before the indexes were back: nothing new may come for a while.
      await restoreIndexesAtHead(client, checkpoint.nextBlock);
      phase = 'syncing';
      log.info({ channel, nextBlock: checkpoint.nextBlock.toString() }, 'holding the sync lock; resuming from the checkpoint');
      subscription = await deps.source.subscribe(channel, checkpoint.nextBlock);
      // Two stages: while PostgreSQL writes batch N (one transaction), this thread takes and
      // prepares batch N+1 (decoding, rows, COPY text), which is CPU work that would otherwise
      // wait. Batches are still written one at a time, in order, each onto the checkpoint the
      // previous one left (writeBatch re-checks it inside its transaction).
      let prepared = checkpoint;
      const reportProgress = progressReporter(checkpoint.nextBlock);
      let writing: Promise<void> | undefined;
      let failure: Error | undefined;
      const writeFailed = new AbortController();
      const write = async (batch: PreparedBatch): Promise<void> => {
        const started = Date.now();
        try {
          const next = await writeBatch(client, channel, batch);
          checkpoint = next;
          batches++;
          lastError = undefined;
          const ms = Date.now() - started;
          log.debug({ channel, blocks: batch.blocks, height: next.nextBlock.toString(), ms }, 'indexed a batch of blocks');
          deps.onBatch?.({ blocks: batch.blocks, ms, nextBlock: next.nextBlock });
          await reportProgress(next.nextBlock);
          await restoreIndexesAtHead(client, next.nextBlock);
        } catch (error) {
          failure = error instanceof Error ? error : new Error(String(error));
          writeFailed.abort(failure);
          throw error;
        }
      };
      try {
        while (!signal.aborted) {
          // A write that fails while this waits for blocks ends the wait at once.
          const blocks = await untilStopped(subscription.next(maxBatch), signal, [], writeFailed.signal);
          if (blocks.length === 0) {
            if (isAborted(signal)) break;
            throw new Error('the block stream ended');
          }
          const batch = prepareBatch(channel, prepared, blocks, deps.projectors);
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
    } catch (error) {
      if (error instanceof SyncIntegrityError) {
        await recordError(client, channel, error.message).catch(() => undefined);
      }
      throw error;
    } finally {
      subscription?.close();
      // Ending the session releases the advisory lock; a standby can take over at once.
      await client.end().catch(() => undefined);
      if (locked) deps.onLock?.(false);
    }
  };

  return {
    status: () => ({ channel, phase, nextBlock: checkpoint?.nextBlock, lastError, batches, indexesDeferred }),
    async run(signal) {
      while (!signal.aborted) {
        try {
          await session(signal);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          lastError = message;
          if (error instanceof SyncIntegrityError) {
            phase = 'failed';
            deps.onIntegrityStop?.(error.code);
            log.error({ channel, code: error.code, err: message }, 'sync stopped: the ledger and the cache disagree; refusing to skip or repeat blocks');
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
