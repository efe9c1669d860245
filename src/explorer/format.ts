/**
 * Pure helpers for the explorer pages: no DOM, no React, so the root jest project tests them.
 * Block numbers, heights and amounts arrive as decimal strings (the API's BigInt scalar) and stay
 * strings or bigints here: never a float.
 */

const DASH = '—';

/** `0a1b2c…7e8f`: the start and end of a long hex hash; short strings unchanged. */
export function shortHash(hash: string | null | undefined, keep = 8): string {
  if (!hash) return DASH;
  return hash.length <= keep * 2 + 1 ? hash : `${hash.slice(0, keep)}…${hash.slice(-keep)}`;
}

/** A whole number with thousands separators; null and undefined as a dash. */
export function formatCount(value: number | string | bigint | null | undefined): string {
  if (value === null || value === undefined || value === '') return DASH;
  const whole = typeof value === 'string' ? BigInt(value) : value;
  return whole.toLocaleString('en-US');
}

/** An ISO instant as `2026-11-23 14:52:54 UTC` (the same on every screen and in every test). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** How long ago, in the largest unit that fits: `42 s ago`, `3 min ago`, `5 h ago`, `2 d ago`. */
export function formatAge(iso: string | null | undefined, now: number): string {
  if (!iso) return DASH;
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (Number.isNaN(seconds)) return DASH;
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** Seconds of lag as `0 s`, `12.5 s`, `4 min 10 s`. */
export function formatLagSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return DASH;
  if (seconds < 60) return `${Number(seconds.toFixed(1))} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/**
 * The number of the newest block from a height (Fabric's height is the next block number), or
 * null when the channel has no block yet.
 */
export function latestBlockNumber(height: string | null | undefined): string | null {
  if (!height) return null;
  const next = BigInt(height);
  return next > 0n ? String(next - 1n) : null;
}

/**
 * Fabric composite keys hold NUL characters (U+0000) between their parts; shown as `␀` so that a
 * key stays readable and copyable.
 */
export function displayKey(key: string): string {
  return key.split('\u0000').join('␀');
}

/** A written value: pretty-printed when it is JSON, else as it is. */
export function displayValue(value: string | null | undefined): string {
  if (value === null || value === undefined) return DASH;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null ? JSON.stringify(parsed, null, 2) : value;
  } catch {
    return value;
  }
}

export interface SeriesPoint {
  readonly start: string;
  readonly blocks: number;
  readonly transactions: number;
  readonly valid: number;
  readonly invalid: number;
}

/**
 * Every bucket from `from` to `to`, so that the chart shows quiet minutes as zero instead of
 * joining its neighbours: points the API gave are kept, the others are zero. Buckets start on a
 * multiple of `bucketMs` (UTC), as SQL's date_trunc does.
 */
export function fillSeries(points: readonly SeriesPoint[], from: Date, to: Date, bucketMs: number): SeriesPoint[] {
  const byStart = new Map(points.map((point) => [new Date(point.start).getTime(), point]));
  const filled: SeriesPoint[] = [];
  const first = Math.floor(from.getTime() / bucketMs) * bucketMs;
  for (let start = first; start <= to.getTime(); start += bucketMs) {
    filled.push(byStart.get(start) ?? { start: new Date(start).toISOString(), blocks: 0, transactions: 0, valid: 0, invalid: 0 });
  }
  return filled;
}

/** `14:52` for a chart axis (UTC, like every other time on these pages). */
export function formatMinute(iso: string): string {
  return new Date(iso).toISOString().slice(11, 16);
}

export interface PeerHeight {
  readonly name: string;
  readonly channel: string;
  readonly ledgerHeight: string | null;
}

/** Blocks each peer is behind the highest peer of its channel (null when its height is unknown). */
export function peerLag<Peer extends PeerHeight>(peers: readonly Peer[]): Map<Peer, bigint | null> {
  const highest = new Map<string, bigint>();
  for (const peer of peers) {
    if (peer.ledgerHeight === null) continue;
    const height = BigInt(peer.ledgerHeight);
    const top = highest.get(peer.channel);
    if (top === undefined || height > top) highest.set(peer.channel, height);
  }
  const lag = new Map<Peer, bigint | null>();
  for (const peer of peers) {
    const top = highest.get(peer.channel);
    lag.set(peer, peer.ledgerHeight === null || top === undefined ? null : top - BigInt(peer.ledgerHeight));
  }
  return lag;
}

/** Distinct peers that answered at least on one channel. */
export function peersUp(peers: readonly { readonly name: string; readonly reachable: boolean }[]): { up: number; total: number } {
  const names = new Map<string, boolean>();
  for (const peer of peers) names.set(peer.name, (names.get(peer.name) ?? false) || peer.reachable);
  return { up: [...names.values()].filter(Boolean).length, total: names.size };
}
