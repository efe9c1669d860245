import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

import { Pool } from 'pg';

import { createFabricLedgerClient, type FabricLedgerClient, type LedgerIdentity } from '../../src/ledger';
import { lookupTransaction } from '../../src/ledger/submittedTransactions';
import { createIsolatedDatabase, type IsolatedDatabase } from '../db/isolatedDatabase';
import { dappConnectionProfiles, dappIdentity } from './dappIdentities';
import { startGatewayProcess, type GatewayProcess } from './gatewayProcess';
import { startPrivatePostgres } from './privatePostgres';
import { testNetwork, TEST_CHAINCODE, TEST_CHANNEL } from './testNetwork';
import { uniqueId } from './waiting';

/**
 * Readiness and shutdown under faults, with real processes against the test network:
 * - a private, throw-away PostgreSQL cluster is stopped under `serve --role all`: /readyz says 503
 *   naming postgres, and 200 again once it is started, without restarting the gateway;
 * - both peers of Org2 are killed: /readyz says 503 naming Org2MSP, and 200 once they are back;
 * - SIGTERM in the middle of a burst of ASYNC mutations, once the submitter has some in hand: exit
 *   0, and every acknowledged submission, and every other one retried by its client with the same
 *   idempotency key on a new process, is COMMITTED once: its tx id is VALID on the ledger and the
 *   asset's ledger version says it was written once.
 */
jest.setTimeout(420_000);

const network = testNetwork();
const FAST = {
  METRICS_POLL_MS: '300',
  PEER_MONITOR_INTERVAL_MS: '1000',
  GATEWAY_SHUTDOWN_GRACE_MS: '5000',
  SUBMITTER_JOB_EXPIRE_SECONDS: '8',
  SUBMITTER_MAINTENANCE_SECONDS: '1',
  SUBMITTER_POLLING_SECONDS: '1',
  SUBMITTER_RETRY_DELAY_SECONDS: '1',
};
const ORG2_PEERS = ['peer0.org2.example.com', 'peer1.org2.example.com'];

let db: IsolatedDatabase;
let pool: Pool;
let ledger: FabricLedgerClient;
let user1: LedgerIdentity;
const started: GatewayProcess[] = [];

interface Readiness {
  status: number;
  body: { status?: string; checks?: Record<string, string> };
}

async function readyz(url: string): Promise<Readiness | undefined> {
  try {
    const response = await fetch(`${url}/readyz`);
    return { status: response.status, body: (await response.json()) as Readiness['body'] };
  } catch {
    return undefined;
  }
}

/** Polls /readyz until `ok` holds; returns that answer. */
async function readyzUntil(gateway: GatewayProcess, ok: (r: Readiness) => boolean, timeoutMs = 60_000): Promise<Readiness> {
  const deadline = Date.now() + timeoutMs;
  let last: Readiness | undefined;
  for (;;) {
    if (gateway.child.exitCode !== null || gateway.child.signalCode !== null) {
      throw new Error(`the gateway exited (${gateway.child.exitCode ?? gateway.child.signalCode}):\n${gateway.output().slice(-4000)}`);
    }
    last = await readyz(gateway.url);
    if (last && ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`/readyz never got there; last: ${JSON.stringify(last)}\n${gateway.output().slice(-3000)}`);
    await sleep(250);
  }
}

async function startGateway(databaseUrl: string, replicaOf?: GatewayProcess): Promise<GatewayProcess> {
  const shared = replicaOf ? { walletKey: replicaOf.walletKey, jwtSecret: replicaOf.jwtSecret, adminUsername: replicaOf.admin.username } : {};
  const gateway = await startGatewayProcess({ databaseUrl, role: 'all', env: FAST, ...shared });
  started.push(gateway);
  return gateway;
}

beforeAll(async () => {
  db = await createIsolatedDatabase('fabric_ops_faults');
  pool = new Pool({ connectionString: db.url, max: 4 });
  pool.on('error', () => undefined);
  user1 = await dappIdentity(network, 'org1', 'user1');
  ledger = createFabricLedgerClient({
    connectionProfiles: dappConnectionProfiles(network),
    asLocalhost: true,
    timeouts: { endorseMs: 10_000, orderMs: 10_000, commitMs: 30_000, evaluateMs: 10_000, connectMs: 5000 },
  });
});

afterAll(async () => {
  for (const p of started) await p.kill();
  for (const peer of ORG2_PEERS) await network.startNode(peer).catch(() => undefined);
  await ledger.close();
  await pool.end();
  await db.drop();
});

