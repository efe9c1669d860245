import { Client } from 'pg';

import type { Logger } from '../common';
import type { Config } from '../config';
import type { BlockSource } from '../ledger';
import { createSampleProjector, createSyncWorker, stateProjector } from '../sync';

/**
 * The sync worker loops (one per channel) from the settings, shared by `npm run sync -- run` and
 * the `sync`/`all` roles of `serve`. The ledger is imported on use: fabric-common parses the
 * process arguments when it is first imported and would answer `--help` itself, before commander.
 */
export async function createBlockSource(config: Config): Promise<BlockSource> {
  const { createFabricBlockSource, createFabricConnection } = await import('../ledger/index.js');
  return createFabricBlockSource({ connection: createFabricConnection(config.ledger) });
}

/** Runs until `signal` aborts (each worker finishes its batch and releases its lock) or one fails. */
export async function runSyncWorkers(options: { config: Config; channels: readonly string[]; log: Logger; signal: AbortSignal }): Promise<void> {
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
      lockPollMs: config.sync.lockPollMs,
    }),
  );
  try {
    await Promise.all(workers.map((w) => w.run(controller.signal)));
  } finally {
    options.signal.removeEventListener('abort', stop);
    controller.abort();
    source.close();
  }
}
