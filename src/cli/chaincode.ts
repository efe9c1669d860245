import { Command, InvalidArgumentError } from 'commander';

import { createChaincodeDeployer, localnetFromEnv, type DeployResult } from '../localnet';
import { reportFailure, runWithProgress } from './output';
import { commanderExitCode } from './commanderExit';

/** `npm run chaincode -- deploy|upgrade|list`: the sample chaincode's lifecycle on the local network. */
function describe(result: DeployResult): string {
  const what = result.changed ? 'deployed' : 'already deployed (nothing to do)';
  return `${result.name} ${result.version} ${what} on ${result.channel}: sequence ${result.sequence}, package ${result.packageId}, server ${result.address}`;
}

function nonEmpty(value: string): string {
  if (!value.trim()) throw new InvalidArgumentError('must not be empty');
  return value.trim();
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('chaincode').description('Deploy the sample chaincode as a service on the local network');
  program.exitOverride();
  for (const verb of ['deploy', 'upgrade'] as const) {
    program
      .command(verb)
      .description(verb === 'deploy' ? 'package, install, approve, commit and start the chaincode; a repeat is a no-op' : 'roll out the next version and sequence without stopping reads')
      .option('-C, --channel <name>', 'channel', nonEmpty, 'mychannel')
      .option('-n, --name <name>', 'chaincode name', nonEmpty, 'sample')
      .option('-v, --version <version>', verb === 'deploy' ? 'version (default: chaincode/package.json)' : 'version (default: the committed one, last number + 1)', nonEmpty)
      .action(async (options: { channel: string; name: string; version?: string }) => {
        const deployer = createChaincodeDeployer({ network: localnetFromEnv() });
        let result: DeployResult | undefined;
        await runWithProgress([
          {
            title: `${verb} ${options.name} on ${options.channel}`,
            run: async (report) => {
              result = await deployer[verb](options, report);
            },
          },
        ]);
        if (result) console.log(describe(result));
      });
  }
  program
    .command('list')
    .description('committed chaincode definitions and their servers')
    .option('-C, --channel <name>', 'channel', nonEmpty, 'mychannel')
    .action(async (options: { channel: string }) => {
      const listings = await createChaincodeDeployer({ network: localnetFromEnv() }).list(options.channel);
      if (listings.length === 0) console.log(`no chaincode committed on ${options.channel}`);
      for (const cc of listings) {
        const server = cc.server ? `${cc.server.address}${cc.server.pid === undefined ? ' (not running)' : ` pid ${cc.server.pid}`}` : '-';
        console.log(`${cc.name}\tversion ${cc.version}\tsequence ${cc.sequence}\tserver ${server}`);
      }
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
