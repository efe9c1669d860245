import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from 'pg';

import { createIsolatedDatabase, type IsolatedDatabase } from '../db/isolatedDatabase';
import { startCliProcess } from './cliProcess';
import { freePort, startGatewayProcess, type GatewayProcess } from './gatewayProcess';
import { TEST_CHANNEL } from './testNetwork';
import { uniqueId } from './waiting';

/**
 * Operations of the real processes against the test network and a scratch database: after a
 * mutation through `serve --role all`, /metrics shows the GraphQL operation, a committed
 * submission with its phase timings, the sync worker's indexed height equal to the checkpoint and
 * the height of all 4 peers; /readyz lists its checks. `serve --role sync` (a standby) and `serve
 * --role submitter` alone are ready and export their metrics, stop on SIGTERM with exit 0 within
 * the grace period, and the standby takes the sync lock over when the active one stops. A role
 * pointed at a PostgreSQL that does not answer is not ready and says why.
 */
jest.setTimeout(300_000);

const GRACE_MS = 5000;
const FAST = { METRICS_POLL_MS: '300', PEER_MONITOR_INTERVAL_MS: '1000', GATEWAY_SHUTDOWN_GRACE_MS: String(GRACE_MS) };

let db: IsolatedDatabase;
let all: GatewayProcess;
const started: GatewayProcess[] = [];

/** A process of `role`; with `replicaOf`, sharing its keys and bootstrap admin. */
async function start(role: 'all' | 'sync' | 'submitter', replicaOf?: GatewayProcess): Promise<GatewayProcess> {
  const shared = replicaOf ? { walletKey: replicaOf.walletKey, jwtSecret: replicaOf.jwtSecret, adminUsername: replicaOf.admin.username } : {};
  const p = await startGatewayProcess({ databaseUrl: db.url, role, env: FAST, ...shared });
  started.push(p);
  return p;
}

const text = async (url: string): Promise<string> => (await fetch(url)).text();

/** The value of one sample line of /metrics (undefined when absent). */
function sample(body: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => inside.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Polls `url`'s /metrics until `ok` holds (the gauges refresh every METRICS_POLL_MS). */
async function metricsUntil(url: string, ok: (body: string) => boolean, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await text(`${url}/metrics`);
    if (ok(body)) return body;
    if (Date.now() > deadline) throw new Error(`/metrics of ${url} did not get there in time:\n${body.split('\n').filter((l) => !l.startsWith('#') && !l.includes('process_') && !l.includes('nodejs_')).join('\n')}`);
    await sleep(300);
  }
}

async function checkpoint(): Promise<number> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const row = await client.query<{ n: string }>('SELECT next_block::text AS n FROM sync_checkpoints WHERE channel = $1', [TEST_CHANNEL]);
    return Number(row.rows[0]?.n);
  } finally {
    await client.end();
  }
}

/** SIGTERM; resolves with the exit code and how long the exit took. */
async function terminate(p: GatewayProcess): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  const code = await p.stop();
  return { code, ms: Date.now() - t0 };
}

beforeAll(async () => {
  db = await createIsolatedDatabase('fabric_ops');
  all = await start('all');
});

afterAll(async () => {
  for (const p of started) await p.kill();
  await db.drop();
});

