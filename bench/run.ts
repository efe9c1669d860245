import { performance } from 'node:perf_hooks';

import { Command, InvalidArgumentError } from 'commander';

import { localnetFromEnv } from '../src/localnet';
import { connectClient } from '../test/fabric/ledgerClient';

/**
 * `npm run bench -- [--count N]`: the cost of a write against the cost of a read on the running
 * local network (start it with `npm start`). The baseline is the read (evaluate on one peer),
 * measured in the same run; the result is the ratio of a committed write (endorse on both
 * organisations, order through Raft, wait for the commit event) to it. The orderer's batch timeout
 * bounds most of the difference.
 */
interface Stats {
  readonly median: number;
  readonly p95: number;
  readonly mean: number;
}

function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { median: at(0.5), p95: at(0.95), mean: sorted.reduce((s, v) => s + v, 0) / sorted.length };
}

async function timeEach(count: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await fn(i);
    samples.push(performance.now() - started);
  }
  return samples;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError('must be an integer from 1 to 10000');
  return n;
}

async function main(): Promise<void> {
  const options = new Command('bench')
    .option('--count <n>', 'operations of each kind', positiveInt, 50)
    .option('--chaincode <name>', 'chaincode name', 'sample')
    .parse()
    .opts<{ count: number; chaincode: string }>();
  const network = localnetFromEnv();
  const channel = network.topology.channels[0] ?? 'mychannel';
  const client = await connectClient(network, 'org1', { channel });
  try {
    const assets = client.contract(options.chaincode, 'assets');
    const run = Date.now().toString(36);
    await assets.submitTransaction('CreateAsset', `bench-${run}-warm`, 'bench', '{}');
    const reads = await timeEach(options.count, () => assets.evaluateTransaction('ReadAsset', `bench-${run}-warm`));
    const writes = await timeEach(options.count, (i) => assets.submitTransaction('CreateAsset', `bench-${run}-${i}`, 'bench', '{}'));
    const read = stats(reads);
    const write = stats(writes);
    const fmt = (s: Stats): string => `median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, mean ${s.mean.toFixed(1)} ms`;
    console.log(`evaluate ReadAsset (baseline), ${options.count} calls: ${fmt(read)}`);
    console.log(`submit CreateAsset (committed), ${options.count} calls: ${fmt(write)}`);
    console.log(`ratio submit/evaluate (median): ${(write.median / read.median).toFixed(1)}x`);
  } finally {
    client.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
