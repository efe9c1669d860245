import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { createFabricConnection, type FabricConnection } from '../src/ledger';
import { createChaincodeDeployer, createLocalNetwork, createTopology, type ChaincodeDeployer, type LocalNetwork } from '../src/localnet';
import { connectClient } from '../test/fabric/ledgerClient';

/**
 * A benchmark's own Fabric network (its own state folder and ports, so that it runs beside the
 * test networks): started, or reused when it is already up, with the sample chaincode deployed on
 * one channel and its chaincode servers running. It keeps its ledger between runs unless asked
 * for a fresh one; `stop()` stops its processes (as `npm run network -- down` does) and keeps the
 * state.
 */
export const BENCH_CHANNEL = 'mychannel';
export const BENCH_CHAINCODE = 'sample';

/** Org1's user1 on a bench network, as the sync benchmarks read blocks. */
export function benchConnection(stateDir: string): FabricConnection {
  const user = path.join(stateDir, 'orgs', 'org1', 'users', 'user1@org1.example.com', 'msp');
  return createFabricConnection({
    connectionProfilePath: path.join(stateDir, 'connection-org1.json'),
    mspId: 'Org1MSP',
    certificatePath: path.join(user, 'signcerts', 'cert.pem'),
    privateKeyPath: path.join(user, 'keystore'),
    asLocalhost: true,
  });
}

export interface BenchNetwork {
  readonly network: LocalNetwork;
  readonly deployer: ChaincodeDeployer;
  stop(): Promise<void>;
}

/** `fresh`: stop whatever runs from `stateDir` and delete its state first, for a new ledger. */
export async function startBenchNetwork({ stateDir, portBase, fresh = false }: { stateDir: string; portBase: number; fresh?: boolean }): Promise<BenchNetwork> {
  const network = createLocalNetwork({ topology: createTopology({ stateDir, portBase, channels: [BENCH_CHANNEL] }) });
  const deployer = createChaincodeDeployer({ network });
  if (fresh) {
    await deployer.stopServers();
    await network.reset();
  }
  await network.up();
  await deployer.ensureServers();
  await deployer.deploy({ channel: BENCH_CHANNEL, name: BENCH_CHAINCODE });
  return {
    network,
    deployer,
    async stop() {
      await deployer.stopServers();
      await network.down();
    },
  };
}

/**
 * Right after the network starts, gossip has not yet told the peers about the other organisation,
 * and discovery finds no peers that satisfy the endorsement policy: submits `CreateAsset <probeId>`
 * until it commits, with a new client each time (a client keeps what discovery first told it).
 */
export async function waitUntilEndorsable(network: LocalNetwork, probeId: string, attempts = 40): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const probe = await connectClient(network, 'org1', { channel: BENCH_CHANNEL });
    try {
      await probe.contract(BENCH_CHAINCODE, 'assets').submitTransaction('CreateAsset', probeId, 'probe', '{}');
      return;
    } catch (error) {
      if (attempt >= attempts) throw error;
      await sleep(3000);
    } finally {
      probe.close();
    }
  }
}
