import { createConnectionCounter, tooManySubscriptions } from './wsBounds';

describe('createConnectionCounter', () => {
  it('counts per key up to the bound, and frees a place on release', () => {
    const counter = createConnectionCounter(2);
    expect([counter.acquire('user:a'), counter.acquire('user:a'), counter.acquire('user:a'), counter.acquire('user:b')]).toEqual([true, true, false, true]);
    counter.release('user:a');
    expect([counter.count('user:a'), counter.acquire('user:a'), counter.acquire('user:a')]).toEqual([1, true, false]);
  });

  it('forgets a key whose last connection is released', () => {
    const counter = createConnectionCounter(1);
    counter.acquire('ip:10.0.0.1');
    counter.release('ip:10.0.0.1');
    counter.release('ip:10.0.0.1');
    expect([counter.count('ip:10.0.0.1'), counter.acquire('ip:10.0.0.1')]).toEqual([0, true]);
  });

  it('bounds nothing with max 0', () => {
    const counter = createConnectionCounter(0);
    expect(Array.from({ length: 5 }, () => counter.acquire('k'))).toEqual(Array(5).fill(true));
  });
});

describe('tooManySubscriptions', () => {
  it('is RATE_LIMITED above the bound only', () => {
    expect(tooManySubscriptions(3, 3)).toBeUndefined();
    const error = tooManySubscriptions(4, 3);
    expect([error?.extensions.code, error?.message]).toEqual(['RATE_LIMITED', expect.stringContaining('at most 3')]);
  });
});
