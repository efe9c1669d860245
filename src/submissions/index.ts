/**
 * Submissions: every mutation recorded (who, what, idempotency key, outcome), synchronous or
 * through a durable PostgreSQL queue (pg-boss) worked by submitters. See the README section
 * "Submissions and the queue".
 */
export { createSubmissionService } from './service';
export { recordOutcome, recordPhases, submissionOutcome, SUBMISSION_OUTCOMES } from './outcome';
export type { SubmissionMetrics, SubmissionOutcome } from './outcome';
export type { SubmissionService, SubmissionServiceDeps, SubmitOptions } from './service';
export { createSubmissionExecutor, RetryLater, requestOf, SessionLost } from './executor';
export type { ExecuteOptions, SubmissionExecutor, SubmissionExecutorDeps } from './executor';
export { createSubmissionQueue, SUBMISSION_QUEUE } from './queue';
export type { SqlExecutor, SubmissionJob, SubmissionQueue, SubmissionQueueOptions } from './queue';
export { createSubmitter } from './submitter';
export type { Submitter, SubmitterDeps } from './submitter';
export { checkInput, requestHash, SUBMISSION_NOTIFY_CHANNEL, toSubmission } from './types';
export type { Submission, SubmissionMode, SubmissionRequest, SubmissionRow, SubmissionStatus, SubmissionUser } from './types';
export { startSubmissionsFromConfig } from './fromConfig';
export type { SubmissionsRuntime } from './fromConfig';
