import { addCounts, distribution, judgeGrowth, leastSquares, median, soakVerdict, TEN_MINUTES_MS, type Sample } from './soakStats';

const T0 = Date.UTC(2026, 10, 23, 18, 0, 0);

/** A sample every 5 s for `minutes`, value = f(ms since T0). */
function series(minutes: number, f: (ms: number) => number): Sample[] {
  return Array.from({ length: (minutes * 60) / 5 + 1 }, (_, i) => ({ at: T0 + i * 5000, value: f(i * 5000) }));
}

describe('leastSquares', () => {
  it('recovers the slope and intercept of a line at epoch-scale times', () => {
    // 3 MiB per 10 min from 200 MiB: the centring keeps the precision at 1.8e12 ms.
    const fit = leastSquares(series(30, (ms) => 200 + (3 * ms) / TEN_MINUTES_MS));
    expect(fit?.slope).toBeCloseTo(3 / TEN_MINUTES_MS, 15);
    expect(fit && fit.intercept + fit.slope * T0).toBeCloseTo(200, 6);
  });

  it('has no line for one sample or for samples all at one time', () => {
    expect(leastSquares([{ at: T0, value: 1 }])).toBeUndefined();
    expect(
      leastSquares([
        { at: T0, value: 1 },
        { at: T0, value: 2 },
      ]),
    ).toBeUndefined();
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('judgeGrowth', () => {
  const options = { from: T0 + 5 * 60_000, thresholdMiBPer10Min: 10 };

  it('calls a sawtooth around a level flat, whatever the warm-up did before', () => {
    // Ramp from 100 to 400 MiB during the 5 min warm-up, then GC sawtooth of +-40 MiB around 400.
    const g = judgeGrowth('gateway', series(30, (ms) => (ms < 300_000 ? 100 + ms / 1000 : 400 + ((ms / 5000) % 4) * 20 - 30)), options);
    expect(g.samples).toBe(301);
    expect(g.flat).toBe(true);
    expect(Math.abs(g.trendMiBPer10Min ?? Infinity)).toBeLessThan(1);
    expect(g.startMiB).toBeGreaterThan(360);
    expect(g.endMiB).toBeLessThan(440);
  });

  it('calls a steady climb above the threshold growth, with start and end from the first and last minute', () => {
    const g = judgeGrowth('sync', series(30, (ms) => 150 + (12 * ms) / TEN_MINUTES_MS), options);
    expect(g.trendMiBPer10Min).toBeCloseTo(12, 6);
    expect(g.flat).toBe(false);
    // Medians of the first and last minute after the warm-up: 150 + 6 + 0.6 and 150 + 36 - 0.6.
    expect(g.startMiB).toBeCloseTo(156.6, 6);
    expect(g.endMiB).toBeCloseTo(185.4, 6);
  });

  it('is not flat without enough samples after the warm-up', () => {
    const g = judgeGrowth('submitter', series(5.1, () => 100), options);
    expect(g.samples).toBe(2);
    expect(g.trendMiBPer10Min).toBeUndefined();
    expect(g.flat).toBe(false);
  });

  it('treats the threshold itself as growth', () => {
    expect(judgeGrowth('peer', series(30, (ms) => 100 + (10 * ms) / TEN_MINUTES_MS), options).flat).toBe(false);
    expect(judgeGrowth('peer', series(30, (ms) => 100 + (9.9 * ms) / TEN_MINUTES_MS), options).flat).toBe(true);
  });
});

describe('distribution', () => {
  it('gives nearest-rank p50 and p99 and the maximum', () => {
    const d = distribution(Array.from({ length: 200 }, (_, i) => 200 - i));
    expect(d).toEqual({ count: 200, p50: 101, p99: 199, max: 200 });
  });

  it('is NaN for no values', () => {
    const d = distribution([]);
    expect(d.count).toBe(0);
    expect(d.p99).toBeNaN();
    expect(d.max).toBeNaN();
  });
});

describe('soakVerdict', () => {
  const flat = judgeGrowth('gateway', series(10, () => 300), { from: T0, thresholdMiBPer10Min: 10 });
  const growing = judgeGrowth('peer0', series(10, (ms) => 300 + (20 * ms) / TEN_MINUTES_MS), { from: T0, thresholdMiBPer10Min: 10 });

  it('passes a clean run', () => {
    expect(soakVerdict({ growth: [flat], errorsByCode: {}, invariantViolations: [], exited: [] })).toEqual({ pass: true, reasons: [] });
  });

  it('names what grew: a live heap is judged like RSS, with its own threshold', () => {
    const heap = judgeGrowth('sync', series(10, (ms) => 40 + (3 * ms) / TEN_MINUTES_MS), { from: T0, thresholdMiBPer10Min: 2, measure: 'live heap' });
    expect(heap.flat).toBe(false);
    expect(soakVerdict({ growth: [heap], errorsByCode: {}, invariantViolations: [], exited: [] }).reasons).toEqual(['sync: live heap grows 3.0 MiB per 10 min (threshold 2)']);
  });

  it('fails on errors, invariant violations, a lost process and growth, and says which', () => {
    const v = soakVerdict({ growth: [flat, growing], errorsByCode: addCounts({ TIMEOUT: 1 }, { TIMEOUT: 2, network: 1 }), invariantViolations: ['sync verify exited 1'], exited: ['sync (SIGKILL)'] });
    expect(v.pass).toBe(false);
    expect(v.reasons).toEqual(['4 errors: TIMEOUT 3, network 1', 'invariant: sync verify exited 1', 'process gone: sync (SIGKILL)', 'peer0: RSS grows 20.0 MiB per 10 min (threshold 10)']);
  });
});
