import { displayKey, displayValue, fillSeries, formatAge, formatCount, formatLagSeconds, formatTime, latestBlockNumber, peerLag, peersUp, shortHash } from './format';

describe('explorer formatting', () => {
  it('shortens long hashes and keeps short ones', () => {
    expect(shortHash('0123456789abcdef0123456789abcdef')).toBe('01234567…89abcdef');
    expect(shortHash('abc')).toBe('abc');
    expect(shortHash(null)).toBe('—');
  });

  it('formats counts from numbers and BigInt strings without rounding', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount('90071992547409931')).toBe('90,071,992,547,409,931');
    expect(formatCount(null)).toBe('—');
  });

  it('formats instants in UTC and ages in the largest unit', () => {
    expect(formatTime('2026-11-23T14:52:54.123Z')).toBe('2026-11-23 14:52:54 UTC');
    const now = Date.parse('2026-11-23T15:00:00Z');
    expect(formatAge('2026-11-23T14:59:18Z', now)).toBe('42 s ago');
    expect(formatAge('2026-11-23T14:57:00Z', now)).toBe('3 min ago');
    expect(formatAge('2026-11-23T10:00:00Z', now)).toBe('5 h ago');
    expect(formatAge('2026-11-21T15:00:00Z', now)).toBe('2 d ago');
    expect(formatLagSeconds(12.54)).toBe('12.5 s');
    expect(formatLagSeconds(250)).toBe('4 min 10 s');
  });

  it('turns a height into the newest block number', () => {
    expect(latestBlockNumber('12')).toBe('11');
    expect(latestBlockNumber('0')).toBeNull();
    expect(latestBlockNumber(null)).toBeNull();
  });

  it('shows composite keys and JSON values readably', () => {
    expect(displayKey('\u0000asset\u0000a1\u0000')).toBe('␀asset␀a1␀');
    expect(displayValue('{"id":"a1","size":3}')).toBe('{\n  "id": "a1",\n  "size": 3\n}');
    expect(displayValue('plain')).toBe('plain');
    expect(displayValue('42')).toBe('42');
    expect(displayValue(null)).toBe('—');
  });

  it('fills quiet buckets with zeros and keeps the points the API gave', () => {
    const filled = fillSeries(
      [{ start: '2026-11-23T14:01:00.000Z', blocks: 2, transactions: 5, valid: 4, invalid: 1 }],
      new Date('2026-11-23T14:00:30Z'),
      new Date('2026-11-23T14:02:10Z'),
      60_000,
    );
    expect(filled.map((point) => [point.start, point.transactions])).toEqual([
      ['2026-11-23T14:00:00.000Z', 0],
      ['2026-11-23T14:01:00.000Z', 5],
      ['2026-11-23T14:02:00.000Z', 0],
    ]);
  });

  it('measures each peer against the highest peer of its channel', () => {
    const a = { name: 'peer0', channel: 'c1', ledgerHeight: '10' };
    const b = { name: 'peer1', channel: 'c1', ledgerHeight: '7' };
    const c = { name: 'peer0', channel: 'c2', ledgerHeight: '3' };
    const d = { name: 'peer2', channel: 'c1', ledgerHeight: null };
    const lag = peerLag([a, b, c, d]);
    expect([lag.get(a), lag.get(b), lag.get(c), lag.get(d)]).toEqual([0n, 3n, 0n, null]);
  });

  it('counts a peer up when it answered on any channel', () => {
    expect(peersUp([
      { name: 'p0', reachable: true },
      { name: 'p0', reachable: false },
      { name: 'p1', reachable: false },
    ])).toEqual({ up: 1, total: 2 });
  });
});
