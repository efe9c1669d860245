import { readFileSync } from 'node:fs';
import path from 'node:path';

import { isAppError } from '../common';
import * as check from './inputs';

/** The gateway restates the chaincode's argument rules; these fail when the two drift apart. */
const chaincodeSource = (file: string): string => readFileSync(path.join(__dirname, '..', '..', 'chaincode', 'src', file), 'utf8');

test('the patterns and limits are the chaincode’s own', () => {
  const validate = chaincodeSource('validate.ts');
  expect(validate).toContain(`export const ID_PATTERN = ${check.ID_PATTERN.toString()};`);
  expect(validate).toContain(`export const OWNER_PATTERN = ${check.OWNER_PATTERN.toString()};`);
  expect(validate).toContain('export const MAX_ATTRIBUTES_BYTES = 16 * 1024;');
  expect(check.MAX_ATTRIBUTES_BYTES).toBe(16 * 1024);
  expect(validate).toContain(`export const MAX_ATTRIBUTES_DEPTH = ${check.MAX_ATTRIBUTES_DEPTH};`);
  expect(chaincodeSource('amount.ts')).toContain('export const MAX_UINT64 = (1n << 64n) - 1n;');
});

test('amounts, owners, attributes', () => {
  expect(check.amount('a', 1n)).toBe('1');
  expect(check.amount('a', check.MAX_UINT64)).toBe('18446744073709551615');
  expect(() => check.amount('a', 0n)).toThrow('a: must be a whole number');
  expect(check.owner('o', 'Org1MSP/User1@org1.example.com')).toBe('Org1MSP/User1@org1.example.com');
  expect(check.attributes('x', { b: 1, a: [true, null] })).toBe('{"b":1,"a":[true,null]}');
  const refusal = ((): unknown => {
    try {
      check.attributes('input.attributes', []);
    } catch (error) {
      return error;
    }
    return undefined;
  })();
  expect(isAppError(refusal, 'BAD_USER_INPUT')).toBe(true);
  expect((refusal as { details: unknown }).details).toEqual({ field: 'input.attributes' });
});
