import path from 'node:path';

import { silentLogger } from '../../src/common';
import { loadConfig } from '../../src/config';
import { createFabricConnection, createFabricPeerProbe, createPeerMonitor, organisationsWithoutPeers, peerTargetsFromProfileFiles, type PeerMonitor, type PeerStatus } from '../../src/ledger';
import { connectClient, type TestClient } from './ledgerClient';
import { TEST_CHAINCODE, TEST_CHANNEL, TEST_STATE_DIR, testNetwork } from './testNetwork';
import { eventually, uniqueId } from './waiting';

/**
 * The peer monitor against the real network: every peer's own height, a killed peer reported
 * unreachable and flagged as lagging while the others commit, and cleared once it is back.
 */
const network = testNetwork();
const STOPPED = 'peer1.org2.example.com';
let monitor: PeerMonitor;
let client: TestClient;

const of = (statuses: readonly PeerStatus[], peer: string): PeerStatus => {
  const status = statuses.find((s) => s.peer === peer);
  if (!status) throw new Error(`no status for ${peer}`);
  return status;
};

beforeAll(async () => {
  const config = loadConfig({ FABRIC_STATE_DIR: TEST_STATE_DIR }, path.resolve(__dirname, '..', '..'));
  const targets = await peerTargetsFromProfileFiles(config.identities.connectionProfilePaths);
  monitor = createPeerMonitor({
    probe: createFabricPeerProbe({ connection: createFabricConnection(config.ledger), timeoutMs: 3000 }),
    targets,
    channels: [TEST_CHANNEL],
    intervalMs: 60_000,
    divergence: { maxLagBlocks: 1, graceMs: 0 },
    log: silentLogger,
  });
  client = await connectClient(network, 'org1', { channel: TEST_CHANNEL });
}, 60_000);

afterAll(async () => {
  monitor.stop();
  client.close();
  await network.startNode(STOPPED);
}, 60_000);

test('every peer of both organisations answers with its own height', async () => {
  const statuses = await eventually(async () => {
    const round = await monitor.checkNow();
    const heights = round.map((s) => s.height);
    if (round.some((s) => !s.reachable) || new Set(heights.map(String)).size !== 1) throw new Error(`not settled: ${JSON.stringify(round.map((s) => [s.peer, String(s.height)]))}`);
    return round;
  });
  expect(statuses.map((s) => s.peer).sort()).toEqual(['peer0.org1.example.com', 'peer0.org2.example.com', 'peer1.org1.example.com', 'peer1.org2.example.com']);
  expect(new Set(statuses.map((s) => s.mspId))).toEqual(new Set(['Org1MSP', 'Org2MSP']));
  for (const s of statuses) expect(s.height).toBeGreaterThan(0n);
}, 60_000);

test('a killed peer shows unreachable and diverged while the others commit, and clears after its restart', async () => {
  const before = of(await monitor.checkNow(), STOPPED);
  await network.stopNode(STOPPED, { kill: true });
  for (let i = 0; i < 3; i++) await client.contract(TEST_CHAINCODE, 'assets').submitTransaction('CreateAsset', uniqueId('monitor'), 'probe', '{}');

  const down = await monitor.checkNow();
  expect(of(down, STOPPED)).toMatchObject({ reachable: false, height: before.height, diverged: true });
  expect(of(down, 'peer0.org2.example.com')).toMatchObject({ reachable: true, diverged: false });
  expect(of(down, 'peer0.org2.example.com').height).toBeGreaterThanOrEqual((before.height ?? 0n) + 3n);
  expect(organisationsWithoutPeers(down)).toEqual([]);

  await network.startNode(STOPPED);
  const back = await eventually(async () => {
    const status = of(await monitor.checkNow(), STOPPED);
    if (!status.reachable || status.diverged) throw new Error(`still ${JSON.stringify({ reachable: status.reachable, diverged: status.diverged })}`);
    return status;
  }, 60_000);
  expect(back.error).toBeNull();
}, 180_000);
