/**
 * The sync worker's errors. An integrity error (a gap, a broken hash chain, a checkpoint that
 * moved under us) stops the worker: retrying cannot fix it and skipping would corrupt the cache.
 * A crashed preparer thread stops it too: the process is in a state nobody tested, so it exits
 * loudly and the supervisor (or a standby) starts again from the checkpoint. Anything else (a
 * dropped connection, a peer going away) is retried from the checkpoint.
 */
export const SyncErrorCode = {
  GAP: 'SYNC_GAP',
  HASH_MISMATCH: 'SYNC_HASH_MISMATCH',
  CHECKPOINT_MOVED: 'SYNC_CHECKPOINT_MOVED',
  THREAD_FAILED: 'SYNC_THREAD_FAILED',
} as const;

export type SyncErrorCode = (typeof SyncErrorCode)[keyof typeof SyncErrorCode];

export type IntegrityCode = Exclude<SyncErrorCode, typeof SyncErrorCode.THREAD_FAILED>;

export class SyncIntegrityError extends Error {
  override readonly name = 'SyncIntegrityError';

  constructor(
    readonly code: IntegrityCode,
    readonly channel: string,
    /** What was wrong, without the code and channel (so the error can be rebuilt on another thread). */
    readonly detail: string,
  ) {
    super(`${code} on ${channel}: ${detail}`);
  }
}

/** The preparer thread died (an uncaught exception, running out of memory, an exit): fatal. */
export class SyncThreadError extends Error {
  override readonly name = 'SyncThreadError';
  readonly code = SyncErrorCode.THREAD_FAILED;

  constructor(
    readonly channel: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${SyncErrorCode.THREAD_FAILED} on ${channel}: ${detail}`, options);
  }
}

/** Errors that stop the worker instead of being retried from the checkpoint. */
export function isFatalSyncError(error: unknown): error is SyncIntegrityError | SyncThreadError {
  return error instanceof SyncIntegrityError || error instanceof SyncThreadError;
}
