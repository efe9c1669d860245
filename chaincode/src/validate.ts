import { invalid } from './errors';

/**
 * Argument checks. Everything is checked before anything is written, so a refused call leaves the
 * world state as it was.
 */
const ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
/** An account or owner: `<MSP ID>/<enrollment ID>`, each part in the id alphabet (plus '@'). */
const ACCOUNT_PATTERN = /^[A-Za-z0-9._:-]{1,64}\/[A-Za-z0-9._:@-]{1,64}$/;
const AMOUNT_PATTERN = /^[1-9][0-9]*$/;
export const MAX_ATTRIBUTES_BYTES = 16 * 1024;
export const MAX_AMOUNT = 2n ** 64n - 1n;

export function checkId(value: unknown, what = 'id'): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw invalid(`${what} must be 1-64 characters of A-Z a-z 0-9 . _ : -`);
  }
  return value;
}

export function checkAccount(value: unknown, what = 'account'): string {
  if (typeof value !== 'string' || !ACCOUNT_PATTERN.test(value)) {
    throw invalid(`${what} must look like <MSP ID>/<enrollment ID>, e.g. Org1MSP/user1`);
  }
  return value;
}

export function checkAmount(value: unknown): bigint {
  if (typeof value !== 'string' || !AMOUNT_PATTERN.test(value)) {
    throw invalid('amount must be a positive integer written in decimal digits');
  }
  const amount = BigInt(value);
  if (amount > MAX_AMOUNT) throw invalid(`amount overflow: at most ${MAX_AMOUNT.toString()}`);
  return amount;
}

export function checkAttributes(value: unknown): Record<string, unknown> {
  if (typeof value !== 'string') throw invalid('attributes must be a JSON object');
  if (Buffer.byteLength(value, 'utf8') > MAX_ATTRIBUTES_BYTES) {
    throw invalid(`attributes must be at most ${MAX_ATTRIBUTES_BYTES} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalid('attributes must be valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('attributes must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
