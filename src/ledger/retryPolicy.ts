import { AppError, ErrorCode } from '../common/errors';

/**
 * When a failed submission is tried again, and after how long. A retry is always a NEW proposal
 * (new transaction id), so only failures that guarantee the old transaction cannot commit are
 * retried:
 * - MVCC_READ_CONFLICT / PHANTOM_READ_CONFLICT (`MVCC_CONFLICT`): the old one is in a block, invalid;
 * - `LEDGER_UNAVAILABLE` with `mayCommit: false`: no peer endorsed it, or no orderer accepted it.
 * Never retried: chaincode refusals (they would fail the same way), timeouts after the orderer
 * (the transaction may still commit: reported, not resubmitted), anything else.
 */
export interface RetrySettings {
  /** Attempts in all, the first included (1 = never retry). */
  readonly maxAttempts: number;
  /** The back-off before the second attempt, before jitter. */
  readonly initialDelayMs: number;
  /** The cap of the exponential back-off, before jitter. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { maxAttempts: 6, initialDelayMs: 100, maxDelayMs: 3000 };

export function isRetryable(error: unknown): boolean {
  if (!(error instanceof AppError)) return false;
  if (error.details.mayCommit !== false) return false;
  return error.code === ErrorCode.MVCC_CONFLICT || error.code === ErrorCode.LEDGER_UNAVAILABLE;
}

/**
 * The delay after failed attempt `attempt` (1-based): exponential `initial * 2^(attempt-1)` capped
 * at `maxDelayMs`, then "equal jitter": uniformly in [half of it, all of it], so contending
 * clients spread out but never retry at once.
 */
export function backoffDelayMs(attempt: number, settings: RetrySettings, random: () => number = Math.random): number {
  const exponential = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  const half = exponential / 2;
  return Math.round(half + random() * half);
}

/** Whether to try again after failed attempt `attempt` with `error`. */
export function shouldRetry(error: unknown, attempt: number, settings: RetrySettings): boolean {
  return attempt < settings.maxAttempts && isRetryable(error);
}
