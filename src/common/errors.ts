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
  ENDORSEMENT_FAILED: 'ENDORSEMENT_FAILED',
  MVCC_CONFLICT: 'MVCC_CONFLICT',
  TIMEOUT: 'TIMEOUT',
  INTERNAL: 'INTERNAL',
  // Codes the sample chaincode puts at the start of its error messages.
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  ASSET_NOT_FOUND: 'ASSET_NOT_FOUND',
  ASSET_EXISTS: 'ASSET_EXISTS',
  INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

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
