import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from 'pg';

import { TEST_STATE_DIR } from './testNetwork';

/**
 * The sync worker as a real process (`npm run sync -- run`), so that tests can SIGKILL it the way
 * a crash or an OOM kill would.
 */
const repoRoot = path.resolve(__dirname, '..', '..');

export interface SyncProcess {
  readonly child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startSyncProcess(options: { databaseUrl: string; channels: readonly string[]; maxBatchBlocks?: number }): SyncProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src', 'cli', 'sync.ts'), 'run'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      FABRIC_STATE_DIR: TEST_STATE_DIR,
      SYNC_CHANNELS: options.channels.join(','),
      SYNC_MAX_BATCH_BLOCKS: String(options.maxBatchBlocks ?? 200),
      SYNC_LOCK_POLL_MS: '300',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
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
