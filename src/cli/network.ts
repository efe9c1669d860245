import { Command } from 'commander';

import { createChaincodeDeployer, localnetFromEnv, type LocalNetwork, type NodeStatus } from '../localnet';
import { HALF_STARTED_HINT, reportFailure, runWithProgress, table } from './output';

/** `npm run network -- up|down|status|reset`: the local Fabric network, run as plain processes. */
export function statusTable(statuses: readonly NodeStatus[], channels: readonly string[]): string {
  const rows = statuses.map((s) => [
    s.name,
    s.kind,
    s.org,
    s.address,
    s.pid === undefined ? '-' : String(s.pid),
    s.healthy ? 'healthy' : s.detail,
    s.memoryKiB === undefined ? '-' : `${Math.round(s.memoryKiB / 1024)} MiB`,
    ...channels.map((c) => (s.kind === 'ca' ? '' : String(s.heights[c] ?? '-'))),
  ]);
  const total = statuses.reduce((sum, s) => sum + (s.memoryKiB ?? 0), 0);
  return `${table([['NODE', 'KIND', 'MSP', 'ADDRESS', 'PID', 'HEALTH', 'MEMORY', ...channels.map((c) => `HEIGHT(${c})`)], ...rows])}\nmemory of the Fabric nodes: ${Math.round(total / 1024)} MiB resident`;
}

export async function printStatus(network: LocalNetwork): Promise<void> {
  const statuses = await network.status();
  console.log(statusTable(statuses, network.topology.channels));
  const listings = network.isUp() ? await createChaincodeDeployer({ network }).list(network.topology.channels[0] ?? 'mychannel').catch(() => []) : [];
  for (const cc of listings) {
    const server = cc.server ? `${cc.server.address} pid ${cc.server.pid === undefined ? '- (not running)' : String(cc.server.pid)}` : 'no server recorded';
    console.log(`chaincode ${cc.name} ${cc.version} (sequence ${cc.sequence}): server ${server}`);
  }
  console.log(`state: ${network.topology.stateDir}`);
}

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

if (require.main === module) {
  main(process.argv).catch((error: unknown) => {
    if (error instanceof Error && 'code' in error && String(error.code).startsWith('commander.')) {
      process.exitCode = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
      return;
    }
    process.exitCode = reportFailure(error);
  });
}
