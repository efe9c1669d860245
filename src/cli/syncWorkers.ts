import { Client, Pool } from 'pg';

import type { Logger, Metrics } from '../common';
import type { Config } from '../config';
import type { BlockSource } from '../ledger';
import { createSampleProjector, createSyncMonitor, createSyncWorker, stateProjector, type ChannelPosition, type SyncMonitor, type SyncWorker, type SyncWorkerDeps } from '../sync';

/**
 * The sync worker loops (one per channel) from the settings, shared by `npm run sync -- run` and
 * the `sync`/`all` roles of `serve`. The ledger is imported on use: fabric-common parses the
 * process arguments when it is first imported and would answer `--help` itself, before commander.
 */
export async function createBlockSource(config: Config): Promise<BlockSource> {
  const { createFabricBlockSource, createFabricConnection } = await import('../ledger/index.js');
  return createFabricBlockSource({ connection: createFabricConnection(config.ledger), catchUpIn: config.sync.catchUpThread ? 'thread' : 'main' });
}

export interface SyncWorkersOptions {
  readonly config: Config;
  readonly channels: readonly string[];
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Batches, the lock, integrity stops, lag and indexed height are recorded here. */
  readonly metrics?: Metrics;
  /** Given the lag monitor once it runs (every METRICS_POLL_MS): readiness asks it why not ready. */
  readonly onMonitor?: (monitor: SyncMonitor) => void;
}

/** The worker hooks that feed the metrics. */
function metricHooks(channel: string, metrics: Metrics | undefined): Pick<SyncWorkerDeps, 'onBatch' | 'onLock' | 'onIntegrityStop'> {
  if (!metrics) return {};
  return {
    onBatch: ({ blocks, ms }) => {
      metrics.syncBatchBlocks.observe({ channel }, blocks);
      metrics.syncBatchDuration.observe({ channel }, ms / 1000);
    },
    onLock: (held) => { metrics.syncLeader.set({ channel }, held ? 1 : 0); },
    onIntegrityStop: (code) => { metrics.syncIntegrityStops.inc({ channel, code }); },
  };
}

const POSITIONS = `SELECT c.channel, c.next_block::text AS next_block, b.created_at
  FROM sync_checkpoints c LEFT JOIN blocks b ON b.channel = c.channel AND b.number = c.next_block - 1`;

/** Polls the lag of every channel until stopped; the returned function stops it. */
function startMonitor(options: SyncWorkersOptions, source: BlockSource, workers: readonly SyncWorker[]): () => Promise<void> {
  const { config, log } = options;
  const pool = new Pool({ connectionString: config.databaseUrl, max: 1, application_name: 'ledger-sync-monitor' });
  pool.on('error', () => undefined);
  const monitor = createSyncMonitor({
    channels: options.channels,
    height: (channel) => source.height(channel),
    positions: async () => {
      const rows = await pool.query<{ channel: string; next_block: string; created_at: Date | null }>(POSITIONS);
      return new Map<string, ChannelPosition>(rows.rows.map((r) => [r.channel, { nextBlock: BigInt(r.next_block), newestBlockTime: r.created_at }]));
    },
    status: (channel) => workers.find((w) => w.status().channel === channel)?.status(),
    stallMs: config.sync.stallSeconds * 1000,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  let polling: Promise<unknown> = Promise.resolve();
  const poll = (): void => {
    polling = monitor.poll().catch((error: unknown) => {
      log.warn({ err: error instanceof Error ? error.message : String(error) }, 'sync lag check failed');
    });
  };
  poll();
  const timer = setInterval(poll, config.metricsPollMs);
  timer.unref();
  options.onMonitor?.(monitor);
  return async () => {
    clearInterval(timer);
    await polling;
    await pool.end();
  };
}

/** Runs until `signal` aborts (each worker finishes its batch and releases its lock) or one fails. */
export async function runSyncWorkers(options: SyncWorkersOptions): Promise<void> {
  const { config, log } = options;
  const source = await createBlockSource(config);
  const projectors = [stateProjector, createSampleProjector(config.sync.sampleChaincodes)];
  const controller = new AbortController();
  const stop = (): void => {
    controller.abort();
  };
  options.signal.addEventListener('abort', stop, { once: true });
  const workers = options.channels.map((channel) =>
    createSyncWorker({
      channel,
      connect: async () => {
        const client = new Client({ connectionString: config.databaseUrl, application_name: `ledger-sync:${channel}` });
        await client.connect();
        return client;
      },
      source,
      projectors,
      log,
      maxBatchBlocks: config.sync.maxBatchBlocks,
      deferIndexesFromBlocks: config.sync.deferIndexesFromBlocks,
      lockPollMs: config.sync.lockPollMs,
      ...metricHooks(channel, options.metrics),
    }),
  );
  const stopMonitor = options.metrics || options.onMonitor ? startMonitor(options, source, workers) : undefined;
  try {
    await Promise.all(workers.map((w) => w.run(controller.signal)));
  } finally {
    options.signal.removeEventListener('abort', stop);
    controller.abort();
    await stopMonitor?.();
    source.close();
  }
}
