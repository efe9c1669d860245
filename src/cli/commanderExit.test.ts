import { Command } from 'commander';

import { commanderExitCode } from './commanderExit';

/** What a CLI's parseAsync throws for these arguments, with commander's output silenced. */
async function outcome(args: string[]): Promise<unknown> {
  const program = new Command('tool').exitOverride().version('1.0.0').configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  program.command('run').requiredOption('--channel <name>').action(() => undefined);
  try {
    await program.parseAsync(args, { from: 'user' });
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('commanderExitCode', () => {
  it('is 0 after --help and --version', async () => {
    expect(commanderExitCode(await outcome(['--help']))).toBe(0);
    expect(commanderExitCode(await outcome(['--version']))).toBe(0);
  });

  it('is 2 for a usage error', async () => {
    expect(commanderExitCode(await outcome(['run']))).toBe(2);
    expect(commanderExitCode(await outcome(['run', '--channel', 'c', '--bogus']))).toBe(2);
  });

  it('leaves every other error to the command', () => {
    expect(commanderExitCode(new Error('peer unreachable'))).toBeUndefined();
    expect(commanderExitCode(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(commanderExitCode('not an error')).toBeUndefined();
  });
});
