import './soakEnv';

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Command, InvalidArgumentError } from 'commander';
import { Client } from 'pg';

import { addCounts, distribution, judgeGrowth, soakVerdict, type Distribution, type Growth, type Sample } from '../src/common/soakStats';
import { databaseUrl } from '../test/db/isolatedDatabase';
import { checkInvariants } from '../test/fabric/invariants';
import { TEST_PORT_BASE, TEST_STATE_DIR } from '../test/fabric/testNetwork';
import { uniqueId } from '../test/fabric/waiting';
import { alive, startEnvironment, type Environment, type Role } from '../test/faults/environment';
import { startWorkload, underWay, type WorkloadClient, type WorkloadSummary } from '../test/faults/workload';
import { log, positiveInt } from './common';
import { inspectorUrl, openInspector, type InspectorSession } from './liveHeap';
import { BENCH_CHANNEL, startBenchNetwork, waitUntilEndorsable, type BenchNetwork } from './network';
import { createProbe, fetchText, metricSumsBy, POSTGRES_SERIES, type Probe, type Watched } from './soakProbe';
import { startQueryStream, type QueryStreamSummary } from './soakQueries';

/**
 * `npm run soak [-- --minutes N]` (issue #8): a long mixed workload at a steady rate below
 * capacity against the stack as deployed, watching for memory growth and sync lag:
 *
 * - its own Fabric network, new for each run (.fabric-soak/, ports 23000-23059; see soakEnv.ts),
 *   a scratch database migrated with `prisma migrate deploy`, and `serve --role gateway`,
 *   `--role sync` and `--role submitter` as separate processes (ports 23080-23082), with the
 *   image's Node settings (NODE_ENV=production, 128 MiB semi-spaces) and the config defaults;
 * - writes: the fault suite's workload (test/faults/workload.ts), `--writers` user loops (SYNC and
 *   ASYNC createAsset with idempotency keys, retried with their key) and the admin's SYNC mints,
 *   `--pause-ms` between one loop's operations; reads: `--queries` per second, open loop
 *   (soakQueries.ts);
 * - every `--sample-seconds`: RSS of the three roles, the 10 Fabric nodes and the chaincode server,
 *   the private memory of PostgreSQL's backends for the database, the sync worker's lag gauges,
 *   and each SYNC write's commit -> indexed time from the gateway's log (soakProbe.ts);
 * - every `--heap-seconds`: the three roles' live memory (heap + external after a full collection
 *   forced through the V8 inspector, liveHeap.ts), what a leak in a Node process grows;
 * - at the end: per process RSS at the start (after `--warmup-minutes`) and at the end and the
 *   least-squares trend in MiB per 10 min, flat when below `--max-growth`; the same for the roles'
 *   live memory against `--max-heap-growth`, which judges them; lag p50/p99/max; errors
 *   by code; request counts; the invariant checker (test/fabric/invariants.ts). Printed, and written
 *   with every sample to test-artifacts/soak/soak-<time>.json.
 *
 * Exits 1 when a client saw an error, the invariants fail, a process died, or a judged trend is
 * not flat: RSS for the Fabric nodes, the chaincode server and PostgreSQL; live memory for the
 * three Node roles (their RSS is printed beside it; see liveHeap.ts for why it is not judged). Every process it started is stopped by pid at the end and on SIGINT (Ctrl-C: the load
 * stops, the summary of what ran is still made; a second Ctrl-C skips it), the database dropped,
 * the network stopped (its state stays in .fabric-soak/ for a post-mortem).
 */
const repoRoot = path.resolve(__dirname, '..');
const SOAK_ARTEFACTS = path.join(repoRoot, 'test-artifacts', 'soak');

interface Options {
  minutes: number;
  warmupMinutes: number | undefined;
  writers: number;
  pauseMs: number;
  queries: number;
  sampleSeconds: number;
  maxGrowth: number;
  heapSeconds: number;
  maxHeapGrowth: number;
  heapSnapshots: Role[];
}

