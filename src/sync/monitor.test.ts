import { createMetrics } from '../common';
import { createSyncMonitor, lagSeconds, stallReason, type ChannelPosition } from './monitor';
import type { SyncStatus } from './syncWorker';

const status = (phase: SyncStatus['phase'], lastError?: string): SyncStatus => ({ channel: 'ch', phase, nextBlock: 5n, lastError, batches: 1, indexesDeferred: false });

describe('lagSeconds', () => {
  it('is 0 when caught up, the newest block age when behind, capped by the last time caught up', () => {
    const now = 1_000_000;
    expect(lagSeconds({ lagBlocks: 0, newestBlockTime: new Date(now - 50_000), caughtUpAt: undefined, now })).toBe(0);
    expect(lagSeconds({ lagBlocks: 3, newestBlockTime: new Date(now - 50_000), caughtUpAt: undefined, now })).toBe(50);
    expect(lagSeconds({ lagBlocks: 1, newestBlockTime: new Date(now - 3_600_000), caughtUpAt: now - 5000, now })).toBe(5);
    expect(lagSeconds({ lagBlocks: 1, newestBlockTime: null, caughtUpAt: undefined, now })).toBe(0);
  });
});

describe('stallReason', () => {
  const lag = { channel: 'ch', height: 10n, nextBlock: 5n, lagBlocks: 5, lagSeconds: 30, movedAt: 0 };
  it('calls a behind checkpoint that has not moved for the bound stalled, and says why', () => {
    expect(stallReason(lag, status('syncing'), 120_000, 121_000)).toMatch(/ch: stalled: 5 blocks behind and the checkpoint \(5\) has not moved for 121 s/);
    expect(stallReason(lag, status('syncing'), 120_000, 60_000)).toBeUndefined();
    expect(stallReason({ ...lag, lagBlocks: 0 }, status('syncing'), 120_000, 500_000)).toBeUndefined();
  });
  it('keeps a standby waiting for the lock ready, and a failed worker not ready', () => {
    expect(stallReason(lag, status('waiting-for-lock'), 120_000, 500_000)).toBeUndefined();
    expect(stallReason(lag, status('failed', 'SYNC_GAP: expected block 5'), 120_000, 0)).toMatch(/stopped: SYNC_GAP/);
  });
});

describe('the sync monitor', () => {
  it('exports the indexed height and the lag, and tracks when the checkpoint moved', async () => {
    let clock = 1_000_000;
    let height = 10n;
    const positions = new Map<string, ChannelPosition>([['ch', { nextBlock: 10n, newestBlockTime: new Date(clock - 1000) }]]);
    const metrics = createMetrics({ role: 'sync', processMetrics: false });
    const monitor = createSyncMonitor({
      channels: ['ch'],
      height: () => Promise.resolve(height),
      positions: () => Promise.resolve(positions),
      status: () => status('syncing'),
      stallMs: 60_000,
      metrics,
      now: () => clock,
    });
    expect(monitor.notReadyReason()).toMatch(/first lag check/);
    await monitor.poll();
    expect(monitor.notReadyReason()).toBeUndefined();
    height = 14n;
    clock += 30_000;
    const [lag] = await monitor.poll();
    expect(lag).toMatchObject({ lagBlocks: 4, lagSeconds: 30, nextBlock: 10n });
    const { body } = await metrics.render();
    expect(body).toContain('ledger_gateway_sync_indexed_height{channel="ch",role="sync"} 10');
    expect(body).toContain('ledger_gateway_sync_lag_blocks{channel="ch",role="sync"} 4');
    clock += 61_000;
    await monitor.poll();
    expect(monitor.notReadyReason()).toMatch(/stalled: 4 blocks behind/);
    positions.set('ch', { nextBlock: 14n, newestBlockTime: new Date(clock) });
    await monitor.poll();
    expect(monitor.notReadyReason()).toBeUndefined();
  });

  it('is not ready while the peers or the checkpoint cannot be read', async () => {
    const monitor = createSyncMonitor({
      channels: ['ch'],
      height: () => Promise.reject(new Error('no peer answered')),
      positions: () => Promise.resolve(new Map()),
      status: () => undefined,
      stallMs: 1000,
    });
    await expect(monitor.poll()).rejects.toThrow('no peer answered');
    expect(monitor.notReadyReason()).toMatch(/cannot read the ledger height or the checkpoint: no peer answered/);
  });
});
