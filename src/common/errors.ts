/**
 * The one list of error codes that cross the API boundary (GraphQL `extensions.code`, CLI exits,
 * submission records). Add a code here, with a line in the README's error table, before using it.
 */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  OVERLOADED: 'OVERLOADED',
  LEDGER_UNAVAILABLE: 'LEDGER_UNAVAILABLE',
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  ENDORSEMENT_FAILED: 'ENDORSEMENT_FAILED',
  MVCC_CONFLICT: 'MVCC_CONFLICT',
  TIMEOUT: 'TIMEOUT',
  INTERNAL: 'INTERNAL',
  // The HTTP and GraphQL layer (src/http): Apollo Server's own codes, and the masked unexpected error.
  BAD_REQUEST: 'BAD_REQUEST',
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  // Codes the sample chaincode puts at the start of its error messages.
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  ASSET_NOT_FOUND: 'ASSET_NOT_FOUND',
  ASSET_EXISTS: 'ASSET_EXISTS',
  INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && CODES.has(value);
}

/**
 * The HTTP status of a response that failed as a whole with this code (a refused token, a rate
 * limit, a malformed request). A GraphQL result that carries errors beside data stays 200, as
 * Apollo Server answers it; the README's error table shows the same numbers.
 */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  OVERLOADED: 503,
  LEDGER_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  ENDORSEMENT_FAILED: 502,
  MVCC_CONFLICT: 409,
  TIMEOUT: 504,
  INTERNAL: 500,
  BAD_REQUEST: 400,
  GRAPHQL_PARSE_FAILED: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  OPERATION_RESOLUTION_FAILURE: 400,
  PERSISTED_QUERY_NOT_SUPPORTED: 400,
  INTERNAL_SERVER_ERROR: 500,
  INVALID_ARGUMENT: 400,
  ASSET_NOT_FOUND: 404,
  ASSET_EXISTS: 409,
  INSUFFICIENT_FUNDS: 409,
};

/** An expected failure: a stable code, a message safe to show the caller, and details for logs. */
export class AppError extends Error {
  override readonly name = 'AppError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isAppError(error: unknown, code?: ErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
