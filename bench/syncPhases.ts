import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from 'pg';

import { silentLogger } from '../src/common';
import type { BlockSource } from '../src/ledger';
import { createSampleProjector, createSyncWorker, stateProjector } from '../src/sync';
import { createIsolatedDatabase } from '../test/db/isolatedDatabase';
import { log } from './common';
import { BENCH_CHAINCODE as CHAINCODE, BENCH_CHANNEL as CHANNEL } from './network';

/**
 * The two timed phases of the sync benchmarks, whatever the blocks come from (the peer in
 * bench/sync.ts, memory in bench/syncReplay.ts): reading every block without writing (the
 * ceiling), and the sync worker catching an empty cache up with the same blocks.
 */

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

export interface Phase extends Surroundings {
  readonly seconds: number;
  /** CPU of this process (decoding blocks; for the cache also turning them into rows). */
  readonly nodeCpu: number;
  /** CPU of the worker's PostgreSQL backend (cache only). */
  readonly pgCpu: number;
}

/** Busy and idle CPU seconds of the whole machine so far (all cores), from /proc/stat. */
function machineCpu(): { busy: number; idle: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  return { busy: (user + nice + system + irq + softirq + steal) / 100, idle: (idle + iowait) / 100 };
}

/**
 * Where a phase's CPU went besides this process: the Fabric nodes (the peer answering the reads)
 * and the machine as a whole, so that a slower phase can be told apart as "more work" or "waiting".
 */
export interface Surroundings {
  readonly fabricCpu: number;
  readonly machineBusy: number;
  readonly machineIdle: number;
}

/** Starts counting; the function it returns tells what was used since. */
export function surroundingsMeter(pids: readonly number[]): () => Surroundings {
  const fabricCpu = (): number => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const fabricAt = fabricCpu();
  const machineAt = machineCpu();
  return () => {
    const machine = machineCpu();
    return { fabricCpu: fabricCpu() - fabricAt, machineBusy: machine.busy - machineAt.busy, machineIdle: machine.idle - machineAt.idle };
  };
}

export function summary(phase: Phase, transactions: number): string {
  const rate = (transactions / phase.seconds).toFixed(0);
  const pg = phase.pgCpu > 0 ? `, PostgreSQL backend CPU ${phase.pgCpu.toFixed(1)} s` : '';
  const around = `Fabric nodes' CPU ${phase.fabricCpu.toFixed(1)} s; machine busy ${phase.machineBusy.toFixed(1)} s, idle ${phase.machineIdle.toFixed(1)} s`;
  return `${phase.seconds.toFixed(1)} s = ${rate} tx/s (this process's CPU ${phase.nodeCpu.toFixed(1)} s${pg}; ${around})`;
}

/**
 * `--cpu-profiles <dir>`: a V8 CPU profile of this process for each phase (ceiling.cpuprofile,
 * cache.cpuprofile), for bench/cpuTop.ts. Sampling costs a little CPU in both phases alike.
 */
export async function profiled<T>(dir: string | undefined, name: string, phase: () => Promise<T>): Promise<T> {
  if (!dir) return phase();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await phase();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
    log(`CPU profile of the ${name} phase: ${path.join(dir, `${name}.cpuprofile`)}`);
  }
}

/** Reads every block from 0 without writing anything: the ceiling for the cache. */
export async function readAll(source: BlockSource, height: bigint, fabricPids: readonly number[]): Promise<Phase & { transactions: number }> {
  const surroundings = surroundingsMeter(fabricPids);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const subscription = await source.subscribe(CHANNEL, 0n);
  let transactions = 0;
  let next = 0n;
  try {
    while (next < height) {
      for (const block of await subscription.next(500)) {
        transactions += block.transactions.length;
        next = block.number + 1n;
      }
    }
  } finally {
    subscription.close();
  }
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - started) / 1000, transactions, nodeCpu: (used.user + used.system) / 1e6, pgCpu: 0, ...surroundings() };
}

export async function catchUpInProcess(source: BlockSource, height: bigint, fabricPids: readonly number[], deferIndexesFromBlocks: number): Promise<Phase & { indexesDeferred: boolean }> {
  const database = await createIsolatedDatabase('bench_sync');
  const controller = new AbortController();
  const backends: { pid: number; cpuAtStart: number }[] = [];
  const worker = createSyncWorker({
    channel: CHANNEL,
    connect: async () => {
      const client = new Client({ connectionString: database.url });
      await client.connect();
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
      backends.push({ pid, cpuAtStart: cpuSeconds(pid) });
      return client;
    },
    source,
    projectors: [stateProjector, createSampleProjector([CHAINCODE])],
    log: silentLogger,
    deferIndexesFromBlocks,
  });
  const surroundings = surroundingsMeter(fabricPids);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const running = worker.run(controller.signal);
  // Caught up means every block written and, after a first load, the secondary indexes back.
  const caughtUp = (): boolean => (worker.status().nextBlock ?? 0n) >= height && !worker.status().indexesDeferred;
  // Whether this first load put the secondary indexes off (a ledger of at least
  // deferIndexesFromBlocks blocks) changes where PostgreSQL's time goes, so the result says so.
  let indexesDeferred = false;
  while (!caughtUp()) {
    indexesDeferred ||= worker.status().indexesDeferred;
    await sleep(20);
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const pgCpu = backends.reduce((sum, b) => sum + cpuSeconds(b.pid) - b.cpuAtStart, 0);
  const around = surroundings();
  controller.abort();
  await running;
  await database.drop();
  return { seconds, nodeCpu: (used.user + used.system) / 1e6, pgCpu, indexesDeferred, ...around };
}