test('after a mutation, /metrics of serve --role all shows the operation, the commit and its phases, the indexed height and 4 peers; /readyz lists its checks', async () => {
  const token = await all.login();
  const id = uniqueId('ops');
  const created = await all.graphql('mutation OpsCreate($id: ID!) { createAsset(input: { id: $id, kind: "car", attributes: {} }) { indexed transactionId } }', { id }, token);
  expect(created.errors).toBeUndefined();

  const indexed = await checkpoint();
  // Peer heights come from the monitor's last round (every PEER_MONITOR_INTERVAL_MS): wait for a
  // round that saw every peer at or beyond the block just indexed.
  const peerHeights = (b: string): number[] => (b.match(/^ledger_gateway_peer_ledger_height\{.*channel="mychannel".*$/gm) ?? []).map((line) => Number(line.split(' ').pop()));
  const body = await metricsUntil(
    all.url,
    (b) => sample(b, 'ledger_gateway_sync_indexed_height', { channel: TEST_CHANNEL }) === indexed && peerHeights(b).length === 4 && peerHeights(b).every((h) => h >= indexed),
  );
  expect(sample(body, 'ledger_gateway_graphql_operation_duration_seconds_count', { operation: 'OpsCreate', type: 'mutation' })).toBe(1);
  expect(sample(body, 'ledger_gateway_submissions_total', { outcome: 'committed' })).toBeGreaterThanOrEqual(1);
  for (const phase of ['endorse', 'order', 'commit']) expect(sample(body, 'ledger_gateway_submission_phase_seconds_count', { phase })).toBeGreaterThanOrEqual(1);
  expect(sample(body, 'ledger_gateway_sync_leader', { channel: TEST_CHANNEL })).toBe(1);
  expect(sample(body, 'ledger_gateway_sync_batch_blocks_count', { channel: TEST_CHANNEL })).toBeGreaterThanOrEqual(1);
  for (const height of peerHeights(body)) expect(height).toBeGreaterThanOrEqual(indexed);
  expect(sample(body, 'ledger_gateway_peer_up', { msp: 'Org2MSP' })).toBe(1);
  expect(body).toMatch(/^ledger_gateway_submission_queue_depth\{role="all"\} 0$/m);
  expect(body).toContain('ledger_gateway_process_resident_memory_bytes');

  const ready = await fetch(`${all.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ready', role: 'all', checks: { postgres: 'ok', migrations: 'ok', peers: 'ok', sync: 'ok' } });
});

test('sync (standby) and submitter roles alone: ready, their metrics, SIGTERM exits 0 within the grace period, the standby takes the lock over', async () => {
  const standby = await start('sync', all);
  const submitter = await start('submitter', all);
  expect(await (await fetch(`${standby.url}/readyz`)).json()).toEqual({ status: 'ready', role: 'sync', checks: { postgres: 'ok', migrations: 'ok', peers: 'ok', sync: 'ok' } });
  expect(await (await fetch(`${submitter.url}/readyz`)).json()).toEqual({ status: 'ready', role: 'submitter', checks: { postgres: 'ok', migrations: 'ok', peers: 'ok' } });
  const standbyBody = await metricsUntil(standby.url, (b) => sample(b, 'ledger_gateway_sync_lag_blocks', { channel: TEST_CHANNEL }) !== undefined);
  expect(sample(standbyBody, 'ledger_gateway_sync_leader', { channel: TEST_CHANNEL }) ?? 0).toBe(0);
  expect(sample(standbyBody, 'ledger_gateway_sync_lag_blocks', { channel: TEST_CHANNEL })).toBe(0);
  const submitterBody = await metricsUntil(submitter.url, (b) => b.includes('ledger_gateway_peer_up{'));
  expect(submitterBody).toMatch(/^ledger_gateway_submission_queue_depth\{role="submitter"\} 0$/m);

  const stoppedSubmitter = await terminate(submitter);
  expect(stoppedSubmitter.code).toBe(0);
  expect(stoppedSubmitter.ms).toBeLessThan(GRACE_MS);

  const stoppedAll = await terminate(all);
  expect(stoppedAll.code).toBe(0);
  expect(stoppedAll.ms).toBeLessThan(GRACE_MS);
  // The lock went with the active process's session: the standby holds it now.
  await metricsUntil(standby.url, (b) => sample(b, 'ledger_gateway_sync_leader', { channel: TEST_CHANNEL }) === 1);
  expect(await (await fetch(`${standby.url}/readyz`)).json()).toMatchObject({ status: 'ready', checks: { sync: 'ok' } });

  const stoppedSync = await terminate(standby);
  expect(stoppedSync.code).toBe(0);
  expect(stoppedSync.ms).toBeLessThan(GRACE_MS);
});

test('a role whose PostgreSQL does not answer is not ready, and says why', async () => {
  const [port, deadDb] = [await freePort(), await freePort()];
  const sync = startCliProcess('serve', ['--role', 'sync'], {
    DATABASE_URL: `postgresql://postgres@127.0.0.1:${deadDb}/nothing`,
    PORT: String(port),
    HOST: '127.0.0.1',
    SYNC_CHANNELS: TEST_CHANNEL,
    ...FAST,
  });
  try {
    const deadline = Date.now() + 60_000;
    let reply: { status: number; body: { status?: string; checks?: Record<string, string> } } | undefined;
    while (!reply && Date.now() < deadline) {
      if (sync.child.exitCode !== null) throw new Error(`serve exited:\n${sync.output()}`);
      reply = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        async (r) => ({ status: r.status, body: (await r.json()) as { status?: string; checks?: Record<string, string> } }),
        () => undefined,
      );
      if (!reply) await sleep(250);
    }
    expect(reply?.status).toBe(503);
    expect(reply?.body.status).toBe('not ready');
    expect(reply?.body.checks?.postgres).toMatch(/^failed: .*ECONNREFUSED/);
    expect(reply?.body.checks?.migrations).toMatch(/^failed: /);
    const exited = once(sync.child, 'exit');
    sync.child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  } finally {
    await sync.kill();
  }
});
