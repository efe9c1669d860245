/**
 * The exit code for commander's own outcomes, which `exitOverride()` turns into errors: 0 after
 * `--help` or `--version`, 2 for a usage error (an unknown option, a missing argument). Any other
 * error gives undefined: the command reports it its own way.
 */
export function commanderExitCode(error: unknown): number | undefined {
  if (!(error instanceof Error) || !('code' in error)) return undefined;
  const code = String(error.code);
  if (!code.startsWith('commander.')) return undefined;
  return code === 'commander.helpDisplayed' || code === 'commander.version' ? 0 : 2;
}
