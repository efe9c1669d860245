/**
 * The arithmetic of the soak run (`npm run soak`, bench/soak.ts): memory trends fitted by least
 * squares, a flat/growing judgement against a stated threshold, latency distributions, and the
 * run's verdict. Pure functions of the samples, kept here rather than in bench/ so that the unit
 * project runs their tests with every `npm test` (bench/ has no test project); nothing in the
 * gateway's processes uses them.
 */

/** One reading of a time series: when (ms since the epoch) and the value (MiB for memory). */
export interface Sample {
  readonly at: number;
  readonly value: number;
}

export const TEN_MINUTES_MS = 600_000;

/** The least-squares line through the samples: value per ms and the value at t = 0; undefined for fewer than 2 distinct times. */
export function leastSquares(samples: readonly Sample[]): { slope: number; intercept: number } | undefined {
  const n = samples.length;
  if (n < 2) return undefined;
  // Centre the times first: epoch milliseconds squared lose the precision the slope needs.
  const meanAt = samples.reduce((s, p) => s + p.at, 0) / n;
  const meanValue = samples.reduce((s, p) => s + p.value, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const p of samples) {
    covariance += (p.at - meanAt) * (p.value - meanValue);
    variance += (p.at - meanAt) ** 2;
  }
  if (variance === 0) return undefined;
  const slope = covariance / variance;
  return { slope, intercept: meanValue - slope * meanAt };
}

/** The median of the values (NaN for none). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export interface GrowthOptions {
  /** The end of the warm-up: samples before it are left out of everything. */
  readonly from: number;
  /** A trend at or above this (MiB per 10 min) is growth, below it flat. */
  readonly thresholdMiBPer10Min: number;
  /** Start and end are the medians of the samples in the first and the last window (default 60 s): one GC cycle does not decide them. */
  readonly windowMs?: number;
  /** Fewer samples after the warm-up than this and no trend is fitted (default 5). */
  readonly minSamples?: number;
  /** What the series measures, for the verdict's reasons (default `RSS`). */
  readonly measure?: string;
}

export interface Growth {
  readonly name: string;
  /** What was measured: `RSS`, or a Node process's live heap after a full collection. */
  readonly measure: string;
  /** Samples after the warm-up. */
  readonly samples: number;
  readonly startMiB: number;
  readonly endMiB: number;
  /** The least-squares slope over the samples after the warm-up, in MiB per 10 minutes; undefined with too few samples. */
  readonly trendMiBPer10Min: number | undefined;
  readonly thresholdMiBPer10Min: number;
  /** The trend is below the threshold. A series without a trend is not flat: it proves nothing. */
  readonly flat: boolean;
}

/** One process's memory over the run after the warm-up: start, end, fitted trend and the judgement. */
export function judgeGrowth(name: string, series: readonly Sample[], options: GrowthOptions): Growth {
  const after = series.filter((s) => s.at >= options.from).sort((a, b) => a.at - b.at);
  const windowMs = options.windowMs ?? 60_000;
  const first = after[0]?.at ?? 0;
  const last = after[after.length - 1]?.at ?? 0;
  const startMiB = median(after.filter((s) => s.at <= first + windowMs).map((s) => s.value));
  const endMiB = median(after.filter((s) => s.at >= last - windowMs).map((s) => s.value));
  const fit = after.length >= (options.minSamples ?? 5) ? leastSquares(after) : undefined;
  const trendMiBPer10Min = fit ? fit.slope * TEN_MINUTES_MS : undefined;
  return {
    name,
    measure: options.measure ?? 'RSS',
    samples: after.length,
    startMiB,
    endMiB,
    trendMiBPer10Min,
    thresholdMiBPer10Min: options.thresholdMiBPer10Min,
    flat: trendMiBPer10Min !== undefined && trendMiBPer10Min < options.thresholdMiBPer10Min,
  };
}

export interface Distribution {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank p50, p99 and the maximum (NaN for an empty list), as bench/common's percentile. */
export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

/** Counts by key added together (errors by code from several sources). */
export function addCounts(...counts: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const c of counts) for (const [key, n] of Object.entries(c)) total[key] = (total[key] ?? 0) + n;
  return total;
}

export interface VerdictInput {
  readonly growth: readonly Growth[];
  readonly errorsByCode: Readonly<Record<string, number>>;
  readonly invariantViolations: readonly string[];
  /** Processes that were gone before the end (name and how they ended). */
  readonly exited: readonly string[];
}

/** Pass only with no error, no invariant violation, no process lost, and every memory trend flat; else the reasons. */
export function soakVerdict(input: VerdictInput): { pass: boolean; reasons: string[] } {
  const reasons: string[] = [];
  const errors = Object.values(input.errorsByCode).reduce((s, n) => s + n, 0);
  if (errors > 0) reasons.push(`${errors} errors: ${Object.entries(input.errorsByCode).map(([code, n]) => `${code} ${n}`).join(', ')}`);
  for (const v of input.invariantViolations) reasons.push(`invariant: ${v}`);
  for (const e of input.exited) reasons.push(`process gone: ${e}`);
  for (const g of input.growth.filter((x) => !x.flat)) {
    reasons.push(
      g.trendMiBPer10Min === undefined
        ? `${g.name}: too few samples after the warm-up (${g.samples}) for a trend`
        : `${g.name}: ${g.measure} grows ${g.trendMiBPer10Min.toFixed(1)} MiB per 10 min (threshold ${g.thresholdMiBPer10Min})`,
    );
  }
  return { pass: reasons.length === 0, reasons };
}