/** The settings the roles run with: the image's Node flags and src/config's defaults, over the fault suite's fast test values. */
const SOAK_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  // The inspector on a loopback port of the OS's choosing: the soak reads each role's live heap through it.
  NODE_OPTIONS: '--max-semi-space-size=128 --inspect=127.0.0.1:0',
  METRICS_POLL_MS: '5000',
  PEER_MONITOR_INTERVAL_MS: '5000',
  GATEWAY_SHUTDOWN_GRACE_MS: '10000',
  SUBMITTER_JOB_EXPIRE_SECONDS: '180',
  SUBMITTER_MAINTENANCE_SECONDS: '30',
  SUBMITTER_POLLING_SECONDS: '1',
  SUBMITTER_RETRY_DELAY_SECONDS: '2',
  // The per-user rate limit stays raised (FAST_ENV): the soak's three users stand for many.
};

/** The workload's clients log in once: their tokens must outlive the run (the default, 15 min, ended the first 30-min run in UNAUTHENTICATED). */
const tokenTtl = (minutes: number): Record<string, string> => ({ AUTH_JWT_TTL_SECONDS: String(Math.min(86_400, Math.ceil(minutes * 60) + 3600)) });

/** The roles are judged on their live heap, not their RSS (liveHeap.ts says why). */
const NODE_ROLES: ReadonlySet<string> = new Set<Role>(['gateway', 'sync', 'submitter']);

/** Role ports above the network's 23000-23059. */
const ROLE_OFFSET: Record<Role, number> = { gateway: 80, sync: 81, submitter: 82 };

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function roleList(value: string): Role[] {
  const roles = value.split(',').map((r) => r.trim());
  const unknown = roles.filter((r) => !NODE_ROLES.has(r));
  if (unknown.length > 0) throw new InvalidArgumentError(`not a role: ${unknown.join(', ')} (gateway, sync, submitter)`);
  return roles as Role[];
}

function parseOptions(): Options {
  return new Command('soak')
    .option('--minutes <n>', 'how long the load runs, warm-up included', positiveNumber, 30)
    .option('--warmup-minutes <n>', 'left out of the trends (default: a sixth of the run, at most 5)', positiveNumber)
    .option('--writers <n>', 'user loops of SYNC/ASYNC createAsset (the admin mints in one more)', positiveInt, 4)
    .option('--pause-ms <n>', "pause between one loop's operations", positiveInt, 400)
    .option('--queries <n>', 'queries per second (open loop)', positiveNumber, 10)
    .option('--sample-seconds <n>', 'seconds between samples', positiveNumber, 5)
    .option('--max-growth <n>', 'MiB per 10 min at or above which an RSS trend is growth', positiveNumber, 10)
    .option('--heap-seconds <n>', "seconds between the roles' live-heap samples (each forces a full collection)", positiveNumber, 60)
    .option('--max-heap-growth <n>', "MiB per 10 min at or above which a role's live-heap trend is growth", positiveNumber, 2)
    .option('--heap-snapshots <roles>', 'heap snapshots of these roles (comma-separated) after the warm-up and after the load, for bench/heapDiff.ts: a diagnostic run, since each snapshot stops the role for 10-30 s and clients see it as errors', roleList, [])
    .parse()
    .opts<Options>();
}

/** Everything started, stopped in reverse order; each step runs once however often `stop` is called. */
function createStack(): { add(name: string, stop: () => Promise<unknown>): void; stop(): Promise<void> } {
  const steps: { name: string; stop: () => Promise<unknown> }[] = [];
  return {
    add: (name, stop) => steps.push({ name, stop }),
    async stop() {
      for (let step = steps.pop(); step; step = steps.pop()) {
        await step.stop().catch((error: unknown) => {
          log(`stopping ${step.name} failed: ${String(error)}`);
        });
      }
    },
  };
}

class Interrupted extends Error {}

interface Running {
  readonly environment: Environment;
  readonly probe: Probe;
  /** Each role's live memory (heap + external after a full collection), MiB. */
  readonly liveMemory: Map<string, Sample[]>;
  /** The end's heap snapshots (`--heap-snapshots`), after the load has settled. */
  snapshots(): Promise<void>;
  /** Stops those samples and detaches from the roles' inspectors (a Node process with an inspector client attached does not exit); once. */
  stopLiveMemory(): Promise<void>;
  readonly loadStartedAt: number;
  /** Stops the queries and the writers and settles the ASYNC submissions (or the error that kept them from settling); once, however often called. */
  stopLoad(): Promise<{ reads: QueryStreamSummary; writes: WorkloadSummary | Error }>;
  /** Stops the periodic samples; once. */
  stopSampling(): Promise<void>;
}

