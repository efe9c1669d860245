import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { Command, Option } from 'commander';
import { Client } from 'pg';

import { createFabricBlockSource, type BlockSource } from '../src/ledger';
import type { LocalNetwork } from '../src/localnet';
import { DEFER_INDEXES_FROM_BLOCKS, deferredIndexes, INDEXED_NOTIFY_CHANNEL, type IndexedNotice } from '../src/sync';
import { createIsolatedDatabase } from '../test/db/isolatedDatabase';
import { connectClient } from '../test/fabric/ledgerClient';
import { log, nonNegativeInt, percentile, positiveInt } from './common';
import { benchConnection, BENCH_CHAINCODE as CHAINCODE, BENCH_CHANNEL as CHANNEL, startBenchNetwork, waitUntilEndorsable } from './network';
import { catchUpInProcess, profiled, readAll, summary } from './syncPhases';

/**
 * `npm run bench:sync`: how fast the cache catches up from block 0, against the ceiling of merely
 * reading the same blocks from the peer (same run, same process); the worker's peak memory during
 * catch-up as a separate process; and the live lag from a block's commit to "indexed" under a
 * steady load. Runs its own network (.fabric-bench/, ports 30000+) and keeps its ledger between
 * runs, so only the first run pays for building 50,000 transactions.
 */
const repoRoot = path.resolve(__dirname, '..');
const stateDir = path.join(repoRoot, '.fabric-bench');

/** The Fabric nodes' processes, whose CPU each phase reports. */
async function fabricPids(network: LocalNetwork): Promise<number[]> {
  return (await network.status()).flatMap((node) => (node.pid === undefined ? [] : [node.pid]));
}

/** Where catch-up reads run (createFabricBlockSource's `catchUpIn`, the worker's SYNC_CATCH_UP_THREAD). */
type CatchUpIn = 'thread' | 'main';

function sourceFor(network: LocalNetwork, catchUpIn: CatchUpIn): BlockSource {
  return createFabricBlockSource({ catchUpIn, connection: benchConnection(network.topology.stateDir) });
}

async function buildLedger(network: LocalNetwork, source: BlockSource, wanted: number): Promise<void> {
  const have = await readAll(source, await source.height(CHANNEL), await fabricPids(network));
  if (have.transactions >= wanted) {
    log(`ledger already holds ${have.transactions} transactions`);
    return;
  }
  const missing = wanted - have.transactions;
  log(`submitting ${missing} transactions (once; the ledger is kept in ${stateDir})`);
  const run = Date.now().toString(36);
  await waitUntilEndorsable(network, `bench-${run}-probe`);
  const client = await connectClient(network, 'org1', { channel: CHANNEL });
  const assets = client.contract(CHAINCODE, 'assets');
  let issued = 0;
  let done = 0;
  let failed = 0;
  const started = performance.now();
  // 64 closed loops saturate a 2-core machine, where a commit wait now and then times out: such a
  // transaction is counted and not retried (it may have committed; the ledger is what is
  // measured), and the build stops only if more than 1 % fail.
  const lane = async (): Promise<void> => {
    while (issued < missing) {
      const i = issued++;
      try {
        await assets.submitTransaction('CreateAsset', `bench-${run}-${i}`, i % 3 ? 'crate' : 'pallet', JSON.stringify({ i }));
      } catch (error) {
        failed++;
        if (failed > missing / 100) throw error;
        continue;
      }
      done++;
      if (done % 2000 === 0) log(`  ${done}/${missing} (${(done / ((performance.now() - started) / 1000)).toFixed(0)} tx/s, ${failed} failed)`);
    }
  };
  await Promise.all(Array.from({ length: 64 }, lane));
  client.close();
  if (failed > 0) log(`  ${failed} of ${missing} submissions failed (not retried)`);
}

function rssKiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function checkpoint(db: Client): Promise<bigint> {
  const r = await db.query<{ next_block: string }>('SELECT next_block::text FROM sync_checkpoints WHERE channel = $1', [CHANNEL]);
  return BigInt(r.rows[0]?.next_block ?? '0');
}

