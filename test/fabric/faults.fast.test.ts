/**
 * The fast slice of the fault suite (issue #8), inside `npm test`: the same scenarios as
 * `npm run test:faults` (test/faults/scenarios.ts), fewer and shorter, on the shared test network,
 * each under the steady mixed workload (test/faults/workload.ts) against separate `gateway`,
 * `sync` and `submitter` processes and followed by the invariant checker:
 * - the sync worker SIGKILLed inside its batch transaction three times (restarted each time);
 * - the submitter SIGKILLed with a job in hand (a new one started);
 * - one peer of each organisation SIGKILLed and started again.
 * Every node it kills is started again and caught up before the next file runs on the network.
 */
import { nodesKilledAndRestarted, peersCaughtUp, submitterKilledWithJobInHand, syncWorkerKilledMidBatch } from '../faults/scenarios';
import { startEnvironment, type Environment } from '../faults/environment';
import { testNetwork } from './testNetwork';

jest.setTimeout(600_000);

const network = testNetwork();
const PEERS = ['peer1.org1.example.com', 'peer1.org2.example.com'];
const DOWN_MS = 5000;

let env: Environment;

beforeAll(async () => {
  env = await startEnvironment({ name: 'fast' });
});

afterAll(async () => {
  await env.stopAll();
  // Should a scenario have failed half-way: the peers up and caught up again for the files after this one.
  for (const peer of PEERS) await network.startNode(peer);
  await peersCaughtUp(network, PEERS);
});

test('the sync worker SIGKILLed mid-batch three times under load: no row beyond the checkpoint, then caught up, nothing lost or doubled', async () => {
  const summary = await syncWorkerKilledMidBatch(env, 3);
  expect(summary.mutationsAcknowledged).toBeGreaterThan(0);
});

test('the submitter SIGKILLed with a job in hand: a new one finishes it, once', async () => {
  const summary = await submitterKilledWithJobInHand(env);
  expect(summary.mutationsAcknowledged).toBeGreaterThan(0);
});

test('one peer of each organisation SIGKILLed and started again under load', async () => {
  const summary = await nodesKilledAndRestarted(env, network, `one peer of each organisation SIGKILLed, restarted after ${DOWN_MS / 1000} s`, PEERS, DOWN_MS);
  expect(summary.mutationsAcknowledged).toBeGreaterThan(0);
});