interface RoleExit {
  readonly role: string;
  readonly code: number | null;
  readonly signal: string | null;
}

interface Summary {
  readonly command: string;
  readonly options: Options;
  readonly startedAt: string;
  readonly loadMinutes: number;
  readonly warmupMinutes: number;
  readonly writes: WorkloadSummary;
  readonly mutationsPerSecond: number;
  readonly reads: Omit<QueryStreamSummary, 'latenciesMs'> & { readonly latencyMs: Distribution; readonly perSecond: number };
  readonly growth: readonly Growth[];
  /** The Node roles' live memory after a full collection (these judge them, not their RSS). */
  readonly liveGrowth: readonly Growth[];
  /** The trend over the second half of the samples after the warm-up alone, by process: a warm-up still under way flattens there, a leak does not. */
  readonly lateTrendMiBPer10Min: Record<string, number | undefined>;
  readonly postgresBackends: { readonly min: number; readonly max: number };
  readonly writeLagMs: Distribution;
  readonly notIndexed: number;
  readonly syncLagBlocksMax: number;
  readonly syncLagSecondsMax: number;
  readonly serverErrorsByCode: Record<string, number>;
  readonly errorsByCode: Record<string, number>;
  readonly committed: number;
  readonly failedSubmissions: number;
  readonly invariants: readonly string[];
  readonly roleExits: readonly RoleExit[];
  readonly loadAverage: { readonly min: number; readonly mean: number; readonly max: number };
  readonly verdict: { readonly pass: boolean; readonly reasons: readonly string[] };
}

async function main(): Promise<number> {
  const options = parseOptions();
  const warmupMinutes = options.warmupMinutes ?? Math.min(5, options.minutes / 6);
  const stack = createStack();
  let interrupts = 0;
  let onInterrupt: () => void = () => undefined;
  const interrupted = new Promise<void>((resolve) => {
    onInterrupt = resolve;
  });
  process.on('SIGINT', () => {
    interrupts++;
    log(interrupts === 1 ? 'SIGINT: stopping the load, then the summary (Ctrl-C again to skip it)' : 'SIGINT again: stopping everything now');
    onInterrupt();
    if (interrupts === 2) void stack.stop().then(() => process.exit(130));
  });
  const checkpoint = (): void => {
    if (interrupts > 0) throw new Interrupted('interrupted during setup');
  };
  try {
    const running = await setUp(options, warmupMinutes, stack, checkpoint);
    log(`load running for ${options.minutes} min (warm-up ${warmupMinutes.toFixed(1)} min): ${options.writers} writer loops + the admin, ${options.queries} queries/s`);
    // The load started before the writers' first successes were awaited; it runs `minutes` from its start.
    await Promise.race([sleep(running.loadStartedAt + options.minutes * 60_000 - Date.now()), interrupted]);
    const summary = await finish(running, options, warmupMinutes, stack);
    report(summary, writeArtefacts(running.probe, running.liveMemory, summary));
    return interrupts > 0 ? 130 : summary.verdict.pass ? 0 : 1;
  } catch (error) {
    if (!(error instanceof Interrupted)) throw error;
    log(error.message);
    return 130;
  } finally {
    await stack.stop();
  }
}

