import { describe, expect, it } from '@jest/globals';

import { ChaincodeError, ERROR_CODES, errorCodeOf, invalidArgument, toChaincodeError } from '../errors';

describe('error codes', () => {
  it('are one exported list', () => {
    expect(ERROR_CODES).toEqual(['INVALID_ARGUMENT', 'ASSET_NOT_FOUND', 'ASSET_EXISTS', 'FORBIDDEN', 'INSUFFICIENT_FUNDS', 'UNKNOWN_FUNCTION', 'INTERNAL']);
  });

  it('start every message, followed by ": "', () => {
    const error = new ChaincodeError('ASSET_NOT_FOUND', 'asset a1 does not exist');

    expect(error.message).toBe('ASSET_NOT_FOUND: asset a1 does not exist');
    expect(error).toMatchObject({ code: 'ASSET_NOT_FOUND', detail: 'asset a1 does not exist', name: 'ChaincodeError' });
    expect(invalidArgument('bad').message).toBe('INVALID_ARGUMENT: bad');
  });

  it('INTERNAL stands in for errors without a code', () => {
    const coded = new ChaincodeError('FORBIDDEN', 'no');

    expect(toChaincodeError(coded)).toBe(coded);
    expect(toChaincodeError(new Error('peer went away')).message).toBe('INTERNAL: peer went away');
    expect(toChaincodeError('a thrown string').message).toBe('INTERNAL: a thrown string');
  });
});

describe('errorCodeOf(message)', () => {
  it.each([
    ['ASSET_NOT_FOUND: asset a1 does not exist', 'ASSET_NOT_FOUND'],
    ['chaincode response 500, INSUFFICIENT_FUNDS: Org1MSP/alice holds 0', 'INSUFFICIENT_FUNDS'],
    ['peer=peer0.org1.example.com:7051, status=500, message=FORBIDDEN: only an identity with role=admin may mint', 'FORBIDDEN'],
    ['Expected 3 parameters, but 2 have been supplied', undefined],
    ['NOT_A_CODE: something', undefined],
    ['XINTERNAL: glued to a word', undefined],
  ])('finds the code in %j', (message, code) => {
    expect(errorCodeOf(message)).toBe(code);
  });
});
