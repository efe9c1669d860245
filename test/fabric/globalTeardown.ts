import { describeFindings, RUN_LOG_DIR, scanLogDir } from './logScan';
import { testDeployer, testNetwork } from './testNetwork';

/**
 * Stops every process the tests started, by pid file (the state stays in the test network's folder
 * for a post-mortem); then scans the logs of the processes the tests spawned and fails the run if
 * any holds a private key or a JWT.
 */
export default async function globalTeardown(): Promise<void> {
  const network = testNetwork();
  await testDeployer(network).stopServers();
  await network.down();
  const { files, findings } = scanLogDir(RUN_LOG_DIR);
  if (findings.length > 0) {
    throw new Error(`secrets in the logs of this run (${findings.length} in ${RUN_LOG_DIR}):\n${describeFindings(findings)}`);
  }
  process.stderr.write(`[fabric teardown] ${files} process logs in ${RUN_LOG_DIR}: no private key, no JWT\n`);
}
