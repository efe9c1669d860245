import path from 'node:path';

import { Command } from 'commander';
import { Client } from 'pg';

import { createLogger } from '../common';
import { ConfigError, loadConfig, type Config } from '../config';
import { verifyChannel } from '../sync';
import { createBlockSource, runSyncWorkers } from './syncWorkers';
import { commanderExitCode } from './commanderExit';

/**
 * `npm run sync -- run|verify`: the block-event sync worker (one loop per channel, one active
 * writer per channel across replicas), and the verifier that compares the cache with the ledger.
 */
const repoRoot = path.resolve(__dirname, '..', '..');

async function runWorkers(config: Config, channels: readonly string[]): Promise<void> {
  const log = createLogger({ level: config.logLevel, name: 'sync' });
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'stopping: finishing the batch in flight, then releasing the lock');
      controller.abort();
    });
  }
  await runSyncWorkers({ config, channels, log, signal: controller.signal });
}

async function verify(config: Config, channels: readonly string[]): Promise<boolean> {
  const source = await createBlockSource(config);
  const db = new Client({ connectionString: config.databaseUrl });
  await db.connect();
  let ok = true;
  try {
    for (const channel of channels) {
      const report = await verifyChannel({ db, source, channel });
      const verdict = report.differences.length === 0 ? 'OK' : `${report.differences.length} difference(s)`;
      console.log(
        `${channel}: ${verdict} (ledger height ${report.ledgerHeight}, cache height ${report.cacheHeight}, ${report.blocksChecked} blocks and ${report.keysChecked} keys checked)`,
      );
      for (const difference of report.differences) console.log(`  - ${difference}`);
      ok &&= report.differences.length === 0;
    }
  } finally {
    await db.end();
    source.close();
  }
  return ok;
}

async function main(argv: string[]): Promise<void> {
  const config = loadConfig(process.env, repoRoot);
  const program = new Command('sync').description('Keep the PostgreSQL cache in step with the ledger');
  program.exitOverride();
  const channelsOf = (options: { channel?: string[] }): readonly string[] => options.channel ?? config.sync.channels;
  program
    .command('run')
    .description('index blocks into the cache until stopped (SIGTERM/SIGINT)')
    .option('-C, --channel <name...>', 'channels (default: SYNC_CHANNELS)')
    .action(async (options: { channel?: string[] }) => {
      await runWorkers(config, channelsOf(options));
    });
  program
    .command('verify')
    .description('compare the cache with the ledger; exit 1 listing every difference')
    .option('-C, --channel <name...>', 'channels (default: SYNC_CHANNELS)')
    .action(async (options: { channel?: string[] }) => {
      if (!(await verify(config, channelsOf(options)))) process.exitCode = 1;
    });
  await program.parseAsync(argv);
}

main(process.argv).catch((error: unknown) => {
  const usage = commanderExitCode(error);
  if (usage !== undefined) {
    process.exitCode = usage;
    return;
  }
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
});
