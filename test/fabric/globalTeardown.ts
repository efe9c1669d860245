import { testDeployer, testNetwork } from './testNetwork';

/** Stops every process the tests started, by pid file. The state stays in .fabric-test/ for a post-mortem. */
export default async function globalTeardown(): Promise<void> {
  const network = testNetwork();
  await testDeployer(network).stopServers();
  await network.down();
}
