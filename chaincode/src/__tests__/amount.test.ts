import { describe, expect, it } from '@jest/globals';

import { MAX_UINT64, addToBalance, parseAmount, parseStoredBalance } from '../amount';

describe('parseAmount', () => {
  it('reads positive decimal integers up to 2^64-1 exactly', () => {
    expect(parseAmount('amount', '1')).toBe(1n);
    expect(parseAmount('amount', '9007199254740993')).toBe(9007199254740993n); // beyond what a double holds
    expect(parseAmount('amount', '18446744073709551615')).toBe(MAX_UINT64);
  });

  it('says overflow above 2^64-1', () => {
    expect(() => parseAmount('amount', '18446744073709551616')).toThrow('INVALID_ARGUMENT: amount overflow: at most 18446744073709551615');
    expect(() => parseAmount('amount', '1'.repeat(10_000))).toThrow('INVALID_ARGUMENT: amount overflow');
  });

  it.each(['0', '00', '01', '-1', '+1', '1.0', '1e3', '0x10', ' 1', '1 ', '１', ''])('refuses %j', (amount) => {
    expect(() => parseAmount('amount', amount)).toThrow('INVALID_ARGUMENT: amount must be a positive integer');
  });

  it('refuses non-strings', () => {
    expect(() => parseAmount('amount', 5)).toThrow('INVALID_ARGUMENT: amount must be a positive integer');
  });
});

describe('addToBalance', () => {
  it('adds, up to 2^64-1', () => {
    expect(addToBalance('Org1MSP/a', 1n, 2n)).toBe(3n);
    expect(addToBalance('Org1MSP/a', MAX_UINT64 - 1n, 1n)).toBe(MAX_UINT64);
  });

  it('says overflow beyond', () => {
    expect(() => addToBalance('Org1MSP/a', MAX_UINT64, 1n)).toThrow('INVALID_ARGUMENT: balance overflow: Org1MSP/a would hold more than 18446744073709551615');
  });
});

describe('parseStoredBalance', () => {
  it('reads 0 and positive balances', () => {
    expect(parseStoredBalance('k', '0')).toBe(0n);
    expect(parseStoredBalance('k', '18446744073709551615')).toBe(MAX_UINT64);
  });

  it.each(['-1', '01', '', '18446744073709551616', 5, null])('calls %j corrupt state: INTERNAL', (value) => {
    expect(() => parseStoredBalance('balance:x/y', value)).toThrow('INTERNAL: state under balance:x/y holds no valid balance');
  });
});
