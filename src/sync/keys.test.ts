import { ledgerKey, storedKey } from './keys';

describe('keys stored in PostgreSQL text', () => {
  it.each([
    ['asset:a1', 'asset:a1'],
    ['\u0000owner~asset\u0000alice\u0000a1\u0000', '\\0owner~asset\\0alice\\0a1\\0'],
    ['C:\\path', 'C:\\\\path'],
    ['\\0 is not NUL', '\\\\0 is not NUL'],
  ])('%j is stored as %j and read back unchanged', (key, stored) => {
    expect(storedKey(key)).toBe(stored);
    expect(storedKey(key)).not.toContain('\u0000');
    expect(ledgerKey(storedKey(key))).toBe(key);
  });
});