async function setUp(options: Options, warmupMinutes: number, stack: ReturnType<typeof createStack>, checkpoint: () => void): Promise<Running> {
  mkdirSync(SOAK_ARTEFACTS, { recursive: true });
  log(`starting a new network in ${path.relative(repoRoot, TEST_STATE_DIR)} (ports ${TEST_PORT_BASE}+)`);
  const network = await startBenchNetwork({ stateDir: TEST_STATE_DIR, portBase: TEST_PORT_BASE, fresh: true });
  stack.add('the network', () => network.stop());
  checkpoint();
  await waitUntilEndorsable(network.network, uniqueId('soak-probe'));
  checkpoint();
  log('starting gateway, sync and submitter (scratch database)');
  const environment = await startEnvironment({ name: 'soak', env: { ...SOAK_ENV, ...tokenTtl(options.minutes) }, port: (role, n) => TEST_PORT_BASE + ROLE_OFFSET[role] + n * 3 });
  stack.add('the roles and the database', () => environment.stopAll());
  checkpoint();
  const gateway = environment.processes.gateway[0];
  const sync = environment.processes.sync[0];
  const submitter = environment.processes.submitter[0];
  if (!gateway || !sync || !submitter) throw new Error('a role did not start');

  const pg = new Client({ connectionString: databaseUrl('postgres') });
  await pg.connect();
  stack.add('the monitoring connection', () => pg.end());
  const probe = createProbe({
    watched: await watchedProcesses(network, environment),
    pg,
    database: new URL(environment.databaseUrl).pathname.slice(1),
    syncMetricsUrl: `${sync.url}/metrics`,
    channel: BENCH_CHANNEL,
    gatewayOutput: () => gateway.output(),
  });

  const users = environment.clients.filter((c) => !c.admin);
  const admin = environment.clients.filter((c) => c.admin);
  const writers: WorkloadClient[] = [...Array.from({ length: options.writers }, (_, i) => users[i % users.length]).filter((c): c is WorkloadClient => c !== undefined), ...admin];
  const loadStartedAt = Date.now();
  // Thousands of ASYNC submissions are settled one by one at the end: give that its own time.
  const workload = startWorkload({ gateways: () => environment.liveGateways(), clients: writers, record: environment.record, pauseMs: options.pauseMs, settleForMs: 300_000 });
  const queries = startQueryStream({ gateway: () => environment.liveGateways()[0], clients: environment.clients, perSecond: options.queries });
  let loadStopped: Promise<{ reads: QueryStreamSummary; writes: WorkloadSummary | Error }> | undefined;
  const stopLoad = async (): Promise<{ reads: QueryStreamSummary; writes: WorkloadSummary | Error }> =>
    (loadStopped ??= Promise.all([queries.stop(), workload.stop().catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))]).then(([reads, writes]) => ({ reads, writes })));
  stack.add('the load', stopLoad);
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(() => probe.sample());
  }, options.sampleSeconds * 1000);
  const stopSampling = async (): Promise<void> => {
    clearInterval(timer);
    await sampling;
  };
  stack.add('the sampler', stopSampling);
  const live = await watchLiveMemory(environment, options.heapSeconds);
  stack.add('the live-heap sampler', live.stop);
  const snapshots = async (when: 'start' | 'end'): Promise<void> => {
    for (const role of options.heapSnapshots) {
      const file = path.join(SOAK_ARTEFACTS, `${new Date(loadStartedAt).toISOString().replace(/[:.]/g, '-')}-${role}-${when}.heapsnapshot`);
      await live.snapshot(role, file);
      log(`heap snapshot of ${role}: ${path.relative(repoRoot, file)}`);
    }
  };
  const warmedUp = setTimeout(() => void snapshots('start'), warmupMinutes * 60_000);
  stack.add('the heap snapshot timer', () => {
    clearTimeout(warmedUp);
    return Promise.resolve();
  });
  await probe.sample();
  await underWay(workload, loadStartedAt);
  return { environment, probe, liveMemory: live.series, snapshots: () => snapshots('end'), stopLiveMemory: live.stop, loadStartedAt, stopLoad, stopSampling };
}

/** Every `seconds`, each role's live memory through its inspector: the series by role, and how to stop. */
async function watchLiveMemory(
  environment: Environment,
  seconds: number,
): Promise<{ series: Map<string, Sample[]>; snapshot: (role: Role, file: string) => Promise<void>; stop: () => Promise<void> }> {
  const sessions: { role: Role; session: InspectorSession }[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(sessions.map(({ session }) => session.close().catch(() => undefined)));
  };
  try {
    for (const role of ['gateway', 'sync', 'submitter'] as const) {
      const p = environment.processes[role][0];
      const url = p && inspectorUrl(p.output());
      if (!url) throw new Error(`the ${role} role printed no inspector address (NODE_OPTIONS --inspect)`);
      sessions.push({ role, session: await openInspector(url) });
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  const series = new Map<string, Sample[]>(sessions.map(({ role }) => [role, []]));
  const sample = async (): Promise<void> => {
    for (const { role, session } of sessions) {
      const at = Date.now();
      // A role gone or busy for a minute is the RSS probe's and the verdict's business, not a reason to stop sampling.
      const live = await session.liveMemory().catch(() => undefined);
      if (live) series.get(role)?.push({ at, value: live.heapMiB + live.externalMiB });
    }
  };
  let sampling = sample();
  const timer = setInterval(() => {
    sampling = sampling.then(sample);
  }, seconds * 1000);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      clearInterval(timer);
      await sampling;
      await closeAll();
    })());
  await sampling;
  const snapshot = async (role: Role, file: string): Promise<void> => {
    const session = sessions.find((s) => s.role === role)?.session;
    // In the sampling chain, so that a snapshot and a forced collection never overlap.
    const taken = sampling.then(() => session?.snapshot(file));
    sampling = taken.catch((error: unknown) => {
      log(`heap snapshot of ${role} failed: ${String(error)}`);
    });
    await sampling;
  };
  return { series, snapshot, stop };
}

