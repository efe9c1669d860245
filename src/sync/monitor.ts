import type { Metrics } from '../common';
import type { SyncStatus } from './syncWorker';

/**
 * How far the cache is behind the ledger, per channel, polled by every sync process (the active
 * writer and the standbys read the same checkpoint and the same peers, so they agree), and whether
 * the active writer is stalled. Pure bookkeeping around two reads: the peers' height and the
 * checkpoint row with the time of its newest indexed block.
 */
export interface ChannelPosition {
  /** The checkpoint: the next block to index (= blocks indexed). */
  readonly nextBlock: bigint;
  /** Time of the newest indexed block's first transaction (null when unknown). */
  readonly newestBlockTime: Date | null;
}

export interface SyncMonitorDeps {
  readonly channels: readonly string[];
  /** The peers' ledger height of a channel (the block source's). */
  readonly height: (channel: string) => Promise<bigint>;
  /** The checkpoint of every channel that has one. */
  readonly positions: () => Promise<ReadonlyMap<string, ChannelPosition>>;
  /** This process's worker of a channel (undefined: none here). */
  readonly status: (channel: string) => SyncStatus | undefined;
  /** Behind, with a checkpoint that has not moved for this long: stalled. */
  readonly stallMs: number;
  readonly metrics?: Pick<Metrics, 'syncIndexedHeight' | 'syncLagBlocks' | 'syncLagSeconds'>;
  readonly now?: () => number;
}

export interface ChannelLag {
  readonly channel: string;
  readonly height: bigint;
  readonly nextBlock: bigint;
  readonly lagBlocks: number;
  readonly lagSeconds: number;
  /** When the checkpoint last moved (or when this process first saw it). */
  readonly movedAt: number;
}

export interface SyncMonitor {
  /** Reads the heights and checkpoints now; updates the gauges. Rejects when either cannot be read. */
  poll(): Promise<readonly ChannelLag[]>;
  /** Why this process is not ready (undefined: ready), from the last poll and the workers' phases. */
  notReadyReason(): string | undefined;
}

/**
 * Lag in seconds: 0 when caught up; otherwise the age of the newest indexed block, but never more
 * than the time since the cache was last seen caught up (a block after a quiet hour is not an
 * hour of lag).
 */
export function lagSeconds(input: { lagBlocks: number; newestBlockTime: Date | null; caughtUpAt: number | undefined; now: number }): number {
  if (input.lagBlocks <= 0) return 0;
  const since = Math.max(input.newestBlockTime?.getTime() ?? 0, input.caughtUpAt ?? 0);
  return since === 0 ? 0 : Math.max(0, (input.now - since) / 1000);
}

/** The reason a channel's worker is not ready, or undefined. A standby waiting for the lock is ready. */
export function stallReason(lag: ChannelLag | undefined, status: SyncStatus | undefined, stallMs: number, now: number): string | undefined {
  if (status?.phase === 'failed') return `${status.channel}: the sync worker stopped: ${status.lastError ?? 'integrity error'}`;
  if (status?.phase === 'waiting-for-lock' || lag === undefined) return undefined;
  if (lag.lagBlocks > 0 && now - lag.movedAt > stallMs) {
    return `${lag.channel}: stalled: ${lag.lagBlocks} blocks behind and the checkpoint (${lag.nextBlock}) has not moved for ${Math.round((now - lag.movedAt) / 1000)} s`;
  }
  return undefined;
}

export function createSyncMonitor(deps: SyncMonitorDeps): SyncMonitor {
  const now = deps.now ?? Date.now;
  const moved = new Map<string, { nextBlock: bigint; at: number }>();
  const caughtUp = new Map<string, number>();
  let last: readonly ChannelLag[] = [];
  let lastError: string | undefined;

  const channelLag = (channel: string, height: bigint, position: ChannelPosition | undefined, at: number): ChannelLag => {
    const nextBlock = position?.nextBlock ?? 0n;
    const previous = moved.get(channel);
    if (previous?.nextBlock !== nextBlock) moved.set(channel, { nextBlock, at });
    const lagBlocks = Number(height > nextBlock ? height - nextBlock : 0n);
    if (lagBlocks === 0) caughtUp.set(channel, at);
    const seconds = lagSeconds({ lagBlocks, newestBlockTime: position?.newestBlockTime ?? null, caughtUpAt: caughtUp.get(channel), now: at });
    return { channel, height, nextBlock, lagBlocks, lagSeconds: seconds, movedAt: moved.get(channel)?.at ?? at };
  };

  return {
    async poll() {
      try {
        const [heights, positions] = await Promise.all([Promise.all(deps.channels.map((c) => deps.height(c))), deps.positions()]);
        const at = now();
        last = deps.channels.map((channel, i) => channelLag(channel, heights[i] ?? 0n, positions.get(channel), at));
        lastError = undefined;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        throw error;
      }
      for (const lag of last) {
        deps.metrics?.syncIndexedHeight.set({ channel: lag.channel }, Number(lag.nextBlock));
        deps.metrics?.syncLagBlocks.set({ channel: lag.channel }, lag.lagBlocks);
        deps.metrics?.syncLagSeconds.set({ channel: lag.channel }, lag.lagSeconds);
      }
      return last;
    },
    notReadyReason() {
      if (lastError !== undefined) return `cannot read the ledger height or the checkpoint: ${lastError}`;
      if (last.length === 0) return 'the first lag check has not finished';
      const reasons = deps.channels.map((channel) => stallReason(last.find((l) => l.channel === channel), deps.status(channel), deps.stallMs, now())).filter((r) => r !== undefined);
      return reasons.length > 0 ? reasons.join('; ') : undefined;
    },
  };
}
