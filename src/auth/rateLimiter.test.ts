import { createFailureLimiter } from './rateLimiter';

describe('failed-login limiter', () => {
  let clock = 0;
  const now = (): number => clock;
  beforeEach(() => {
    clock = 1_000_000;
  });

  test('allows maxFailures failures in the window, then limits until the oldest leaves it', () => {
    const limiter = createFailureLimiter({ maxFailures: 3, windowMs: 60_000, now });
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterMs('user:alice')).toBe(0);
      limiter.recordFailure('user:alice');
      clock += 1_000;
    }
    // Failures at 0 s, 1 s, 2 s; now 3 s: the first leaves the window at 60 s.
    expect(limiter.retryAfterMs('user:alice')).toBe(57_000);
    clock += 56_999;
    expect(limiter.retryAfterMs('user:alice')).toBe(1);
    clock += 1;
    expect(limiter.retryAfterMs('user:alice')).toBe(0);
  });

  test('keys are independent, and reset clears one key', () => {
    const limiter = createFailureLimiter({ maxFailures: 2, windowMs: 60_000, now });
    limiter.recordFailure('user:alice');
    limiter.recordFailure('user:alice');
    expect(limiter.retryAfterMs('user:alice')).toBeGreaterThan(0);
    expect(limiter.retryAfterMs('user:bob')).toBe(0);
    limiter.reset('user:alice');
    expect(limiter.retryAfterMs('user:alice')).toBe(0);
  });

  test('failures older than the window are forgotten', () => {
    const limiter = createFailureLimiter({ maxFailures: 2, windowMs: 10_000, now });
    limiter.recordFailure('k');
    clock += 10_001;
    limiter.recordFailure('k');
    expect(limiter.retryAfterMs('k')).toBe(0);
    clock += 10_001;
    expect(limiter.retryAfterMs('k')).toBe(0);
    expect(limiter.size).toBe(0);
  });

  test('memory is bounded: the key that failed longest ago is dropped first', () => {
    const limiter = createFailureLimiter({ maxFailures: 1, windowMs: 60_000, maxKeys: 3, now });
    for (const key of ['a', 'b', 'c']) limiter.recordFailure(key);
    limiter.recordFailure('a'); // a is now the most recent
    limiter.recordFailure('d');
    expect(limiter.size).toBe(3);
    expect(limiter.retryAfterMs('b')).toBe(0);
    expect(limiter.retryAfterMs('a')).toBeGreaterThan(0);
    expect(limiter.retryAfterMs('d')).toBeGreaterThan(0);
  });
});
