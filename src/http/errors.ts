import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

import { AppError, ErrorCode, HTTP_STATUS, isErrorCode } from '../common/errors';

/**
 * What crosses the API boundary when something fails. An expected error (an `AppError`, or a
 * `GraphQLError` from Apollo Server or graphql-js whose code is in the one list) keeps its message
 * and code; anything else is masked as INTERNAL_SERVER_ERROR and logged by the caller. No stack
 * trace ever leaves.
 */
export const MASKED_MESSAGE = 'Internal server error';

/** Codes whose AppError details stay in the logs: they may name users or internal reasons. */
const PRIVATE_DETAILS: ReadonlySet<ErrorCode> = new Set([ErrorCode.UNAUTHENTICATED, ErrorCode.INTERNAL]);

/**
 * Codes of a ledger that could not be reached or did not answer in time: their details name peers,
 * orderers and the SDK's reasons, which stay in the logs. What a client needs to act is shared:
 * which submission and transaction it was (to look it up, or to tell it apart from a retry) and
 * whether it may still commit.
 */
const LEDGER_TROUBLE: ReadonlySet<ErrorCode> = new Set([ErrorCode.LEDGER_UNAVAILABLE, ErrorCode.TIMEOUT]);
const SHAREABLE_LEDGER_DETAILS = ['submissionId', 'transactionId', 'mayCommit', 'phase', 'attempts', 'blockNumber'] as const;

export interface ExpectedError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Prisma's codes for "can't reach / lost the database server", and pg's (node and SQLSTATE class 08, 57P0x). */
const PRISMA_UNREACHABLE = new Set(['P1001', 'P1002', 'P1017']);
const PG_UNREACHABLE = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|08\w{3}|57P0[123])$/;
const UNREACHABLE_MESSAGE = /can't reach database server|connection terminated|terminating connection due to administrator command|the database system is (starting up|shutting down)/i;

/**
 * Whether an error (or one of its causes) says PostgreSQL could not be reached. While the database
 * restarts, every request fails this way: callers get DATABASE_UNAVAILABLE (503, retry later)
 * rather than a masked internal error.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  return saysUnreachable(error) || ('cause' in error && isDatabaseUnavailable(error.cause, depth + 1));
}

function saysUnreachable(error: object): boolean {
  const code = 'code' in error && typeof error.code === 'string' ? error.code : '';
  const name = 'name' in error && typeof error.name === 'string' ? error.name : '';
  const prisma = name.startsWith('Prisma');
  if (PRISMA_UNREACHABLE.has(code) || (!prisma && PG_UNREACHABLE.test(code))) return true;
  return error instanceof Error && (prisma || name === 'Error') && UNREACHABLE_MESSAGE.test(error.message);
}

const DATABASE_UNAVAILABLE: ExpectedError = { code: ErrorCode.DATABASE_UNAVAILABLE, message: 'the database is unavailable; try again shortly' };

/** The code, message and shareable details of an expected error; undefined for an unexpected one. */
export function expectedError(error: unknown): ExpectedError | undefined {
  const original = unwrapResolverError(error);
  if (isDatabaseUnavailable(original)) return DATABASE_UNAVAILABLE;
  if (original instanceof AppError) {
    if (original.code === ErrorCode.INTERNAL) return undefined;
    const details = shareableDetails(original);
    return { code: original.code, message: original.message, ...(details ? { details: jsonSafe(details) } : {}) };
  }
  if (original instanceof GraphQLError) {
    const code = original.extensions.code;
    // graphql-js's own execution errors ("Cannot return null for non-nullable field …") carry no code.
    if (!isErrorCode(code) || code === ErrorCode.INTERNAL_SERVER_ERROR || code === ErrorCode.INTERNAL) return undefined;
    return { code, message: original.message };
  }
  return undefined;
}

/** Apollo Server's `formatError`: keeps locations and path, replaces extensions by code (and details). */
export function formatGraphqlError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const expected = expectedError(error);
  const where = { ...(formatted.locations ? { locations: formatted.locations } : {}), ...(formatted.path ? { path: formatted.path } : {}) };
  if (!expected) return { message: MASKED_MESSAGE, ...where, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  const extensions: Record<string, unknown> = { code: expected.code };
  if (expected.details) extensions.details = expected.details;
  return { message: expected.message, ...where, extensions };
}

/** The body of a response that failed as a whole (outside Apollo Server): GraphQL's shape, one error. */
export interface ErrorBody {
  readonly errors: readonly GraphQLFormattedError[];
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { errors: [{ message, extensions: { code } }] };
}

/** Status and body for a failure of the HTTP layer (Fastify's errors carry `statusCode`). */
export function httpFailure(error: unknown): { status: number; body: ErrorBody; expected: boolean } {
  if (isDatabaseUnavailable(error)) return { status: HTTP_STATUS.DATABASE_UNAVAILABLE, body: errorBody(ErrorCode.DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE.message), expected: true };
  if (error instanceof AppError && error.code !== ErrorCode.INTERNAL) {
    return { status: HTTP_STATUS[error.code], body: errorBody(error.code, error.message), expected: true };
  }
  const status = statusCodeOf(error);
  if (status === 429) return { status, body: errorBody(ErrorCode.RATE_LIMITED, 'too many requests; try again later'), expected: true };
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, body: errorBody(ErrorCode.BAD_REQUEST, error instanceof Error ? error.message : 'bad request'), expected: true };
  }
  return { status: 500, body: errorBody(ErrorCode.INTERNAL_SERVER_ERROR, MASKED_MESSAGE), expected: false };
}

function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) return undefined;
  return typeof error.statusCode === 'number' ? error.statusCode : undefined;
}

/** The details of an expected AppError that may leave, or undefined when none may. */
function shareableDetails(error: AppError): Readonly<Record<string, unknown>> | undefined {
  if (PRIVATE_DETAILS.has(error.code)) return undefined;
  const kept = LEDGER_TROUBLE.has(error.code) ? Object.fromEntries(SHAREABLE_LEDGER_DETAILS.filter((k) => error.details[k] !== undefined).map((k) => [k, error.details[k]])) : error.details;
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/** Details as JSON can carry them: bigints as strings, errors and functions left out. */
function jsonSafe(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(details, (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (value instanceof Error || typeof value === 'function') return undefined;
      return value;
    }),
  ) as Record<string, unknown>;
}

/** Logs an error that will be masked (with the request id in `log`'s fields); expected ones are not logged here. */
export function logIfUnexpected(error: unknown, log: { error(fields: Record<string, unknown>, message: string): void }, where: string): void {
  if (expectedError(error)) return;
  const original = unwrapResolverError(error);
  const path = error instanceof GraphQLError ? error.path : undefined;
  log.error(
    { err: original instanceof Error ? original.message : String(original), stack: original instanceof Error ? original.stack : undefined, path },
    `unexpected error in ${where} (masked as INTERNAL_SERVER_ERROR)`,
  );
}
