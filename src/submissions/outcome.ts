import { ErrorCode, type Metrics } from '../common';
import type { SubmitTimings } from '../ledger';

/**
 * The one mapping from a submission's end to the `outcome` label of
 * `ledger_gateway_submissions_total` (the Helm chart's alerts depend on these values):
 * - `committed`: on the ledger, VALID;
 * - `rejected`: the chaincode or the access rules said no; sending again gives the same answer;
 * - `timeout`: the commit was not seen in time (it may still land);
 * - `overloaded`: the queue was over its bound; nothing was recorded;
 * - `failed`: everything else (no peer or orderer, endorsement failure, conflicts left after the
 *   retries, internal errors): the infrastructure's trouble, not the caller's.
 */
export const SUBMISSION_OUTCOMES = ['committed', 'rejected', 'failed', 'timeout', 'overloaded'] as const;
export type SubmissionOutcome = (typeof SUBMISSION_OUTCOMES)[number];

const REJECTED: ReadonlySet<string> = new Set([
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.FORBIDDEN,
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.NOT_FOUND,
  ErrorCode.CONFLICT,
  ErrorCode.INVALID_ARGUMENT,
  ErrorCode.ASSET_NOT_FOUND,
  ErrorCode.ASSET_EXISTS,
  ErrorCode.INSUFFICIENT_FUNDS,
]);

/** `null` (no error code) is a commit; an error code maps as above. */
export function submissionOutcome(errorCode: string | null): SubmissionOutcome {
  if (errorCode === null) return 'committed';
  if (errorCode === ErrorCode.TIMEOUT) return 'timeout';
  if (errorCode === ErrorCode.OVERLOADED) return 'overloaded';
  return REJECTED.has(errorCode) ? 'rejected' : 'failed';
}

/** Where the submission parts record what they did; absent, nothing is recorded. */
export type SubmissionMetrics = Pick<Metrics, 'submissions' | 'submissionPhase'>;

export function recordOutcome(metrics: SubmissionMetrics | undefined, errorCode: string | null): void {
  metrics?.submissions.inc({ outcome: submissionOutcome(errorCode) });
}

/** The endorse / order / commit split of one committed proposal, in seconds. */
export function recordPhases(metrics: SubmissionMetrics | undefined, timings: SubmitTimings): void {
  if (!metrics) return;
  metrics.submissionPhase.observe({ phase: 'endorse' }, timings.endorseMs / 1000);
  metrics.submissionPhase.observe({ phase: 'order' }, timings.orderMs / 1000);
  metrics.submissionPhase.observe({ phase: 'commit' }, timings.commitMs / 1000);
}
