import path from 'node:path';
import { setImmediate as nextTick } from 'node:timers/promises';

import { Command } from 'commander';

import { decodeBlock, type BlockSource, type BlockSubscription, type FabricConnection, type LedgerBlock } from '../src/ledger';
import { decodeChainHeight } from '../src/ledger/qsccReader';
import { DEFER_INDEXES_FROM_BLOCKS } from '../src/sync';
import { log, nonNegativeInt, percentile, positiveInt } from './common';
import { benchConnection, BENCH_CHANNEL as CHANNEL, startBenchNetwork } from './network';
import { catchUpInProcess, readAll, summary } from './syncPhases';

/**
 * `npm run bench:sync-replay`: the sync worker's own cost, without the peer's. The blocks of
 * bench:sync's ledger are read from the peer once, as the bytes it answers with; then the network
 * is stopped, and the ceiling (decoding every block) and the cache (the worker catching an empty
 * cache up, decoding included) are measured from memory, alternately. The cache's time here is
 * what the write path needs when reading costs nothing; bench:sync's ratio is bounded by it.
 * Needs the ledger that `npm run bench:sync` builds (.fabric-bench/).
 */
const stateDir = path.resolve(__dirname, '..', '.fabric-bench');
/** Blocks decoded per call of next(), as bench:sync's source hands them over while catching up. */
const HANDOVER = 32;

async function fetchLedger(): Promise<{ blocks: Buffer[]; connection: FabricConnection }> {
  const bench = await startBenchNetwork({ stateDir, portBase: 30000 });
  const connection = benchConnection(stateDir);
  const gateway = await connection.connect();
  try {
    const qscc = (await gateway.getNetwork(CHANNEL)).getContract('qscc');
    const height = Number(decodeChainHeight(await qscc.evaluateTransaction('GetChainInfo', CHANNEL)));
    const blocks: Buffer[] = [];
    for (let n = 0; n < height; n++) blocks.push(await qscc.evaluateTransaction('GetBlockByNumber', CHANNEL, String(n)));
    return { blocks, connection };
  } finally {
    gateway.disconnect();
    await bench.stop();
  }
}

/** A block source over blocks in memory: each block decoded when it is taken, as from the peer. */
function memorySource(blocks: readonly Buffer[], decode: (bytes: Buffer) => LedgerBlock): BlockSource {
  const at = (n: number): LedgerBlock => {
    const bytes = blocks[n];
    if (!bytes) throw new Error(`no block ${n} in memory`);
    return decode(bytes);
  };
  return {
    subscribe(_channel, fromBlock) {
      let next = Number(fromBlock);
      let closed = false;
      const subscription: BlockSubscription = {
        async next(max) {
          const out: LedgerBlock[] = [];
          while (!closed && next < blocks.length && out.length < Math.min(max, HANDOVER)) {
            // One block per turn of the event loop, so the worker's writes go on meanwhile.
            await nextTick();
            out.push(at(next++));
          }
          // At the head: nothing will come; wait as a live subscription would.
          if (out.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
          return out;
        },
        close() {
          closed = true;
        },
      };
      return Promise.resolve(subscription);
    },
    height: () => Promise.resolve(BigInt(blocks.length)),
    block: (_channel, number) => Promise.resolve(at(Number(number))),
    close() {},
  };
}

async function main(): Promise<void> {
  const options = new Command('bench:sync-replay')
    .option('--rounds <n>', 'how many times the ceiling and the cache are measured, alternately', positiveInt, 3)
    .option('--defer-indexes-from-blocks <n>', 'SYNC_DEFER_INDEXES_FROM_BLOCKS for the cache (0: keep the secondary indexes during the load)', nonNegativeInt, DEFER_INDEXES_FROM_BLOCKS)
    .parse()
    .opts<{ rounds: number; deferIndexesFromBlocks: number }>();
  log('reading the ledger of bench:sync once, then stopping its network');
  const { blocks, connection } = await fetchLedger();
  const source = memorySource(blocks, (bytes) => decodeBlock(CHANNEL, connection.decodeBlockBytes(bytes)));
  const height = BigInt(blocks.length);
  log(`${blocks.length} blocks, ${(blocks.reduce((sum, b) => sum + b.length, 0) / 2 ** 20).toFixed(0)} MiB in memory`);
  const ratios: number[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const ceiling = await readAll(source, height, []);
    log(`round ${round} ceiling from memory: decoded ${height} blocks, ${ceiling.transactions} transactions in ${summary(ceiling, ceiling.transactions)}`);
    const cache = await catchUpInProcess(source, height, [], options.deferIndexesFromBlocks);
    log(
      `round ${round} cache from memory: indexed the same blocks in ${summary(cache, ceiling.transactions)}; ` +
        `secondary indexes ${cache.indexesDeferred ? 'put off and created at the head' : 'kept during the load'}`,
    );
    ratios.push((100 * ceiling.seconds) / cache.seconds);
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  log(`ratio cache/ceiling from memory over ${ratios.length} rounds: median ${percentile(sorted, 0.5).toFixed(0)} % (${ratios.map((r) => r.toFixed(0)).join(', ')} %)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
