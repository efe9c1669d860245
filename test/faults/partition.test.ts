/**
 * The fault suite's network partition (issue #8): the gateway, sync and submitter processes run in
 * a network namespace of their own (`netns.ts`), reaching PostgreSQL, the CAs, the orderers and
 * Org1's peers over one veth pair and Org2's peers over another; under the steady mixed workload
 * the Org2 link drops every packet (both ways) for a while, then heals.
 *
 * The chaincode is committed with the channel's default endorsement policy, MAJORITY Endorsement
 * of two organisations (src/localnet/configtx.ts), so no write can commit while Org2's peers are
 * cut off; queries (the cache) keep answering. How clients see it depends on the ledger's retry
 * budget (LEDGER_RETRY_MAX_ATTEMPTS x LEDGER_ENDORSE_TIMEOUT_MS, 6 x 15 s by default): a partition
 * shorter than that is waited out (latency, no error); a longer one ends each write's budget with
 * a clear 503-type code, which the clients retry with their idempotency keys until the link heals.
 * One scenario each. The invariant checker then proves that nothing acknowledged was lost and
 * nothing reported failed is on the ledger.
 *
 * Needs root and iproute2 (`ip netns`, `tc`; no firewall). Results: test-artifacts/faults/results.jsonl.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { allNodes, listeningPorts, type FabricNode } from '../../src/localnet/topology';
import { testNetwork } from '../fabric/testNetwork';
import { eventually } from '../fabric/waiting';
import { alive, runScenario, startEnvironment } from './environment';
import type { WorkloadSummary } from './workload';
import { createNetnsLab, type NetnsLab } from './netns';

jest.setTimeout(900_000);

/** The codes a write may fail with while an endorsing organisation is unreachable: clear, never masked. */
const PARTITION_CODES = ['LEDGER_UNAVAILABLE', 'TIMEOUT', 'ENDORSEMENT_FAILED'];

const topology = testNetwork().topology;
const isolated = (node: FabricNode): boolean => node.kind === 'peer' && node.org === 'org2';
const portsOf = (nodes: readonly FabricNode[]): number[] => nodes.flatMap((node) => listeningPorts(node).map((p) => p.port));

/** The port of the PostgreSQL server the test databases live on (a loopback address, like the nodes'). */
function databasePort(): number {
  const url = new URL(process.env.TEST_DATABASE_SERVER_URL ?? 'postgresql://postgres@127.0.0.1:5432');
  if (!['127.0.0.1', 'localhost'].includes(url.hostname)) throw new Error(`the partition scenario relays PostgreSQL on loopback only, not ${url.hostname}`);
  return Number(url.port || 5432);
}

let lab: NetnsLab | undefined;

beforeAll(async () => {
  lab = await createNetnsLab({
    name: 'lgw-part',
    links: [
      { name: 'm', ports: [databasePort(), ...portsOf(allNodes(topology).filter((n) => !isolated(n)))] },
      { name: 'o2', ports: portsOf(allNodes(topology).filter(isolated)) },
    ],
  });
});

afterAll(async () => {
  await lab?.destroy();
});

/** The gateway's /readyz status (0 when it does not answer). */
const readyz = async (url: string): Promise<number> =>
  fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) }).then(
    (r) => r.status,
    () => 0,
  );

/**
 * Runs the scenario on a fresh environment inside the namespace: Org2's link cut for `partitionMs`
 * under the workload, then healed. The gateway's /readyz halfway through the cut is recorded.
 */
async function partitionScenario(options: { name: string; scenario: string; partitionMs: number; env?: Record<string, string> }): Promise<{ summary: WorkloadSummary; dropped: number }> {
  const netns = lab;
  if (!netns) throw new Error('no namespace');
  const environment = await startEnvironment({ name: options.name, env: options.env, launch: { netns: netns.netns, host: netns.address } });
  try {
    const gateway = environment.processes.gateway[0];
    if (!gateway) throw new Error('no gateway');
    let dropped = 0;
    const summary = await runScenario(environment, options.scenario, 'workload', async () => {
      const faultAt = Date.now();
      await netns.cut('o2');
      await sleep(options.partitionMs / 2);
      const readyzDuringPartition = await readyz(gateway.url);
      await sleep(options.partitionMs / 2);
      dropped = await netns.dropped('o2');
      await netns.heal('o2');
      return { faultAt, extra: { partitionMs: options.partitionMs, healedAfterMs: Date.now() - faultAt, droppedPackets: dropped, readyzDuringPartition, ledgerEnv: options.env ?? {} } };
    });
    // No process died of it, and the gateway is ready again (a peer of each organisation reachable).
    expect(Object.values(environment.processes).flat().every(alive)).toBe(true);
    await eventually(async () => {
      if ((await readyz(gateway.url)) !== 200) throw new Error('not ready after healing');
    }, 60_000);
    return { summary, dropped };
  } finally {
    await environment.stopAll();
  }
}

test("Org2's peers cut off for 20 s, within the ledger's retry budget: writes wait, no client error", async () => {
  const { summary, dropped } = await partitionScenario({
    name: 'partition_short',
    scenario: "network partition: Org2's peers unreachable (packets dropped) for 20 s, healed; default ledger budget (6 x 15 s)",
    partitionMs: 20_000,
  });
  // The cut did drop traffic between the processes and Org2's peers.
  expect(dropped).toBeGreaterThan(0);
  // Each write in flight outlived the cut inside the gateway's own retries.
  expect(summary.errorsByCode).toEqual({});
});

test("Org2's peers cut off for 45 s, beyond a 3 x 5 s ledger budget: writes fail with a clear code, then commit again", async () => {
  const { summary, dropped } = await partitionScenario({
    name: 'partition_long',
    scenario: "network partition: Org2's peers unreachable (packets dropped) for 45 s, healed; ledger budget 3 x 5 s",
    partitionMs: 45_000,
    env: { LEDGER_ENDORSE_TIMEOUT_MS: '5000', LEDGER_RETRY_MAX_ATTEMPTS: '3' },
  });
  expect(dropped).toBeGreaterThan(0);
  // Writes need Org2's endorsement: some failed, each with a clear code a client retries.
  expect(summary.failedAttempts).toBeGreaterThan(0);
  expect(Object.keys(summary.errorsByCode).filter((code) => !PARTITION_CODES.includes(code))).toEqual([]);
});
