import { createPeerSelector } from './peerSelector';

describe('peer selector', () => {
  let clock = 0;
  const now = (): number => clock;
  beforeEach(() => {
    clock = 1_000_000;
  });

  test('round-robin over the group\'s peers, every one tried in each order', () => {
    const s = createPeerSelector({ initialMs: 1000, maxMs: 8000 }, now);
    const peers = ['p1', 'p0'];
    expect([s.order('g', peers), s.order('g', peers), s.order('g', peers)]).toEqual([
      ['p0', 'p1'],
      ['p1', 'p0'],
      ['p0', 'p1'],
    ]);
    // Groups (channel/organisation) have their own cursor.
    expect(s.order('other', ['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(s.order('other', ['a', 'b', 'c'])).toEqual(['b', 'c', 'a']);
  });

  test('a failed peer is skipped for its back-off, kept as a last resort, and back afterwards', () => {
    const s = createPeerSelector({ initialMs: 1000, maxMs: 8000 }, now);
    s.markFailed('p0');
    expect(s.order('g', ['p0', 'p1'])).toEqual(['p1', 'p0']);
    expect(s.order('g', ['p0', 'p1'])).toEqual(['p1', 'p0']);
    expect(s.health()).toEqual([{ peer: 'p0', healthy: false, downUntil: clock + 1000, failures: 1 }]);
    clock += 1000;
    expect(s.order('g', ['p0', 'p1'])).toEqual(['p0', 'p1']);
  });

  test('the back-off doubles with consecutive failures up to the cap, and resets on success', () => {
    const s = createPeerSelector({ initialMs: 1000, maxMs: 5000 }, now);
    const downFor = (): number => (s.health()[0]?.downUntil ?? clock) - clock;
    s.markFailed('p0');
    expect(downFor()).toBe(1000);
    s.markFailed('p0');
    expect(downFor()).toBe(2000);
    s.markFailed('p0');
    expect(downFor()).toBe(4000);
    s.markFailed('p0');
    expect(downFor()).toBe(5000);
    s.markSucceeded('p0');
    expect(s.health()).toEqual([]);
    s.markFailed('p0');
    expect(downFor()).toBe(1000);
  });

  test('when all are down, the one back soonest comes first', () => {
    const s = createPeerSelector({ initialMs: 1000, maxMs: 8000 }, now);
    s.markFailed('p1');
    s.markFailed('p1');
    s.markFailed('p0');
    expect(s.order('g', ['p0', 'p1'])).toEqual(['p0', 'p1']);
    expect(s.order('g', [])).toEqual([]);
  });
});
