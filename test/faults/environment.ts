import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

import { Client } from 'pg';

import { createIsolatedDatabase, type IsolatedDatabase } from '../db/isolatedDatabase';
import { startGatewayProcess, type GatewayProcess, type GatewayProcessOptions } from '../fabric/gatewayProcess';
import { checkInvariants, newScenarioRecord, type ScenarioRecord } from '../fabric/invariants';
import { eventually, uniqueId } from '../fabric/waiting';
import { startWorkload, underWay, type Workload, type WorkloadClient, type WorkloadSummary } from './workload';

/**
 * The processes a fault scenario runs against, as in production (README "Roles and scaling
 * out"): gateway replicas (`--role gateway`), sync replicas (`--role sync`) and a submitter
 * (`--role submitter`) on one database, sharing WALLET_KEY and AUTH_JWT_SECRET; plus the workload's
 * clients (the bootstrap admin and two CA-backed users). `stopAll()` kills what is left, by pid.
 */
export const FAST_ENV = {
  METRICS_POLL_MS: '300',
  PEER_MONITOR_INTERVAL_MS: '1000',
  GATEWAY_SHUTDOWN_GRACE_MS: '5000',
  GATEWAY_RATE_LIMIT_MAX: '100000',
  SUBMITTER_JOB_EXPIRE_SECONDS: '8',
  SUBMITTER_MAINTENANCE_SECONDS: '1',
  SUBMITTER_POLLING_SECONDS: '1',
  SUBMITTER_RETRY_DELAY_SECONDS: '1',
};

export type Role = 'gateway' | 'sync' | 'submitter';

export interface Environment {
  readonly databaseUrl: string;
  readonly record: ScenarioRecord;
  readonly clients: WorkloadClient[];
  /** The processes started, by role, in order; killed ones stay (check `alive`). */
  readonly processes: Record<Role, GatewayProcess[]>;
  start(role: Role): Promise<GatewayProcess>;
  /** The gateway replicas that have not exited. */
  liveGateways(): GatewayProcess[];
  /** The steady mixed workload of `workload.ts` by these clients against the live gateways. */
  workload(): Workload;
  stopAll(): Promise<void>;
}

export const alive = (p: GatewayProcess): boolean => p.child.exitCode === null && p.child.signalCode === null;

/**
 * `port`: where the n-th process of a role listens (default: a free port the OS picks). `launch`:
 * every process in a network namespace, listening on its address (the partition scenario).
 */
export async function startEnvironment(options: {
  name: string;
  gateways?: number;
  syncs?: number;
  databaseUrl?: string;
  env?: Record<string, string>;
  port?: (role: Role, n: number) => number;
  launch?: Pick<GatewayProcessOptions, 'netns' | 'host'>;
}): Promise<Environment> {
  let db: IsolatedDatabase | undefined;
  const databaseUrl = options.databaseUrl ?? (db = await createIsolatedDatabase(`faults_${options.name}`)).url;
  const processes: Record<Role, GatewayProcess[]> = { gateway: [], sync: [], submitter: [] };
  let first: GatewayProcess | undefined;
  const start = async (role: Role): Promise<GatewayProcess> => {
    const shared = first ? { walletKey: first.walletKey, jwtSecret: first.jwtSecret, adminUsername: first.admin.username } : {};
    const p = await startGatewayProcess({ databaseUrl, role, env: { ...FAST_ENV, ...options.env }, port: options.port?.(role, processes[role].length), ...options.launch, ...shared });
    first ??= p;
    processes[role].push(p);
    return p;
  };
  const environment: Environment = {
    databaseUrl,
    record: newScenarioRecord(),
    clients: [],
    processes,
    start,
    liveGateways: () => processes.gateway.filter(alive),
    workload: () => startWorkload({ gateways: () => environment.liveGateways(), clients: environment.clients, record: environment.record }),
    async stopAll() {
      for (const p of Object.values(processes).flat()) await p.kill();
      await db?.drop();
    },
  };
  try {
    for (let i = 0; i < (options.gateways ?? 1); i++) await start('gateway');
    for (let i = 0; i < (options.syncs ?? 1); i++) await start('sync');
    await start('submitter');
    const gateway = processes.gateway[0];
    if (!gateway) throw new Error('no gateway');
    const adminToken = await gateway.login();
    for (const prefix of ['ua', 'ub']) {
      const username = uniqueId(prefix).toLowerCase().replace(/[^a-z0-9.-]/g, '');
      const password = 'fault suite password';
      const reply = await gateway.graphql<{ registerUser: { account: string } }>(
        'mutation($u: String!, $p: String!) { registerUser(input: { username: $u, password: $p }) { account } }',
        { u: username, p: password },
        adminToken,
      );
      if (!reply.data) throw new Error(`registerUser: ${JSON.stringify(reply.errors)}`);
      environment.clients.push({ token: await gateway.login(username, password), account: reply.data.registerUser.account });
    }
    const me = await gateway.graphql<{ me: { account: string } }>('{ me { account } }', {}, adminToken);
    environment.clients.push({ token: adminToken, account: me.data?.me.account ?? '', admin: true });
  } catch (error) {
    await environment.stopAll();
    throw error;
  }
  return environment;
}

