import { createHash } from 'node:crypto';

import { AppError, ErrorCode } from '../common';

export type SubmissionMode = 'SYNC' | 'ASYNC';
export type SubmissionStatus = 'QUEUED' | 'SUBMITTED' | 'COMMITTED' | 'FAILED';

/** Who asks: the caller's id and the wallet label of the identity that signs for them. */
export interface SubmissionUser {
  readonly userId: string;
  readonly identityLabel: string;
}

/** What is asked: one chaincode function with its arguments. */
export interface SubmissionRequest {
  readonly channel: string;
  readonly chaincode: string;
  readonly contract?: string;
  readonly fn: string;
  readonly args: readonly string[];
}

export interface Submission {
  readonly id: string;
  readonly userId: string;
  readonly identityLabel: string;
  readonly request: SubmissionRequest;
  readonly idempotencyKey: string | null;
  readonly mode: SubmissionMode;
  readonly status: SubmissionStatus;
  readonly txId: string | null;
  readonly blockNumber: bigint | null;
  readonly validationCode: string | null;
  /** The chaincode's return value (UTF-8), when the committing attempt was seen by this gateway. */
  readonly result: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly attempts: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly completedAt: Date | null;
}

export const TERMINAL: readonly SubmissionStatus[] = ['COMMITTED', 'FAILED'];

/**
 * Every status change after the insert NOTIFYs this channel with the submission's id, in the
 * statement that makes the change (so only a committed change is announced); gateways relay it to
 * `submissionUpdated` subscribers. Append to an UPDATE … RETURNING.
 */
export const SUBMISSION_NOTIFY_CHANNEL = 'submission_updated';
export const NOTIFY_RETURNING = `pg_notify('${SUBMISSION_NOTIFY_CHANNEL}', id::text) AS notified`;

/** A row of `submissions` as node-postgres returns it. */
export interface SubmissionRow {
  id: string;
  user_id: string;
  identity_label: string;
  channel: string;
  chaincode: string;
  contract: string | null;
  function: string;
  arguments: string[];
  request_hash: string;
  idempotency_key: string | null;
  mode: SubmissionMode;
  status: SubmissionStatus;
  tx_id: string | null;
  block_number: string | null;
  validation_code: string | null;
  result: string | null;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  attempt_started_at: Date | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}

export function toSubmission(row: SubmissionRow): Submission {
  return {
    id: row.id,
    userId: row.user_id,
    identityLabel: row.identity_label,
    request: { channel: row.channel, chaincode: row.chaincode, ...(row.contract === null ? {} : { contract: row.contract }), fn: row.function, args: row.arguments },
    idempotencyKey: row.idempotency_key,
    mode: row.mode,
    status: row.status,
    txId: row.tx_id,
    blockNumber: row.block_number === null ? null : BigInt(row.block_number),
    validationCode: row.validation_code,
    result: row.result,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
  };
}

/** What a repeated idempotency key must match: everything that decides the ledger write. */
export function requestHash(request: SubmissionRequest): string {
  const canonical = JSON.stringify([request.channel, request.chaincode, request.contract ?? null, request.fn, [...request.args]]);
  return createHash('sha256').update(canonical).digest('hex');
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_ARGS_BYTES = 1_000_000;

function argumentProblem(args: unknown): string | undefined {
  if (!Array.isArray(args)) return 'args must be a list of strings';
  let bytes = 0;
  for (const a of args as unknown[]) {
    if (typeof a !== 'string') return 'args must be strings';
    if (a.includes('\u0000')) return 'args must not hold a NUL character';
    bytes += Buffer.byteLength(a);
  }
  return bytes > MAX_ARGS_BYTES ? `args exceed ${MAX_ARGS_BYTES} bytes` : undefined;
}

function nameProblems(request: SubmissionRequest): string[] {
  const problems: string[] = [];
  if (!NAME.test(request.channel)) problems.push('channel is not a valid name');
  if (!NAME.test(request.chaincode)) problems.push('chaincode is not a valid name');
  if (request.contract !== undefined && !NAME.test(request.contract)) problems.push('contract is not a valid name');
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(request.fn)) problems.push('fn is not a valid function name');
  return problems;
}

/** Refuses a malformed request or key with BAD_USER_INPUT before anything is written. */
export function checkInput(user: SubmissionUser, request: SubmissionRequest, idempotencyKey: string | undefined): void {
  const problems = nameProblems(request);
  if (!user.userId) problems.push('userId is empty');
  if (!user.identityLabel) problems.push('identityLabel is empty');
  const args = argumentProblem(request.args);
  if (args) problems.push(args);
  if (idempotencyKey !== undefined && (idempotencyKey.length < 1 || idempotencyKey.length > 200 || idempotencyKey.includes('\u0000'))) {
    problems.push('idempotencyKey must have 1 to 200 characters');
  }
  if (problems.length > 0) throw new AppError(ErrorCode.BAD_USER_INPUT, `bad submission: ${problems.join('; ')}`, { problems });
}
