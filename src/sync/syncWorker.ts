import { setTimeout as sleep } from 'node:timers/promises';

import type { Client } from 'pg';

import type { Logger } from '../common/logger';
import type { BlockSource, BlockSubscription, LedgerBlock } from '../ledger';
import { commitBatch, ensureCheckpoint, recordError, type Checkpoint } from './checkpoint';
import { SyncIntegrityError } from './errors';
import type { Projector } from './projector';

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
  readonly lockPollMs?: number;
  readonly retryDelayMs?: number;
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
  /** Runs until the signal aborts (resolves) or an integrity error stops it (rejects). */
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
      if (result.rows[0]?.locked) return true;
      if (!announced) log.info({ channel }, 'another worker holds the sync lock; standing by');
      announced = true;
      await sleep(lockPollMs, undefined, { signal }).catch(() => undefined);
    }
    return false;
  };

  /** One session: lock, subscribe, commit until aborted or broken. */
  const session = async (signal: AbortSignal): Promise<void> => {
    const client = await deps.connect();
    let subscription: BlockSubscription | undefined;
    client.on('error', (error) => {
      log.warn({ channel, err: error.message }, 'database session error');
    });
    // One promise per session that settles on abort, raced against each wait for blocks.
    const aborted = new Promise<LedgerBlock[]>((resolve) => {
      signal.addEventListener('abort', () => { resolve([]); }, { once: true });
    });
    try {
      // Foreign-key checks run through cached plans; planned while the tables were small they
      // scan sequentially, and a long catch-up then slows down quadratically. Re-plan each time.
      await client.query('SET plan_cache_mode = force_custom_plan');
      if (!(await acquireLock(client, signal))) return;
      checkpoint = await ensureCheckpoint(client, channel);
      phase = 'syncing';
      log.info({ channel, nextBlock: checkpoint.nextBlock.toString() }, 'holding the sync lock; resuming from the checkpoint');
      subscription = await deps.source.subscribe(channel, checkpoint.nextBlock);
      while (!signal.aborted) {
        const blocks = await Promise.race([subscription.next(maxBatch), aborted]);
        if (blocks.length === 0) {
          if (isAborted(signal)) break;
          throw new Error('the block stream ended');
        }
        const started = Date.now();
        checkpoint = await commitBatch(client, channel, checkpoint, blocks, deps.projectors);
        batches++;
        lastError = undefined;
        log.debug(
          { channel, blocks: blocks.length, height: checkpoint.nextBlock.toString(), ms: Date.now() - started },
          'indexed a batch of blocks',
        );
      }
    } catch (error) {
      if (error instanceof SyncIntegrityError) {
        await recordError(client, channel, error.message).catch(() => undefined);
      }
      throw error;
    } finally {
      subscription?.close();
      // Ending the session releases the advisory lock; a standby can take over at once.
      await client.end().catch(() => undefined);
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
          if (error instanceof SyncIntegrityError) {
            phase = 'failed';
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
