/**
 * Checks of mutation and subscription arguments, before anything is recorded or sent: the sample
 * chaincode's own rules (chaincode/src/validate.ts and amount.ts, restated here because the
 * gateway's build does not include the chaincode package; src/graphql/inputs.test.ts fails when
 * the two drift apart). A refusal is BAD_USER_INPUT with `details.field` naming the argument.
 */
import { AppError, ErrorCode } from '../common';

/** Asset ids and kinds. */
export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
/** Owners and token accounts: `<MSP ID>/<enrollment ID>`. */
export const OWNER_PATTERN = /^[A-Za-z0-9._:@-]{1,64}\/[A-Za-z0-9._:@-]{1,64}$/;
export const MAX_ATTRIBUTES_BYTES = 16 * 1024;
export const MAX_ATTRIBUTES_DEPTH = 32;
export const MAX_UINT64 = (1n << 64n) - 1n;
/** Channel names as the submissions layer accepts them. */
const CHANNEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_IDEMPOTENCY_KEY = 200;

export function badInput(field: string, problem: string): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, `${field}: ${problem}`, { field });
}

export function assetId(field: string, value: string): string {
  if (!ID_PATTERN.test(value)) throw badInput(field, 'must be 1-64 characters of A-Z a-z 0-9 . _ : -');
  return value;
}

export function owner(field: string, value: string): string {
  if (!OWNER_PATTERN.test(value)) {
    throw badInput(field, 'must be <MSP ID>/<enrollment ID>, each part 1-64 characters of A-Z a-z 0-9 . _ : @ - (e.g. Org1MSP/user1)');
  }
  return value;
}

export function channel(field: string, value: string): string {
  if (!CHANNEL_PATTERN.test(value)) throw badInput(field, 'is not a channel name');
  return value;
}

/** A positive token amount of at most 2^64 - 1, as the decimal string the chaincode takes. */
export function amount(field: string, value: bigint): string {
  if (value < 1n || value > MAX_UINT64) throw badInput(field, `must be a whole number from 1 to ${MAX_UINT64.toString()}`);
  return value.toString();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function depthProblem(value: unknown, depth: number): string | undefined {
  if (typeof value === 'number' && !Number.isFinite(value)) return 'contains a number out of range';
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_ATTRIBUTES_DEPTH) return `nests deeper than ${MAX_ATTRIBUTES_DEPTH} levels`;
  for (const child of Object.values(value)) {
    const problem = depthProblem(child, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/** Asset attributes: a JSON object (not an array, not null) of at most 16 KiB as JSON text. */
export function attributes(field: string, value: unknown): string {
  if (!isPlainObject(value)) throw badInput(field, 'must be a JSON object');
  const problem = depthProblem(value, 1);
  if (problem) throw badInput(field, problem);
  const text = JSON.stringify(value);
  if (Buffer.byteLength(text, 'utf8') > MAX_ATTRIBUTES_BYTES) throw badInput(field, `must be at most ${MAX_ATTRIBUTES_BYTES} bytes as JSON`);
  return text;
}

export function idempotencyKey(field: string, value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value.length < 1 || value.length > MAX_IDEMPOTENCY_KEY || value.includes('\u0000')) {
    throw badInput(field, `must have 1 to ${MAX_IDEMPOTENCY_KEY} characters`);
  }
  return value;
}

/** A submission id: a UUID (anything else cannot exist). */
export function isSubmissionId(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
