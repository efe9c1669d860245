import path from 'node:path';

import { createChaincodeDeployer, localnetFromEnv, type DeployResult } from '../localnet';
import { printStatus } from './statusOutput';
import { HALF_STARTED_HINT, reportFailure, runWithProgress } from './output';

/**
 * `npm start`: everything on one machine. Today that is the local Fabric network with the sample
 * chaincode deployed; later steps add migrations, the sync worker and the gateway.
 */
async function main(): Promise<void> {
  const network = localnetFromEnv();
  const deployer = createChaincodeDeployer({ network });
  const channel = network.topology.channels[0] ?? 'mychannel';
  let deployed: DeployResult | undefined;
  await runWithProgress([
    ...network.upTasks(),
    { title: 'Chaincode servers (those deployed before)', run: (report) => deployer.ensureServers(report) },
    {
      title: `Sample chaincode on ${channel}`,
      run: async (report) => {
        deployed = await deployer.deploy({ channel, name: 'sample' }, report);
      },
    },
  ]);
  console.log('');
  await printStatus(network);
  if (deployed) console.log(`chaincode: ${deployed.name} ${deployed.version} on ${deployed.channel} (package ${deployed.packageId})`);
  for (const org of ['org1', 'org2']) {
    console.log(`connection profile ${org}: ${path.join(network.topology.stateDir, `connection-${org}.json`)}`);
  }
  console.log('\nThe network keeps running in the background. Stop it with `npm run network -- down`.');
}

main().catch((error: unknown) => {
  process.exitCode = reportFailure(error, HALF_STARTED_HINT);
});
