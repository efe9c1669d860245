import { ChaincodeError, invalidArgument } from './errors';

/**
 * Token amounts and balances are unsigned 64-bit integers carried as decimal strings: JSON numbers
 * lose precision above 2^53, and BigInt arithmetic is exact and the same on every peer.
 */
export const MAX_UINT64 = (1n << 64n) - 1n;

const AMOUNT_PATTERN = /^[1-9][0-9]*$/;
const STORED_BALANCE_PATTERN = /^(0|[1-9][0-9]*)$/;
const MAX_UINT64_DIGITS = MAX_UINT64.toString().length;

/** A positive amount argument: digits only, no sign, no leading zero, at most 2^64-1. */
export function parseAmount(name: string, value: unknown): bigint {
  if (typeof value !== 'string' || !AMOUNT_PATTERN.test(value)) {
    throw invalidArgument(`${name} must be a positive integer in decimal digits, without sign or leading zeros`);
  }
  // The length test first, so an absurdly long argument is refused without converting it.
  if (value.length > MAX_UINT64_DIGITS || BigInt(value) > MAX_UINT64) {
    throw invalidArgument(`${name} overflow: at most ${MAX_UINT64.toString()}`);
  }
  return BigInt(value);
}

/** balance + amount, refused when the result would not fit in 64 bits. */
export function addToBalance(account: string, balance: bigint, amount: bigint): bigint {
  const sum = balance + amount;
  if (sum > MAX_UINT64) {
    throw invalidArgument(`balance overflow: ${account} would hold more than ${MAX_UINT64.toString()}`);
  }
  return sum;
}

/** A balance as stored in a record; a bad one means the state was written by something else. */
export function parseStoredBalance(key: string, value: unknown): bigint {
  if (typeof value !== 'string' || !STORED_BALANCE_PATTERN.test(value) || value.length > MAX_UINT64_DIGITS || BigInt(value) > MAX_UINT64) {
    throw new ChaincodeError('INTERNAL', `state under ${key} holds no valid balance`);
  }
  return BigInt(value);
}
