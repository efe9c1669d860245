import path from 'node:path';

import { createChaincodeDeployer, localnetFromEnv, type DeployResult } from '../localnet';
import { printStatus } from './statusOutput';
import { ensureDevSecrets } from './devSecrets';
import { HALF_STARTED_HINT, reportFailure, runWithProgress } from './output';
import { runPrismaMigrate } from './migrate';

/**
 * `npm start`: everything on one machine, in this one process once the network is up: the local
 * Fabric network with the sample chaincode, database migrations, local development secrets, then
 * the sync worker, the submitter and the gateway (`serve --role all`) until Ctrl-C. Re-runnable:
 * each step reuses what exists.
 */
const repoRoot = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const network = localnetFromEnv();
  const deployer = createChaincodeDeployer({ network });
  const channel = network.topology.channels[0] ?? 'mychannel';
  let deployed: DeployResult | undefined;
  const secrets = ensureDevSecrets(network.topology.stateDir, process.env);
  Object.assign(process.env, { FABRIC_STATE_DIR: network.topology.stateDir }, secrets.env);
  // Read only now: the secrets above are part of it.
  const { loadConfig } = await import('../config/index.js');
  const config = loadConfig(process.env, repoRoot);
  await runWithProgress([
    ...network.upTasks(),
    { title: 'Chaincode servers (those deployed before)', run: (report) => deployer.ensureServers(report) },
    {
      title: `Sample chaincode on ${channel}`,
      run: async (report) => {
        deployed = await deployer.deploy({ channel, name: 'sample' }, report);
      },
    },
    { title: 'Database migrations (prisma migrate deploy)', run: (report) => runPrismaMigrate(config.databaseUrl, repoRoot, report) },
  ]);
  console.log('');
  await printStatus(network);
  if (deployed) console.log(`chaincode: ${deployed.name} ${deployed.version} on ${deployed.channel} (package ${deployed.packageId})`);
  for (const org of ['org1', 'org2']) {
    console.log(`connection profile ${org}: ${path.join(network.topology.stateDir, `connection-${org}.json`)}`);
  }

  const { createLogger } = await import('../common/index.js');
  const { runUntilSignal, startRoles } = await import('./roles.js');
  const log = createLogger({ level: config.logLevel, name: 'all' });
  const running = await startRoles({ config, role: 'all', log });
  const { urls } = running;
  console.log(`
The gateway runs in this process (sync worker, submitter and GraphQL API; JSON logs below). Stop it with Ctrl-C.
  GraphQL:    ${urls.graphql ?? '-'}
  WebSocket:  ${urls.websocket ?? '-'}
  GraphiQL:   ${urls.graphiql ?? '(off: GATEWAY_GRAPHIQL=false)'}
  health:     ${urls.http}/healthz  ${urls.http}/readyz  ${urls.http}/metrics
  admin:      ${secrets.adminUsername} (password: ${secrets.adminPasswordIn ? `"AUTH_BOOTSTRAP_ADMIN_PASSWORD" in ${secrets.adminPasswordIn}` : 'AUTH_BOOTSTRAP_ADMIN_PASSWORD from your environment'})
The network keeps running in the background after that; stop it with \`npm run network -- down\`.
`);
  const code = await runUntilSignal(running, log, config.gateway.shutdownGraceMs);
  process.exitCode = code;
  setTimeout(() => process.exit(code), 3000).unref();
}

main().catch((error: unknown) => {
  process.exitCode = reportFailure(error, HALF_STARTED_HINT);
});
