/**
 * Errors of the local network tooling. Each carries a stable code so that the CLI can print a
 * clear message and a hint, and tests can assert on the failure rather than on its wording.
 */
export const LocalnetErrorCode = {
  GO_MISSING: 'GO_MISSING',
  GO_TOO_OLD: 'GO_TOO_OLD',
  BUILD_FAILED: 'BUILD_FAILED',
  PORT_IN_USE: 'PORT_IN_USE',
  COMMAND_FAILED: 'COMMAND_FAILED',
  NODE_UNHEALTHY: 'NODE_UNHEALTHY',
  NETWORK_NOT_UP: 'NETWORK_NOT_UP',
  HALF_STARTED: 'HALF_STARTED',
  CHAINCODE_STEP_FAILED: 'CHAINCODE_STEP_FAILED',
  BAD_OPTION: 'BAD_OPTION',
} as const;

export type LocalnetErrorCode = (typeof LocalnetErrorCode)[keyof typeof LocalnetErrorCode];

export class LocalnetError extends Error {
  override readonly name = 'LocalnetError';

  constructor(
    readonly code: LocalnetErrorCode,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