test('readiness goes false when its PostgreSQL stops and true again when it returns, without a restart', async () => {
  const t0 = Date.now();
  const pg = await startPrivatePostgres();
  try {
    const gateway = await startGateway(pg.url);
    expect((await readyz(gateway.url))?.status).toBe(200);

    await pg.stop();
    const down = await readyzUntil(gateway, (r) => r.status === 503);
    expect(down.body.status).toBe('not ready');
    expect(down.body.checks?.postgres).toMatch(/^failed: /);

    await pg.start();
    const up = await readyzUntil(gateway, (r) => r.status === 200);
    expect(up.body).toEqual({ status: 'ready', role: 'all', checks: { postgres: 'ok', migrations: 'ok', peers: 'ok', sync: 'ok' } });
    expect(gateway.child.exitCode).toBeNull();
    // It works again, not only answers: a login reads and writes the database.
    await expect(gateway.login()).resolves.toMatch(/\./);
    expect(await gateway.stop()).toBe(0);
  } finally {
    await pg.destroy();
  }
  process.stderr.write(`[operations.faults] private PostgreSQL stop/start: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
});

test('readiness reflects a stopped peer organisation: both peers of Org2 killed, then started again', async () => {
  const gateway = await startGateway(db.url);
  try {
    for (const peer of ORG2_PEERS) await network.stopNode(peer, { kill: true });
    const down = await readyzUntil(gateway, (r) => r.status === 503);
    expect(down.body.checks?.peers).toMatch(/Org2MSP/);
    expect(down.body.checks?.peers).not.toMatch(/Org1MSP/);
    expect(down.body.checks?.postgres).toBe('ok');
  } finally {
    for (const peer of ORG2_PEERS) await network.startNode(peer);
  }
  const up = await readyzUntil(gateway, (r) => r.status === 200);
  expect(up.body.checks).toMatchObject({ peers: 'ok' });
  expect(await gateway.stop()).toBe(0);
});

interface SubmissionReply {
  id: string;
  status: string;
}

const CREATE = 'mutation($id: ID!, $key: String!) { createAsset(input: { id: $id, kind: "crate", attributes: {} }, options: { mode: ASYNC, idempotencyKey: $key }) { submission { id status } } }';
const UPDATE = 'mutation($id: ID!, $key: String!) { updateAsset(input: { id: $id, attributes: { burst: true } }, options: { mode: ASYNC, idempotencyKey: $key }) { submission { id status } } }';

/** One ASYNC mutation; the submission when the gateway acknowledged it, else undefined (refused, cut, draining). */
async function send(gateway: GatewayProcess, token: string, query: string, id: string, key: string): Promise<SubmissionReply | undefined> {
  try {
    const reply = await gateway.graphql<Record<string, { submission: SubmissionReply }>>(query, { id, key }, token);
    const payload = reply.data ? Object.values(reply.data)[0] : undefined;
    return payload?.submission;
  } catch {
    return undefined;
  }
}

async function waitCommitted(ids: readonly string[], timeoutMs: number, gateway: GatewayProcess): Promise<Map<string, { status: string; tx_id: string | null }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await pool.query<{ id: string; status: string; tx_id: string | null }>('SELECT id, status, tx_id FROM submissions WHERE id = ANY($1::uuid[])', [ids]);
    const byId = new Map(rows.rows.map((r) => [r.id, r]));
    if (rows.rows.length === ids.length && rows.rows.every((r) => r.status === 'COMMITTED')) return byId;
    if (rows.rows.some((r) => r.status === 'FAILED') || Date.now() > deadline) {
      const counts: Record<string, number> = {};
      for (const r of rows.rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
      throw new Error(`not all committed: ${JSON.stringify(counts)} of ${ids.length}\n${gateway.output().slice(-3000)}`);
    }
    await sleep(300);
  }
}

/** Counts of the UpdateAsset submissions with these idempotency keys, by status. */
async function statusesOf(keys: readonly string[]): Promise<Record<string, number>> {
  const rows = await pool.query<{ status: string; n: number }>("SELECT status, count(*)::int AS n FROM submissions WHERE function = 'UpdateAsset' AND idempotency_key = ANY($1) GROUP BY status", [keys]);
  return Object.fromEntries(rows.rows.map((r) => [r.status, r.n]));
}

interface Burst {
  readonly acknowledged: (SubmissionReply | undefined)[];
  /** How many were sent when SIGTERM went, and the statuses then. */
  readonly terminatedAt: { sent: number; statuses: Record<string, number> };
  readonly code: number | null;
}

/**
 * Sends an ASYNC update of each asset, 40 ms apart, and SIGTERMs the gateway once its submitter
 * has a job of the burst in hand (SUBMITTED), at the latest after `sigtermAfter` + 1 sends; the
 * rest of the burst goes on against the stopping process.
 */
async function burstWithSigterm(gateway: GatewayProcess, token: string, ids: readonly string[], keys: readonly string[], sigtermAfter: number): Promise<Burst> {
  const exited = once(gateway.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const replies: Promise<SubmissionReply | undefined>[] = [];
  let terminatedAt: Burst['terminatedAt'] | undefined;
  for (const [i, id] of ids.entries()) {
    replies.push(send(gateway, token, UPDATE, id, keys[i] ?? ''));
    await sleep(40);
    if (terminatedAt !== undefined) continue;
    const statuses = await statusesOf(keys);
    if ((statuses.SUBMITTED ?? 0) > 0 || i >= sigtermAfter) {
      gateway.child.kill('SIGTERM');
      terminatedAt = { sent: i + 1, statuses };
    }
  }
  const acknowledged = await Promise.all(replies);
  const [code] = await exited;
  return { acknowledged, terminatedAt: terminatedAt ?? { sent: ids.length, statuses: {} }, code };
}

/** The submission's tx id is VALID on the ledger, and the asset was written once after its creation. */
async function expectCommittedOnce(assetId: string, txId: string): Promise<void> {
  await expect(lookupTransaction(ledger, user1, TEST_CHANNEL, txId)).resolves.toMatchObject({ found: true, validationCode: 'VALID' });
  const bytes = await ledger.evaluate(user1, { channel: TEST_CHANNEL, chaincode: TEST_CHAINCODE, contract: 'assets', fn: 'ReadAsset', args: [assetId] });
  expect((JSON.parse(bytes.toString('utf8')) as { version: number }).version).toBe(2);
}

test('SIGTERM during a burst of ASYNC submissions loses none: each acknowledged (or retried) one commits exactly once', async () => {
  const BURST = 30;
  const first = await startGateway(db.url);
  const token = await first.login();
  const ids = Array.from({ length: BURST }, () => uniqueId('term'));
  const keys = ids.map((id) => `update-${id}`);

  // The assets to update, so that a double write would show as version 3 on the ledger.
  const creates = await Promise.all(ids.map((id) => send(first, token, CREATE, id, `create-${id}`)));
  expect(creates.every((s) => s?.status === 'QUEUED')).toBe(true);
  await waitCommitted(
    creates.map((s) => s?.id ?? ''),
    120_000,
    first,
  );

  const t0 = Date.now();
  const { acknowledged, terminatedAt, code } = await burstWithSigterm(first, token, ids, keys, 10);
  expect(code).toBe(0);
  const byFirst = acknowledged.filter((s) => s !== undefined).length;
  expect(terminatedAt.sent).toBeLessThan(BURST);
  expect(byFirst).toBeGreaterThanOrEqual(terminatedAt.sent);
  expect(byFirst).toBeLessThan(BURST);
  process.stderr.write(
    `[operations.faults] SIGTERM after ${terminatedAt.sent} sent (then ${JSON.stringify(terminatedAt.statuses)}): ${byFirst} acknowledged, exit ${code} after ${Date.now() - t0} ms; left: ${JSON.stringify(await statusesOf(keys))}\n`,
  );

  // A new process on the same database; the clients whose request was not acknowledged retry it
  // there with the same idempotency key (the acknowledged ones are asked again too: same submission).
  const second = await startGateway(db.url, first);
  const final = await Promise.all(ids.map((id, i) => send(second, token, UPDATE, id, keys[i] ?? '')));
  for (const [i, s] of acknowledged.entries()) if (s) expect(final[i]?.id).toBe(s.id);
  const submissionIds = final.map((s) => s?.id ?? '');
  expect(new Set(submissionIds).size).toBe(BURST);
  const rows = await waitCommitted(submissionIds, 180_000, second);
  for (const [i, id] of ids.entries()) await expectCommittedOnce(id, rows.get(submissionIds[i] ?? '')?.tx_id ?? '');
  expect(await statusesOf(keys)).toEqual({ COMMITTED: BURST });
  process.stderr.write(`[operations.faults] burst of ${BURST}: all committed once, ${((Date.now() - t0) / 1000).toFixed(1)} s after the SIGTERM\n`);
  expect(await second.stop()).toBe(0);
});
