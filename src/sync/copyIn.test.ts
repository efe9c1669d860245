import { copyDataMessage, copyValue } from './copyIn';

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

describe('the CopyData message of a COPY', () => {
  const session = (): object => ({});

  it('is one message: d, a length that counts itself, one line per row', () => {
    const message = copyDataMessage(session(), ['a\tb', 'ünï\t\\N']);
    const body = Buffer.from('a\tb\nünï\t\\N\n', 'utf8');
    expect(message[0]).toBe(0x64);
    expect(message.readUInt32BE(1)).toBe(4 + body.length);
    expect(message.subarray(5)).toEqual(body);
  });

  it('grows past its first buffer and keeps the session buffer for the next COPY', () => {
    const client = session();
    const long = 'x'.repeat(50_000);
    const first = copyDataMessage(client, [long, long, long]);
    expect(first.length).toBe(5 + 3 * 50_001);
    expect(first.subarray(5, 50_006).toString()).toBe(`${long}\n`);
    const second = copyDataMessage(client, ['y']);
    expect(second.buffer).toBe(first.buffer);
    expect(second.subarray(5).toString()).toBe('y\n');
  });

  it('is empty but for its header when there are no rows', () => {
    const message = copyDataMessage(session(), []);
    expect([...message]).toEqual([0x64, 0, 0, 0, 4]);
  });
});
