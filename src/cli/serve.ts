import path from 'node:path';

import { Command, Option } from 'commander';

import { createLogger } from '../common';
import { ConfigError, loadConfig } from '../config';
import { ROLES, type Role } from './roles';
import { commanderExitCode } from './commanderExit';

/**
 * `npm run serve -- --role gateway|sync|submitter|all` (or ROLE=…): one process role, or all of
 * them, with /healthz and /readyz on PORT; the gateway also serves /graphql (and /graphiql). Stops
 * gracefully on SIGTERM/SIGINT. `npm run gateway` is `--role gateway`.
 */
const repoRoot = path.resolve(__dirname, '..', '..');

async function main(argv: string[]): Promise<void> {
  const program = new Command('serve').description('Run the gateway, the sync worker, the submitter, or all of them');
  program.exitOverride();
  program.addOption(new Option('--role <role>', 'which parts to run').choices(ROLES).env('ROLE').default('all'));
  program.parse(argv);
  const { role } = program.opts<{ role: Role }>();
  const config = loadConfig(process.env, repoRoot);
  const log = createLogger({ level: config.logLevel, name: role });
  // Loaded after the arguments are parsed: the Fabric SDK reads process.argv when imported.
  const { runUntilSignal, startRoles } = await import('./roles.js');
  const running = await startRoles({ config, role, log });
  log.info({ role, ...running.urls }, 'serving');
  const code = await runUntilSignal(running, log, config.gateway.shutdownGraceMs);
  process.exitCode = code;
  // A library that keeps a handle open (a gRPC channel, a timer) must not keep a stopped process alive.
  setTimeout(() => process.exit(code), 3000).unref();
}

main(process.argv).catch((error: unknown) => {
  const usage = commanderExitCode(error);
  if (usage !== undefined) {
    process.exitCode = usage;
    return;
  }
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
});
