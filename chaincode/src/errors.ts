/**
 * Every failure this chaincode reports has a message of the form `<CODE>: <detail>`.
 * Clients match on the code (stable) and show the detail (free text, may change).
 */
export const ERROR_CODES = [
  /** An argument is missing, malformed, out of range, or the request makes no sense (e.g. transfer to self). */
  'INVALID_ARGUMENT',
  /** No asset is stored under the given id. */
  'ASSET_NOT_FOUND',
  /** CreateAsset with an id that is already taken. */
  'ASSET_EXISTS',
  /** The caller is not the owner / not an admin, or their certificate yields no usable owner string. */
  'FORBIDDEN',
  /** A token transfer larger than the caller's balance. */
  'INSUFFICIENT_FUNDS',
  /** The function name is not part of the contract. */
  'UNKNOWN_FUNCTION',
  /** Anything unexpected (unreadable state, peer errors); not caused by the arguments. */
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class ChaincodeError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;

  constructor(code: ErrorCode, detail: string) {
    super(`${code}: ${detail}`);
    this.name = 'ChaincodeError';
    this.code = code;
    this.detail = detail;
  }
}

/** Shorthand so call sites read as `throw invalidArgument('...')`. */
export function invalidArgument(detail: string): ChaincodeError {
  return new ChaincodeError('INVALID_ARGUMENT', detail);
}

/**
 * Keeps coded errors as they are and turns anything else into INTERNAL, so that even failures
 * we did not anticipate reach the client with a code it can map.
 */
export function toChaincodeError(error: unknown): ChaincodeError {
  if (error instanceof ChaincodeError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new ChaincodeError('INTERNAL', detail);
}

// The code may be preceded by the text peers and SDKs wrap around chaincode messages,
// e.g. "chaincode response 500, ASSET_NOT_FOUND: ..." or "status=500, message=ASSET_NOT_FOUND: ...".
const CODE_IN_TEXT = new RegExp(`(?:^|[\\s,=:])(${ERROR_CODES.join('|')}): `);

/**
 * Finds the first error code in a message as it arrives at a client. A reference for gateway code
 * that maps chaincode failures; returns undefined for messages that carry no code.
 */
export function errorCodeOf(message: string): ErrorCode | undefined {
  const match = CODE_IN_TEXT.exec(message);
  return match?.[1] as ErrorCode | undefined;
}
