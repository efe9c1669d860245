import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

import { RUN_LOG_DIR } from './logScan';
import { TEST_PORT_BASE, TEST_STATE_DIR } from './testNetwork';

/**
 * One of the project's commands (`src/cli/<name>.ts`) as a real process against the test network,
 * so that tests can SIGKILL it mid-work the way a crash or an OOM kill would. Its stdout and stderr
 * are kept in memory (`output()`) and appended to `<RUN_LOG_DIR>/<command>[-<role>]-<pid>.log`,
 * which globalTeardown scans for private keys and JWTs.
 */
const repoRoot = path.resolve(__dirname, '..', '..');

export interface CliProcess {
  readonly child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * `prefix` runs the command through another program that then execs Node (e.g. `ip netns exec
 * <name>`, which keeps the pid, so `kill()` still reaches the command itself).
 */
export function startCliProcess(command: string, args: readonly string[], env: Record<string, string>, prefix: readonly string[] = []): CliProcess {
  const [file, ...argv] = [...prefix, process.execPath, '--import', 'tsx', path.join(repoRoot, 'src', 'cli', `${command}.ts`), ...args] as [string, ...string[]];
  const child = spawn(file, argv, {
    cwd: repoRoot,
    env: { ...process.env, FABRIC_STATE_DIR: TEST_STATE_DIR, FABRIC_PORT_BASE: String(TEST_PORT_BASE), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const role = args.indexOf('--role');
  const logFile = path.join(RUN_LOG_DIR, `${command}${role >= 0 && args[role + 1] ? `-${args[role + 1]}` : ''}-${child.pid ?? 'nopid'}.log`);
  mkdirSync(RUN_LOG_DIR, { recursive: true });
  appendFileSync(logFile, `# ${command} ${args.join(' ')} (${new Date().toISOString()})\n`);
  const collect = (chunk: Buffer): void => {
    const text = chunk.toString();
    output += text;
    appendFileSync(logFile, text);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return {
    child,
    output: () => output,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}
