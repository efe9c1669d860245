import { InvalidArgumentError } from 'commander';

/** Shared by the benchmarks: option parsing, timestamped progress lines, percentiles. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number, 0 or more');
  return n;
}

export function log(message: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** The q-quantile (0..1) of an ascending list. */
export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** One timed round: how long it ran and the latency (ms) of each operation completed in it. */
export interface TimedRound {
  readonly seconds: number;
  readonly latencies: readonly number[];
}

/** Operations per second and latency percentiles over rounds, each latency one completed operation. */
export function summarise(rounds: readonly TimedRound[]): { count: number; perSecond: number; p50: number; p99: number } {
  const all = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  return { count: all.length, perSecond: all.length / seconds, p50: percentile(all, 0.5), p99: percentile(all, 0.99) };
}
