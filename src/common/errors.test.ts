import { readFileSync } from 'node:fs';
import path from 'node:path';

import { AppError, ErrorCode, HTTP_STATUS, isAppError, isErrorCode } from './errors';

describe('the error codes', () => {
  const readme = readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');

  it.each(Object.values(ErrorCode))('%s is documented in the README error table', (code) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
  });

  it.each(Object.values(ErrorCode))('%s has the same HTTP status in the README as in HTTP_STATUS', (code) => {
    const row = new RegExp(`^\\| \`${code}\` \\| (\\d{3}) \\|`, 'm').exec(readme);
    expect(Number(row?.[1])).toBe(HTTP_STATUS[code]);
  });

  it('recognises exactly the listed codes', () => {
    expect(isErrorCode('UNAUTHENTICATED')).toBe(true);
    expect(isErrorCode('INTERNAL_SERVER_ERROR')).toBe(true);
    expect(isErrorCode('SOMETHING_ELSE')).toBe(false);
    expect(isErrorCode(undefined)).toBe(false);
  });

  it('are told apart by code', () => {
    const error = new AppError(ErrorCode.TIMEOUT, 'commit wait timed out', { mayCommit: true });
    expect(isAppError(error)).toBe(true);
    expect(isAppError(error, ErrorCode.TIMEOUT)).toBe(true);
    expect(isAppError(error, ErrorCode.CONFLICT)).toBe(false);
    expect(isAppError(new Error('plain'))).toBe(false);
  });
});