/** The 10 Fabric nodes, the chaincode server and the three roles, by pid. */
async function watchedProcesses(network: BenchNetwork, environment: Environment): Promise<Watched[]> {
  const watched: Watched[] = [];
  for (const role of ['gateway', 'sync', 'submitter'] as const) {
    const pid = environment.processes[role][0]?.child.pid;
    if (pid !== undefined) watched.push({ name: role, kind: 'node role', pid });
  }
  for (const node of await network.network.status()) {
    if (node.pid !== undefined) watched.push({ name: node.name, kind: 'fabric', pid: node.pid });
  }
  for (const chaincode of await network.deployer.list(BENCH_CHANNEL)) {
    if (chaincode.server?.pid !== undefined) watched.push({ name: `chaincode ${chaincode.name}`, kind: 'chaincode', pid: chaincode.server.pid });
  }
  return watched;
}

/** Stops the load, settles it, checks the invariants, stops the roles with SIGTERM; the summary. */
async function finish(running: Running, options: Options, warmupMinutes: number, stack: ReturnType<typeof createStack>): Promise<Summary> {
  const { environment, probe } = running;
  const loadEndedAt = Date.now();
  log('stopping the load; waiting for the ASYNC submissions to settle');
  const { reads, writes: settled } = await running.stopLoad();
  // A run whose ASYNC writes did not all settle still gets its memory and lag summary, and fails.
  const writes = settled instanceof Error ? unsettled(settled) : settled;
  await running.stopSampling();
  await probe.sample();
  await running.snapshots();
  await running.stopLiveMemory();
  const gateway = environment.processes.gateway[0];
  const serverMetrics = gateway ? await fetchText(`${gateway.url}/metrics`) : undefined;
  const serverErrorsByCode = serverMetrics === undefined ? { 'no /metrics': 1 } : metricSumsBy(serverMetrics, 'ledger_gateway_graphql_errors_total', 'code');
  log('checking the invariants');
  const report = await checkInvariants({ databaseUrl: environment.databaseUrl, record: environment.record, indexTimeoutMs: 60_000 });
  const lost = Object.values(environment.processes)
    .flat()
    .filter((p) => !alive(p))
    .map((p) => `pid ${p.child.pid ?? '?'} (${p.child.exitCode ?? p.child.signalCode ?? '?'})`);
  const roleExits = await stopRoles(environment);
  await stack.stop();

  const from = running.loadStartedAt + warmupMinutes * 60_000;
  const label = (name: string): string => (name === POSTGRES_SERIES ? `${POSTGRES_SERIES} (RssAnon, sum)` : name);
  // PostgreSQL's backends are judged on their private memory (shared buffers they touch show in RSS and are not theirs).
  const growth = [...probe.data.memory.entries()].map(([name, series]) => judgeGrowth(label(name), series, { from, thresholdMiBPer10Min: options.maxGrowth }));
  const liveLabel = (role: string): string => `${role} (live heap)`;
  const liveGrowth = [...running.liveMemory.entries()].map(([role, series]) =>
    judgeGrowth(liveLabel(role), series, { from, thresholdMiBPer10Min: options.maxHeapGrowth, measure: 'live heap', minSamples: 3 }),
  );
  const judged = [...growth.filter((g) => !NODE_ROLES.has(g.name)), ...liveGrowth];
  const half = from + (loadEndedAt - from) / 2;
  const lateTrend = (name: string, series: readonly Sample[], minSamples?: number): [string, number | undefined] => [name, judgeGrowth(name, series, { from: half, thresholdMiBPer10Min: 0, minSamples }).trendMiBPer10Min];
  const lateTrendMiBPer10Min = Object.fromEntries([
    ...[...probe.data.memory.entries()].map(([name, series]) => lateTrend(label(name), series)),
    ...[...running.liveMemory.entries()].map(([role, series]) => lateTrend(liveLabel(role), series, 3)),
  ]);
  const backends = probe.data.postgresBackends.map((s) => s.value);
  const loadSeconds = (loadEndedAt - running.loadStartedAt) / 1000;
  const errorsByCode = addCounts(
    writes.errorsByCode,
    reads.errorsByCode,
    writes.gaveUp > 0 ? { 'gave up': writes.gaveUp } : {},
    reads.skipped > 0 ? { 'query not sent (too many in flight)': reads.skipped } : {},
    environment.record.failed.length > 0 ? { 'submission FAILED': environment.record.failed.length } : {},
    settled instanceof Error ? { [`writes not settled: ${settled.message}`]: 1 } : {},
  );
  const exited = [...lost, ...[...probe.data.gone.keys()].map((name) => `${name} (gone at ${new Date(probe.data.gone.get(name) ?? 0).toISOString()})`)];
  const { latenciesMs, ...readCounts } = reads;
  const loads = probe.data.loadAverage.map((s) => s.value);
  return {
    command: `npm run soak -- ${process.argv.slice(2).join(' ')}`.trim(),
    options,
    startedAt: new Date(running.loadStartedAt).toISOString(),
    loadMinutes: loadSeconds / 60,
    warmupMinutes,
    writes,
    mutationsPerSecond: writes.mutationsAcknowledged / loadSeconds,
    reads: { ...readCounts, latencyMs: distribution(latenciesMs), perSecond: reads.sent / loadSeconds },
    growth,
    liveGrowth,
    lateTrendMiBPer10Min,
    postgresBackends: { min: Math.min(...backends), max: Math.max(...backends) },
    writeLagMs: distribution(probe.data.writeLagMs.map((s) => s.value)),
    notIndexed: probe.data.notIndexed,
    syncLagBlocksMax: maxOf(probe.data.lagBlocks),
    syncLagSecondsMax: maxOf(probe.data.lagSeconds),
    serverErrorsByCode,
    errorsByCode,
    committed: environment.record.committed.length,
    failedSubmissions: environment.record.failed.length,
    invariants: report.violations,
    roleExits,
    loadAverage: { min: Math.min(...loads), mean: loads.reduce((s, v) => s + v, 0) / Math.max(1, loads.length), max: Math.max(...loads) },
    verdict: soakVerdict({ growth: judged, errorsByCode, invariantViolations: report.violations, exited }),
  };
}

