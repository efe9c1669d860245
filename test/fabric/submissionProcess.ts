import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

import { TEST_STATE_DIR } from './testNetwork';

/**
 * The submitter as a real process (`src/cli/submitter.ts`), so that tests can SIGKILL it in the
 * middle of its jobs the way a crash or an OOM kill would.
 */
const repoRoot = path.resolve(__dirname, '..', '..');

export interface SubmissionProcess {
  readonly child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startSubmissionProcess(options: { databaseUrl: string; walletKey: string; env?: Record<string, string> }): SubmissionProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src', 'cli', 'submitter.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      FABRIC_STATE_DIR: TEST_STATE_DIR,
      WALLET_KEY: options.walletKey,
      LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
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
