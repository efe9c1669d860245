import { spawn } from 'node:child_process';

import { LocalnetError, LocalnetErrorCode } from './errors';

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Names the step in the error message, e.g. "install on peer0.org1". */
  readonly step?: string;
  readonly timeoutMs?: number;
  /** Called with each chunk of output, for long builds that show progress. */
  readonly onOutput?: (chunk: string) => void;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to completion and captures its output. A non-zero exit becomes a LocalnetError
 * that names the step and carries the tail of stderr, which is where Fabric's tools explain
 * themselves.
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      options.onOutput?.(chunk.toString());
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onOutput?.(chunk.toString());
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      reject(
        new LocalnetError(
          LocalnetErrorCode.COMMAND_FAILED,
          `${options.step ?? command}: cannot run ${command}: ${error.message}`,
          undefined,
          { cause: error },
        ),
      );
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (code === 0) {
        resolve({ stdout, stderr });
        return;
      }
      const why = signal ? `killed by ${signal}` : `exit code ${String(code)}`;
      const tail = lastLines(stderr || stdout, 15);
      reject(
        new LocalnetError(
          LocalnetErrorCode.COMMAND_FAILED,
          `${options.step ?? command} failed (${why}): ${command} ${args.join(' ')}\n${tail}`,
        ),
      );
    });
  });
}

export function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}
