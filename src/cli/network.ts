import { Command } from 'commander';

import { createChaincodeDeployer, localnetFromEnv } from '../localnet';
import { HALF_STARTED_HINT, reportFailure, runWithProgress } from './output';
import { printStatus } from './statusOutput';
import { commanderExitCode } from './commanderExit';

/** `npm run network -- up|down|status|reset`: the local Fabric network, run as plain processes. */
async function main(argv: string[]): Promise<void> {
  const program = new Command('network').description('Run the local Hyperledger Fabric network as native processes');
  program.exitOverride();
  program.command('up').description('build Fabric if needed, start CAs, orderers and peers, create and join the channel(s); idempotent').action(async () => {
    const network = localnetFromEnv();
    const deployer = createChaincodeDeployer({ network });
    try {
      await runWithProgress([
        ...network.upTasks(),
        { title: 'Chaincode servers (those deployed before)', run: (report) => deployer.ensureServers(report) },
      ]);
    } catch (error) {
      process.exitCode = reportFailure(error, HALF_STARTED_HINT);
      return;
    }
    await printStatus(network);
  });
  program.command('down').description('stop every process the network started (by pid file), keep the state').action(async () => {
    const network = localnetFromEnv();
    const servers = await createChaincodeDeployer({ network }).stopServers();
    const nodes = await network.down();
    console.log(`stopped: ${[...servers, ...nodes].join(', ') || 'nothing was running'}`);
  });
  program.command('status').description('every node with its health and ledger height').action(async () => {
    await printStatus(localnetFromEnv());
  });
  program.command('reset').description('stop everything and delete the network state (ledgers, keys, logs)').action(async () => {
    const network = localnetFromEnv();
    await createChaincodeDeployer({ network }).stopServers();
    await network.reset();
    console.log(`removed ${network.topology.stateDir}`);
  });
  await program.parseAsync(argv);
}

main(process.argv).catch((error: unknown) => {
  const usage = commanderExitCode(error);
  if (usage !== undefined) {
    process.exitCode = usage;
    return;
  }
  process.exitCode = reportFailure(error);
});
