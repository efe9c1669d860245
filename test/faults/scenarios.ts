import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from 'pg';

import type { LocalNetwork } from '../../src/localnet';
import { TEST_CHANNEL } from '../fabric/testNetwork';
import { eventually } from '../fabric/waiting';
import { alive, jobsInHand, runScenario, type Environment } from './environment';
import type { WorkloadSummary } from './workload';

/**
 * The fault scenarios the full fault suite (`npm run test:faults`) and its fast slice inside
 * `npm test` (test/fabric/faults.fast.test.ts) share: each runs under the steady workload of
 * `workload.ts` through `runScenario` (the invariant checker after it) and repairs what it broke,
 * so the network and the environment are as they were afterwards.
 */

/**
 * Tables a sync batch writes, locked in turn to catch the worker inside its batch transaction.
 * None is read by the workload's own requests (assets and the checkpoint are), so only the worker waits.
 */
const BATCH_TABLES = ['tx_writes', 'blocks', 'asset_history', 'transactions', 'state'] as const;
const SYNC_SESSION = `ledger-sync:${TEST_CHANNEL}`;

/** Runs `fn` on a fresh session of the environment's database. */
async function withDb<T>(databaseUrl: string, fn: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/**
 * SIGKILLs the active sync worker `times` times, each time INSIDE its batch transaction: a session
 * of the test holds an ACCESS EXCLUSIVE lock on a table the batch writes, waits until the worker's
 * session is blocked on it (pg_stat_activity of this database), kills the worker, then lets go. No
 * row beyond the checkpoint may be left; a new sync process is started each time. Expects the
 * environment to run one sync replica (a standby would take over before the check).
 *
 * The killed worker's PostgreSQL session outlives it: if the worker had already sent the end of its
 * batch (the staged rows, the checkpoint and COMMIT are one simple query), PostgreSQL finishes it
 * once the lock is gone, and the batch commits whole; if not, the session ends and the batch rolls
 * back. Either is correct. So the check waits until that session has ended, then reads the
 * checkpoint and the blocks in one statement, one snapshot.
 */
export async function syncWorkerKilledMidBatch(environment: Environment, times: number): Promise<WorkloadSummary> {
  return runScenario(environment, `sync worker SIGKILLed mid-batch ${times} times in a row (restarted each time)`, 'workload', async () => {
    const killed: { table: string; checkpoint: string; rowsBeyondCheckpoint: number }[] = [];
    let faultAt = 0;
    for (let i = 0; i < times; i++) {
      const [current] = environment.processes.sync.filter(alive);
      if (!current) throw new Error('no sync process');
      const table = BATCH_TABLES[i % BATCH_TABLES.length] ?? 'blocks';
      const kill = await killInsideBatch(environment.databaseUrl, table, () => current.kill('SIGKILL'));
      faultAt = kill.faultAt;
      await sessionEnded(environment.databaseUrl, kill.backendPid);
      const after = await withDb(environment.databaseUrl, (db) =>
        db.query<{ checkpoint: string; n: number }>(
          `SELECT c.next_block::text AS checkpoint, (SELECT count(*)::int FROM blocks b WHERE b.channel = c.channel AND b.number >= c.next_block) AS n
             FROM sync_checkpoints c WHERE c.channel = $1`,
          [TEST_CHANNEL],
        ),
      );
      killed.push({ table, checkpoint: after.rows[0]?.checkpoint ?? '?', rowsBeyondCheckpoint: after.rows[0]?.n ?? -1 });
      await environment.start('sync');
    }
    expect(killed.map((k) => k.rowsBeyondCheckpoint)).toEqual(Array(times).fill(0));
    return { faultAt, extra: { killed } };
  });
}

/** Waits until the PostgreSQL session `pid` (of a killed process) has ended. */
async function sessionEnded(databaseUrl: string, pid: number): Promise<void> {
  await eventually(async () => {
    const alive = await withDb(databaseUrl, (db) => db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]));
    if (alive.rowCount !== 0) throw new Error(`the killed sync worker's session ${pid} has not ended yet`);
  }, 60_000);
}

