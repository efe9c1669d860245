/**
 * The sync worker's errors. An integrity error (a gap, a broken hash chain, a checkpoint that
 * moved under us) stops the worker: retrying cannot fix it and skipping would corrupt the cache.
 * Anything else (a dropped connection, a peer going away) is retried from the checkpoint.
 */
export const SyncErrorCode = {
  GAP: 'SYNC_GAP',
  HASH_MISMATCH: 'SYNC_HASH_MISMATCH',
  CHECKPOINT_MOVED: 'SYNC_CHECKPOINT_MOVED',
} as const;

export type SyncErrorCode = (typeof SyncErrorCode)[keyof typeof SyncErrorCode];

export class SyncIntegrityError extends Error {
  override readonly name = 'SyncIntegrityError';

  constructor(
    readonly code: SyncErrorCode,
    readonly channel: string,
    message: string,
  ) {
    super(`${code} on ${channel}: ${message}`);
  }
}
