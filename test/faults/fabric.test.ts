/**
 * The fault suite's Fabric faults (issue #8), each under the steady mixed workload of
 * `workload.ts` and followed by the invariant checker: one peer of each organisation SIGKILLed
 * and started again; one orderer of three (a follower) SIGKILLed and started again; the Raft
 * leader SIGKILLed (a new leader is elected) and started again; the chaincode server SIGKILLed
 * and started again. Results: test-artifacts/faults/results.jsonl.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { killProcess } from '../../src/localnet/processes';
import { testDeployer, testNetwork, TEST_CHANNEL, TEST_STATE_DIR } from '../fabric/testNetwork';
import { eventually } from '../fabric/waiting';
import { runScenario, startEnvironment, type Environment } from './environment';
import { nodesKilledAndRestarted } from './scenarios';

jest.setTimeout(900_000);

const network = testNetwork();
const PEERS = ['peer1.org1.example.com', 'peer1.org2.example.com'];
/** How long a fault lasts before the node is started again. */
const DOWN_MS = 8000;

let env: Environment;

beforeAll(async () => {
  env = await startEnvironment({ name: 'fabric' });
});

afterAll(async () => {
  await env.stopAll();
  for (const node of [...PEERS, ...network.topology.orderers.map((o) => o.name)]) await network.startNode(node).catch(() => undefined);
  await testDeployer(network).ensureServers();
});

/** The orderer whose operations endpoint says it leads the channel's Raft cluster. */
async function raftLeader(except?: string): Promise<string> {
  return eventually(async () => {
    for (const orderer of network.topology.orderers.filter((o) => o.name !== except)) {
      const body = await fetch(`http://127.0.0.1:${orderer.opsPort}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      if (new RegExp(`^consensus_etcdraft_is_leader\\{channel="${TEST_CHANNEL}"\\} 1$`, 'm').test(body)) return orderer.name;
    }
    throw new Error('no Raft leader');
  }, 60_000);
}

/** Kills `nodes` (SIGKILL) under the workload and starts them again after DOWN_MS. */
const killAndRestart = (scenario: string, nodes: readonly string[]): Promise<unknown> => nodesKilledAndRestarted(env, network, scenario, nodes, DOWN_MS);

test('one peer of each organisation SIGKILLed and started again', async () => {
  await killAndRestart('one peer of each organisation SIGKILLed, restarted after 8 s', PEERS);
});

test('one orderer of three (a follower) SIGKILLed and started again', async () => {
  const leader = await raftLeader();
  const follower = network.topology.orderers.find((o) => o.name !== leader)?.name ?? '';
  await killAndRestart('one orderer of three (a follower) SIGKILLed, restarted after 8 s', [follower]);
});

test('the Raft leader SIGKILLed: a new leader is elected, the old one rejoins', async () => {
  await runScenario(env, 'the Raft leader SIGKILLed, restarted after 8 s', 'workload', async () => {
    const leader = await raftLeader();
    const faultAt = Date.now();
    await network.stopNode(leader, { kill: true });
    const newLeader = await raftLeader(leader);
    const electedMs = Date.now() - faultAt;
    await sleep(DOWN_MS);
    await network.startNode(leader);
    return { faultAt, extra: { leader, newLeader, electedMs, downMs: DOWN_MS } };
  });
});

test('the chaincode server SIGKILLed and started again', async () => {
  const dir = path.join(TEST_STATE_DIR, 'chaincode', TEST_CHANNEL);
  const pidFiles = readdirSync(dir).filter((f) => f.endsWith('.process.json'));
  expect(pidFiles.length).toBeGreaterThan(0);
  await runScenario(env, 'the chaincode server SIGKILLed, restarted after 8 s', 'workload', async () => {
    const faultAt = Date.now();
    for (const file of pidFiles) await killProcess(path.join(dir, file));
    await sleep(DOWN_MS);
    await testDeployer(network).ensureServers();
    return { faultAt, extra: { downMs: DOWN_MS } };
  });
});