/** SIGTERM to each role, as a rollout would: each must exit 0 within 30 s (else it is killed by stopAll). */
async function stopRoles(environment: Environment): Promise<RoleExit[]> {
  const exits: RoleExit[] = [];
  for (const role of ['gateway', 'submitter', 'sync'] as const) {
    for (const p of environment.processes[role].filter(alive)) {
      const code = await Promise.race([p.stop(), sleep(30_000).then(() => 'timeout' as const)]);
      exits.push({ role, code: code === 'timeout' ? null : code, signal: code === 'timeout' ? 'no exit within 30 s' : p.child.signalCode });
    }
  }
  return exits;
}

/** The writers' summary when stop() failed: nothing is known of them but that. */
function unsettled(error: Error): WorkloadSummary {
  log(`the writers did not settle: ${error.message}`);
  const nothing = { seconds: 0, attempts: 0, opsPerSecond: 0, mutationsAcknowledged: 0, failedAttempts: 0, errorRate: 0, errorsByCode: {}, gaveUp: 0, p50Ms: Number.NaN, p99Ms: Number.NaN, failedP99Ms: Number.NaN, recoveryMs: undefined };
  return nothing;
}

const maxOf = (series: readonly Sample[]): number => series.reduce((m, s) => Math.max(m, s.value), 0);

