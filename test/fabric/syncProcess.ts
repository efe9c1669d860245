import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from 'pg';

import { startCliProcess, type CliProcess } from './cliProcess';

/** The sync worker (`npm run sync -- run`) as a real process. */
export type SyncProcess = CliProcess;

export function startSyncProcess(options: { databaseUrl: string; channels: readonly string[]; maxBatchBlocks?: number; catchUpThread?: boolean }): SyncProcess {
  return startCliProcess('sync', ['run'], {
    DATABASE_URL: options.databaseUrl,
    SYNC_CHANNELS: options.channels.join(','),
    SYNC_MAX_BATCH_BLOCKS: String(options.maxBatchBlocks ?? 200),
    SYNC_LOCK_POLL_MS: '300',
    SYNC_CATCH_UP_THREAD: String(options.catchUpThread ?? false),
  });
}

export async function cacheHeight(databaseUrl: string, channel: string): Promise<bigint> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const result = await db.query<{ next_block: string }>('SELECT next_block::text FROM sync_checkpoints WHERE channel = $1', [channel]);
    return BigInt(result.rows[0]?.next_block ?? '0');
  } finally {
    await db.end();
  }
}

export async function waitForHeight(databaseUrl: string, channel: string, height: bigint, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await cacheHeight(databaseUrl, channel).catch(() => 0n);
    if (current >= height) return;
    if (Date.now() > deadline) throw new Error(`the cache of ${channel} reached ${current}, not ${height}, within ${timeoutMs} ms`);
    await sleep(200);
  }
}
