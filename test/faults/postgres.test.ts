/**
 * The fault suite's database fault (issue #8): the gateway, sync and submitter processes run on a
 * private PostgreSQL cluster (`test/fabric/privatePostgres.ts`), which is stopped for 8 s under the
 * steady mixed workload, at a moment when the submitter has an ASYNC job in hand (sent to the
 * ledger, outcome not recorded). Meanwhile clients get a clear DATABASE_UNAVAILABLE (503, worth a
 * retry with the same idempotency key) while the database is down; afterwards every process
 * recovers by itself (none restarted, each one's /readyz back to 200), the sync worker resumes,
 * the submitter settles the job it had in hand, and the invariant checker passes.
 *
 * The two crashes this scenario found in the submitter: the pooled client the executor holds for
 * a job's advisory lock emitting an unhandled 'error' (src/submissions/executor.ts `locked`), and
 * pg-boss's own worker ending the job with a complete()/fail() nobody caught (now our own loop,
 * src/submissions/jobLoop.ts). Results: test-artifacts/faults/results.jsonl.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import type { GatewayProcess } from '../fabric/gatewayProcess';
import { startPrivatePostgres, type PrivatePostgres } from '../fabric/privatePostgres';
import { eventually } from '../fabric/waiting';
import { alive, jobsInHand, runScenario, startEnvironment, type Environment } from './environment';

jest.setTimeout(900_000);

const DOWN_MS = 8000;

let pg: PrivatePostgres;
let env: Environment;

beforeAll(async () => {
  pg = await startPrivatePostgres();
  env = await startEnvironment({ name: 'postgres', databaseUrl: pg.url });
});

afterAll(async () => {
  await env.stopAll();
  await pg.destroy();
});

/** Waits until the process's /readyz says ready (its PostgreSQL check passes again). */
async function ready(p: GatewayProcess): Promise<void> {
  await eventually(async () => {
    const response = await fetch(`${p.url}/readyz`);
    if (response.status !== 200) throw new Error(`${p.url}/readyz: ${response.status} ${await response.text()}`);
  }, 120_000);
}

test('PostgreSQL stopped for 8 s under load, with an ASYNC job in hand, and started again: DATABASE_UNAVAILABLE meanwhile, every process recovers by itself', async () => {
  let whileDown: Record<string, number> = {};
  await runScenario(env, 'PostgreSQL stopped (pg_ctl -m fast) with an ASYNC job in hand, started again after 8 s', 'workload', async (workload) => {
    // The submitter's job ends while the database is away: that used to crash the process.
    const inHand = await jobsInHand(env.databaseUrl, 120_000, 'ASYNC');
    const faultAt = Date.now();
    await pg.stop();
    await sleep(DOWN_MS);
    whileDown = workload.failuresDuring(faultAt, Date.now());
    await pg.start();
    const startedAt = Date.now();
    await Promise.all(Object.values(env.processes).flat().map(ready));
    return { faultAt, extra: { downMs: DOWN_MS, asyncJobsInHandAtStop: inHand, errorsWhileDown: whileDown, allReadyAfterStartMs: Date.now() - startedAt } };
  });
  // No process had to be restarted (the scenario's ASYNC submissions were settled by the same submitter).
  expect(Object.values(env.processes).flat().every(alive)).toBe(true);
  // The outage was answered while it lasted, and with the code that says "retry": nothing masked.
  expect(whileDown.DATABASE_UNAVAILABLE).toBeGreaterThan(0);
  expect(Object.keys(whileDown).filter((code) => code !== 'DATABASE_UNAVAILABLE' && code !== 'not indexed')).toEqual([]);
});