/**
 * Waits until a submitter has a job in hand (a submission SUBMITTED: sent, outcome not recorded); how many.
 * `mode` ASYNC: only the queue's (a submitter's, not a gateway's synchronous ones).
 */
export async function jobsInHand(databaseUrl: string, timeoutMs = 60_000, mode?: 'SYNC' | 'ASYNC'): Promise<number> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return await eventually(async () => {
      const sql = "SELECT count(*)::int AS n FROM submissions WHERE status = 'SUBMITTED' AND ($1::text IS NULL OR mode::text = $1)";
      const n = (await db.query<{ n: number }>(sql, [mode ?? null])).rows[0]?.n ?? 0;
      if (n === 0) throw new Error('no job in hand');
      return n;
    }, timeoutMs);
  } finally {
    await db.end();
  }
}

/** The invariant checker on the scenario's record; the result line is appended to test-artifacts/faults/results.jsonl. */
export async function finishScenario(environment: Environment, scenario: string, load: string, summary: WorkloadSummary, extra: Record<string, unknown> = {}): Promise<string[]> {
  const report = await checkInvariants({ databaseUrl: environment.databaseUrl, record: environment.record, indexTimeoutMs: 60_000 });
  const line = {
    scenario,
    load,
    at: new Date().toISOString(),
    ...summary,
    committed: environment.record.committed.length,
    failed: environment.record.failed.length,
    invariants: report.violations.length === 0 ? 'pass' : report.violations,
    ...extra,
  };
  const dir = path.resolve(__dirname, '..', '..', 'test-artifacts', 'faults');
  mkdirSync(dir, { recursive: true });
  appendFileSync(path.join(dir, 'results.jsonl'), `${JSON.stringify(line)}\n`);
  process.stderr.write(`[faults] ${JSON.stringify(line)}\n`);
  if (report.violations.length > 0) process.stderr.write(`[faults] sync verify:\n${report.verifyOutput}\n`);
  return report.violations;
}

/** What a fault reports: when it struck (the last time, for a repeated one) and figures of its own. */
export interface FaultReport {
  readonly faultAt: number;
  readonly extra?: Record<string, unknown>;
}

/**
 * One scenario: the workload gets under way, `fault` strikes (and repairs what it broke; it gets
 * the workload, to look at what clients saw meanwhile), the workload succeeds again, then the
 * invariants must hold and no client may have given up.
 */
export async function runScenario(environment: Environment, scenario: string, load: string, fault: (workload: Workload) => Promise<FaultReport>): Promise<WorkloadSummary> {
  const workload = environment.workload();
  let report: FaultReport;
  try {
    await underWay(workload, Date.now());
    report = await fault(workload);
    await underWay(workload, Date.now());
  } catch (error) {
    // The clients' loops run until stopped: left running they keep jest from ever exiting. The
    // failure here is the answer, so the stop's own outcome (its summary, a settle error) is dropped.
    await workload.stop().catch(() => undefined);
    throw error;
  }
  const { faultAt, extra } = report;
  const summary = await workload.stop(faultAt);
  const violations = await finishScenario(environment, scenario, load, summary, extra);
  expect(violations).toEqual([]);
  expect(summary.gaveUp).toBe(0);
  return summary;
}
