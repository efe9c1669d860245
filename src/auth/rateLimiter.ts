/**
 * Failed-login limiting, in memory: for each key (a username, a client address), the times of its
 * recent failures. A key is limited once it has `maxFailures` failures within the last `windowMs`,
 * until the oldest of them leaves the window (a sliding window). A successful login clears the
 * username's failures, not the address's.
 *
 * In memory means per process: with N gateway replicas an attacker gets up to N times the budget.
 * The map is bounded (`maxKeys`); when full, the key that failed longest ago is dropped first.
 */
export interface FailureLimiter {
  /** 0 if the key may try now, else how many milliseconds until it may. */
  retryAfterMs(key: string): number;
  recordFailure(key: string): void;
  reset(key: string): void;
  readonly size: number;
}

export interface FailureLimiterOptions {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly maxKeys?: number;
  readonly now?: () => number;
}

export function createFailureLimiter({ maxFailures, windowMs, maxKeys = 100_000, now = Date.now }: FailureLimiterOptions): FailureLimiter {
  // Insertion order = order of the latest failure (a key is re-inserted on every failure).
  const failures = new Map<string, number[]>();

  const recent = (key: string, at: number): number[] => {
    const times = failures.get(key);
    if (!times) return [];
    const kept = times.filter((t) => t > at - windowMs);
    if (kept.length === 0) failures.delete(key);
    else if (kept.length !== times.length) failures.set(key, kept);
    return kept;
  };

  return {
    retryAfterMs(key) {
      const at = now();
      const times = recent(key, at);
      if (times.length < maxFailures) return 0;
      // The failure whose expiry brings the count below the limit.
      const pivot = times[times.length - maxFailures] ?? at;
      return Math.max(1, pivot + windowMs - at);
    },
    recordFailure(key) {
      const at = now();
      const times = recent(key, at);
      times.push(at);
      // Only the latest maxFailures matter for the decision.
      failures.delete(key);
      failures.set(key, times.slice(-maxFailures));
      while (failures.size > maxKeys) {
        const oldest = failures.keys().next().value;
        if (oldest === undefined) break;
        failures.delete(oldest);
      }
    },
    reset(key) {
      failures.delete(key);
    },
    get size() {
      return failures.size;
    },
  };
}
