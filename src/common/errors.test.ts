import { readFileSync } from 'node:fs';
import path from 'node:path';

import { AppError, ErrorCode, isAppError } from './errors';

describe('the error codes', () => {
  const readme = readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');

  it.each(Object.values(ErrorCode))('%s is documented in the README error table', (code) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
  });

  it('are told apart by code', () => {
    const error = new AppError(ErrorCode.TIMEOUT, 'commit wait timed out', { mayCommit: true });
    expect(isAppError(error)).toBe(true);
    expect(isAppError(error, ErrorCode.TIMEOUT)).toBe(true);
    expect(isAppError(error, ErrorCode.CONFLICT)).toBe(false);
    expect(isAppError(new Error('plain'))).toBe(false);
  });
});