/** The worker as its own process (as deployed), sampling its memory at each tenth of the catch-up. */
async function catchUpAsProcess(height: bigint, options: { lagSeconds: number; rate: number; deferIndexesFromBlocks: number; catchUpIn: CatchUpIn }, network: LocalNetwork, source: BlockSource): Promise<void> {
  const database = await createIsolatedDatabase('bench_sync');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src', 'cli', 'sync.ts'), 'run'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      FABRIC_STATE_DIR: stateDir,
      SYNC_CHANNELS: CHANNEL,
      SYNC_DEFER_INDEXES_FROM_BLOCKS: String(options.deferIndexesFromBlocks),
      SYNC_CATCH_UP_THREAD: String(options.catchUpIn === 'thread'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const db = new Client({ connectionString: database.url });
  await db.connect();
  try {
    const pid = child.pid ?? 0;
    let peak = 0;
    const samples: string[] = [];
    let nextTenth = 1;
    for (;;) {
      peak = Math.max(peak, rssKiB(pid));
      const at = await checkpoint(db).catch(() => 0n);
      while (nextTenth <= 10 && at * 10n >= height * BigInt(nextTenth)) {
        samples.push(`${nextTenth * 10}%: ${(rssKiB(pid) / 1024).toFixed(0)} MiB`);
        nextTenth++;
      }
      if (at >= height && (await deferredIndexes(db)).length === 0) break;
      await sleep(100);
    }
    log(`worker process RSS during catch-up (peak ${(peak / 1024).toFixed(0)} MiB): ${samples.join(', ')}`);
    await measureLag(db, network, source, options.lagSeconds, options.rate);
  } finally {
    child.kill('SIGTERM');
    await db.end();
    await sleep(500);
    await database.drop();
  }
}

/** Commit seen by a block listener here, "indexed" seen by LISTEN here: one clock for both. */
async function measureLag(db: Client, network: LocalNetwork, source: BlockSource, seconds: number, rate: number): Promise<void> {
  const committedAt = new Map<bigint, number>();
  const lags: number[] = [];
  let indexedHeight = await checkpoint(db);
  await db.query(`LISTEN ${INDEXED_NOTIFY_CHANNEL}`);
  db.on('notification', (message) => {
    const notice = JSON.parse(message.payload ?? '{}') as IndexedNotice;
    if (notice.channel !== CHANNEL) return;
    const now = performance.now();
    const height = BigInt(notice.height);
    for (let n = indexedHeight; n < height; n++) {
      const at = committedAt.get(n);
      if (at !== undefined) lags.push(now - at);
    }
    indexedHeight = height;
  });
  const subscription = await source.subscribe(CHANNEL, await source.height(CHANNEL));
  const listening = { on: true };
  const listener = (async () => {
    while (listening.on) {
      for (const block of await subscription.next(100)) committedAt.set(block.number, performance.now());
    }
  })();
  const client = await connectClient(network, 'org1', { channel: CHANNEL });
  const assets = client.contract(CHAINCODE, 'assets');
  const run = Date.now().toString(36);
  const inFlight: Promise<unknown>[] = [];
  const started = performance.now();
  for (let i = 0; performance.now() - started < seconds * 1000; i++) {
    inFlight.push(assets.submitTransaction('CreateAsset', `lag-${run}-${i}`, 'crate', '{}').catch(() => undefined));
    await sleep(1000 / rate);
  }
  await Promise.all(inFlight);
  await sleep(2000);
  listening.on = false;
  subscription.close();
  await listener.catch(() => undefined);
  client.close();
  const sorted = [...lags].sort((a, b) => a - b);
  log(`live lag commit -> indexed over ${sorted.length} blocks at ${rate} tx/s: p50 ${percentile(sorted, 0.5).toFixed(0)} ms, p99 ${percentile(sorted, 0.99).toFixed(0)} ms, max ${(sorted[sorted.length - 1] ?? 0).toFixed(0)} ms`);
}

async function main(): Promise<void> {
  const options = new Command('bench:sync')
    .option('--transactions <n>', 'transactions the ledger must hold', positiveInt, 50_000)
    .option('--lag-seconds <n>', 'how long to measure live lag', positiveInt, 30)
    .option('--rate <n>', 'transactions per second during the lag measurement', positiveInt, 20)
    .option('--rounds <n>', 'how many times the ceiling and the cache are measured, alternately', positiveInt, 3)
    .option('--defer-indexes-from-blocks <n>', 'SYNC_DEFER_INDEXES_FROM_BLOCKS for the cache (0: keep the secondary indexes during the load)', nonNegativeInt, DEFER_INDEXES_FROM_BLOCKS)
    .addOption(new Option('--catch-up-in <where>', 'where the block source reads while catching up: the ceiling, the cache and the worker process (SYNC_CATCH_UP_THREAD)').choices(['thread', 'main']).default('main'))
    .option('--cpu-profiles <dir>', "write a CPU profile of the last round's phases there (bench/cpuTop.ts reads them)")
    .parse()
    .opts<{ transactions: number; lagSeconds: number; rate: number; rounds: number; deferIndexesFromBlocks: number; catchUpIn: CatchUpIn; cpuProfiles?: string }>();
  log('starting the benchmark network');
  const bench = await startBenchNetwork({ stateDir, portBase: 30000 });
  const { network } = bench;
  const source = sourceFor(network, options.catchUpIn);
  try {
    await buildLedger(network, source, options.transactions);
    const height = await source.height(CHANNEL);
    // Alternating rounds, so that neither figure always runs first (JIT warm-up, the page cache,
    // a load that changes during the run) and the ratio is judged on more than one pair.
    const ratios: number[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      const profiles = round === options.rounds ? options.cpuProfiles : undefined;
      const ceiling = await profiled(profiles, 'ceiling', async () => readAll(source, height, await fabricPids(network)));
      log(`round ${round} ceiling: read ${height} blocks, ${ceiling.transactions} transactions in ${summary(ceiling, ceiling.transactions)}`);
      const cache = await profiled(profiles, 'cache', async () => catchUpInProcess(source, height, await fabricPids(network), options.deferIndexesFromBlocks));
      log(`round ${round} cache: indexed the same blocks in ${summary(cache, ceiling.transactions)}; secondary indexes ${cache.indexesDeferred ? 'put off and created at the head' : 'kept during the load'}`);
      const ratio = (100 * ceiling.seconds) / cache.seconds;
      ratios.push(ratio);
      log(`round ${round} ratio cache/ceiling: ${ratio.toFixed(0)} %`);
    }
    const sorted = [...ratios].sort((a, b) => a - b);
    log(
      `ratio cache/ceiling over ${ratios.length} rounds: median ${percentile(sorted, 0.5).toFixed(0)} %, ` +
        `lowest ${(sorted[0] ?? 0).toFixed(0)} %, highest ${(sorted[sorted.length - 1] ?? 0).toFixed(0)} % (target >= 80 %)`,
    );
    await catchUpAsProcess(height, options, network, source);
  } finally {
    source.close();
    await bench.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
