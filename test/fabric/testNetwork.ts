import path from 'node:path';

import { createChaincodeDeployer, createLocalNetwork, createTopology, type LocalNetwork } from '../../src/localnet';

/**
 * The integration tests' own network: its own state folder and its own ports, so that it can run
 * beside a developer's `npm start` network. Override with TEST_FABRIC_PORT_BASE if 29000-29060
 * is taken on your machine, and TEST_FABRIC_STATE_DIR to run two test networks side by side.
 */
export const TEST_PORT_BASE = Number(process.env.TEST_FABRIC_PORT_BASE ?? 29000);
export const TEST_STATE_DIR = path.resolve(process.env.TEST_FABRIC_STATE_DIR ?? path.join(__dirname, '..', '..', '.fabric-test'));
export const TEST_CHANNEL = 'mychannel';
/** A second channel, as the sync worker will index more than one. */
export const SECOND_CHANNEL = 'second';
export const TEST_CHAINCODE = 'sample';

export function testNetwork(): LocalNetwork {
  return createLocalNetwork({
    topology: createTopology({ stateDir: TEST_STATE_DIR, portBase: TEST_PORT_BASE, channels: [TEST_CHANNEL, SECOND_CHANNEL] }),
  });
}

export function testDeployer(network: LocalNetwork = testNetwork()): ReturnType<typeof createChaincodeDeployer> {
  return createChaincodeDeployer({ network });
}