/** The summary and every sample (for plots and a post-mortem) in test-artifacts/soak/; the file's path. */
function writeArtefacts(probe: Probe, liveMemory: Map<string, Sample[]>, summary: Summary): string {
  mkdirSync(SOAK_ARTEFACTS, { recursive: true });
  const file = path.join(SOAK_ARTEFACTS, `soak-${summary.startedAt.replace(/[:.]/g, '-')}.json`);
  const { data } = probe;
  const samples = { memory: Object.fromEntries(data.memory), liveMemory: Object.fromEntries(liveMemory), writeLagMs: data.writeLagMs, lagBlocks: data.lagBlocks, lagSeconds: data.lagSeconds, postgresBackends: data.postgresBackends, loadAverage: data.loadAverage };
  writeFileSync(file, JSON.stringify({ summary, samples }));
  return file;
}

const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');

function report(summary: Summary, file: string): void {
  const lines = [
    '',
    `soak: ${summary.command}`,
    `load ${f1(summary.loadMinutes)} min from ${summary.startedAt}, warm-up ${f1(summary.warmupMinutes)} min; load average ${f1(summary.loadAverage.min)}-${f1(summary.loadAverage.max)} (mean ${f1(summary.loadAverage.mean)})`,
    `writes: ${summary.writes.mutationsAcknowledged} acknowledged (${f1(summary.mutationsPerSecond)}/s), ${summary.writes.attempts} attempts incl. the loops' queries, p50 ${summary.writes.p50Ms} ms, p99 ${summary.writes.p99Ms} ms; ${summary.committed} tx ids committed, ${summary.failedSubmissions} submissions failed, ${summary.writes.gaveUp} given up`,
    `reads: ${summary.reads.sent} sent (${f1(summary.reads.perSecond)}/s), ${summary.reads.ok} ok, ${summary.reads.skipped} not sent; p50 ${f1(summary.reads.latencyMs.p50)} ms, p99 ${f1(summary.reads.latencyMs.p99)} ms, max ${f1(summary.reads.latencyMs.max)} ms`,
    `sync lag, commit -> indexed per SYNC write: ${summary.writeLagMs.count} writes, p50 ${summary.writeLagMs.p50} ms, p99 ${summary.writeLagMs.p99} ms, max ${summary.writeLagMs.max} ms (${summary.notIndexed} not indexed in time); sync_lag_blocks max ${summary.syncLagBlocksMax}, sync_lag_seconds max ${f1(summary.syncLagSecondsMax)}`,
    `errors seen by clients: ${JSON.stringify(summary.errorsByCode)}; the gateway's graphql_errors_total: ${JSON.stringify(summary.serverErrorsByCode)}`,
    `invariants: ${summary.invariants.length === 0 ? 'pass' : summary.invariants.join('; ')}`,
    `PostgreSQL backends of the database: ${summary.postgresBackends.min}-${summary.postgresBackends.max}`,
    `roles stopped with SIGTERM: ${summary.roleExits.map((e) => `${e.role} exit ${e.code ?? e.signal ?? '?'}`).join(', ')}`,
    '',
    `${'process'.padEnd(34)}${'start MiB'.padStart(11)}${'end MiB'.padStart(11)}${'MiB/10 min'.padStart(12)}${'2nd half'.padStart(10)}  judgement (flat below ${summary.options.maxGrowth} MiB/10 min of RSS, ${summary.options.maxHeapGrowth} of live heap)`,
    ...[...summary.growth, ...summary.liveGrowth].map((g) => {
      const judged = !NODE_ROLES.has(g.name);
      return `${g.name.padEnd(34)}${f1(g.startMiB).padStart(11)}${f1(g.endMiB).padStart(11)}${f1(g.trendMiBPer10Min ?? Number.NaN).padStart(12)}${f1(summary.lateTrendMiBPer10Min[g.name] ?? Number.NaN).padStart(10)}  ${g.flat ? 'flat' : 'GROWS'}${judged ? '' : ' (RSS, not judged)'}`;
    }),
    '',
    summary.verdict.pass ? 'PASS' : `FAIL:\n  - ${summary.verdict.reasons.join('\n  - ')}`,
    `summary and samples: ${path.relative(repoRoot, file)}`,
  ];
  console.log(lines.join('\n'));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