/**
 * Holds a lock on `table` until the sync worker's session waits on it, runs `kill`, lets go; when
 * it struck, and the worker's session (its backend pid).
 */
async function killInsideBatch(databaseUrl: string, table: string, kill: () => Promise<unknown>): Promise<{ faultAt: number; backendPid: number }> {
  return withDb(databaseUrl, async (blocker) => {
    await blocker.query('BEGIN');
    try {
      await blocker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
      // Asked on another session each time: inside a transaction pg_stat_activity is a snapshot.
      const backendPid = await eventually(async () => {
        const waiting = await withDb(databaseUrl, (db) =>
          db.query<{ pid: number }>(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND wait_event_type = 'Lock'",
            [SYNC_SESSION],
          ),
        );
        const pid = waiting.rows[0]?.pid;
        if (pid === undefined) throw new Error(`the sync worker is not blocked inside a batch on ${table} yet`);
        return pid;
      }, 60_000);
      const faultAt = Date.now();
      await kill();
      return { faultAt, backendPid };
    } finally {
      await blocker.query('ROLLBACK');
    }
  });
}

/**
 * SIGKILLs the submitter once it has a job in hand: an ASYNC submission it has sent to the ledger
 * and not settled (SYNC ones are the gateway's own); a new submitter starts 3 s later.
 */
export async function submitterKilledWithJobInHand(environment: Environment): Promise<WorkloadSummary> {
  return runScenario(environment, 'submitter SIGKILLed with a job in hand (a new one started 3 s later)', 'workload', async () => {
    const [submitter] = environment.processes.submitter.filter(alive);
    if (!submitter) throw new Error('no submitter');
    const inHand = await jobsInHand(environment.databaseUrl, 60_000, 'ASYNC');
    const faultAt = Date.now();
    await submitter.kill('SIGKILL');
    await sleep(3000);
    await environment.start('submitter');
    return { faultAt, extra: { jobsInHandAtKill: inHand } };
  });
}

/**
 * SIGKILLs `nodes` (peers or orderers) under the workload, starts them again after `downMs`, and
 * waits until each restarted peer has caught up with the height the other peers had at its restart.
 */
export async function nodesKilledAndRestarted(environment: Environment, network: LocalNetwork, scenario: string, nodes: readonly string[], downMs: number): Promise<WorkloadSummary> {
  return runScenario(environment, scenario, 'workload', async () => {
    const faultAt = Date.now();
    for (const node of nodes) await network.stopNode(node, { kill: true });
    await sleep(downMs);
    for (const node of nodes) await network.startNode(node);
    const caughtUpMs = await peersCaughtUp(network, nodes);
    return { faultAt, extra: { downMs, caughtUpMs } };
  });
}

/** A peer's ledger height on TEST_CHANNEL from its operations endpoint (undefined while it does not answer). */
async function peerHeight(opsPort: number): Promise<number | undefined> {
  const body = await fetch(`http://127.0.0.1:${opsPort}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  const match = new RegExp(`^ledger_blockchain_height\\{channel="${TEST_CHANNEL}"\\} (\\d+)$`, 'm').exec(body);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Waits until every restarted peer among `nodes` reaches the highest height of the other peers now; how long it took. */
export async function peersCaughtUp(network: LocalNetwork, nodes: readonly string[]): Promise<number> {
  const started = Date.now();
  const restarted = network.topology.peers.filter((p) => nodes.includes(p.name));
  const others = network.topology.peers.filter((p) => !nodes.includes(p.name));
  const target = Math.max(0, ...(await Promise.all(others.map((p) => peerHeight(p.opsPort)))).map((h) => h ?? 0));
  await eventually(async () => {
    const heights = await Promise.all(restarted.map(async (p) => [p.name, await peerHeight(p.opsPort)] as const));
    const behind = heights.filter(([, h]) => h === undefined || h < target);
    if (behind.length > 0) throw new Error(`peers still behind height ${target}: ${JSON.stringify(behind)}`);
  }, 120_000);
  return Date.now() - started;
}
