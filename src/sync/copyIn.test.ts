import { copyValue } from './copyIn';

describe('COPY text values', () => {
  it('escapes what COPY gives a meaning to', () => {
    expect(copyValue('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyValue('plain')).toBe('plain');
    expect(copyValue(null)).toBe('\\N');
    expect(copyValue(undefined)).toBe('\\N');
    expect(copyValue('\\N')).toBe('\\\\N');
  });

  it('writes numbers, booleans, times and JSON in PostgreSQL input syntax', () => {
    expect(copyValue(12345678901234567890n)).toBe('12345678901234567890');
    expect(copyValue(7)).toBe('7');
    expect(copyValue(true)).toBe('t');
    expect(copyValue(false)).toBe('f');
    expect(copyValue(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05.678Z');
    expect(copyValue({ json: { a: 'x\ty' } })).toBe('{"a":"x\\\\ty"}');
    expect(copyValue({ json: undefined })).toBe('\\N');
  });

  it('sends printable ASCII bytes as they are and anything else as hex', () => {
    expect(copyValue(Buffer.from('{"id":"a1"} ~'))).toBe('{"id":"a1"} ~');
    expect(copyValue(Buffer.from('back\\slash'))).toBe(`\\\\x${Buffer.from('back\\slash').toString('hex')}`);
    expect(copyValue(Buffer.from([0, 255]))).toBe('\\\\x00ff');
    expect(copyValue(Buffer.from('ünï'))).toBe(`\\\\x${Buffer.from('ünï').toString('hex')}`);
    expect(copyValue(Buffer.alloc(0))).toBe('');
  });
});
