import { rmSync } from 'node:fs';

import { RUN_LOG_DIR } from './logScan';
import { testDeployer, testNetwork, TEST_CHAINCODE, TEST_CHANNEL } from './testNetwork';

/**
 * Starts a fresh, real Fabric network (3 Raft orderers, 2 organisations with 2 peers each, 3 CAs)
 * and deploys the sample chaincode before the integration tests run. Empties this network's
 * folder of process logs, which globalTeardown scans for secrets.
 */
export default async function globalSetup(): Promise<void> {
  const network = testNetwork();
  const deployer = testDeployer(network);
  await deployer.stopServers();
  rmSync(RUN_LOG_DIR, { recursive: true, force: true });
  await network.reset();
  const started = Date.now();
  const log = (message: string): void => {
    process.stderr.write(`[fabric setup ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
  };
  await network.up(log);
  await deployer.deploy({ channel: TEST_CHANNEL, name: TEST_CHAINCODE }, log);
  log('network ready');
}
