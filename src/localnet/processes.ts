import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Background processes that outlive the command that started them (a network stays up after
 * `network up` returns). Each one is recorded in a pid file; `stop` only signals a pid whose
 * command line still matches what was started, so a recycled pid is never killed.
 */
export interface ProcessRecord {
  readonly pid: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly startedAt: string;
}

export interface StartOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly pidFile: string;
  readonly logFile: string;
}

export async function startProcess(options: StartOptions): Promise<ProcessRecord> {
  await mkdir(path.dirname(options.pidFile), { recursive: true });
  await mkdir(path.dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, 'a');
  try {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        if (child.pid === undefined) reject(new Error(`${options.command} started without a pid`));
        else resolve(child.pid);
      });
    });
    child.unref();
    const record: ProcessRecord = {
      pid,
      command: options.command,
      args: options.args,
      logFile: options.logFile,
      startedAt: new Date().toISOString(),
    };
    await writeFile(options.pidFile, JSON.stringify(record, null, 2));
    return record;
  } finally {
    closeSync(log);
  }
}

export function readProcessRecord(pidFile: string): ProcessRecord | undefined {
  if (!existsSync(pidFile)) return undefined;
  try {
    return JSON.parse(readFileSync(pidFile, 'utf8')) as ProcessRecord;
  } catch {
    return undefined;
  }
}

/** True when the pid is alive AND is still the program we started (not a recycled pid). */
export function isAlive(record: ProcessRecord): boolean {
  try {
    process.kill(record.pid, 0);
  } catch {
    return false;
  }
  try {
    const argv = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0');
    const program = argv[0] ?? '';
    const sameProgram = program === record.command || path.basename(program) === path.basename(record.command);
    return sameProgram && record.args.every((arg) => argv.includes(arg));
  } catch {
    // No /proc (not Linux): fall back to the signal check above.
    return true;
  }
}

export function runningRecord(pidFile: string): ProcessRecord | undefined {
  const record = readProcessRecord(pidFile);
  return record && isAlive(record) ? record : undefined;
}

/** Stops the process of a pid file: SIGTERM, then SIGKILL after the grace period. */
export async function stopProcess(pidFile: string, graceMs = 10_000): Promise<boolean> {
  const record = readProcessRecord(pidFile);
  if (!record) return false;
  let stopped = false;
  if (isAlive(record)) {
    signal(record.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(record) && Date.now() < deadline) await sleep(100);
    if (isAlive(record)) {
      signal(record.pid, 'SIGKILL');
      while (isAlive(record)) await sleep(50);
    }
    stopped = true;
  }
  await rm(pidFile, { force: true });
  return stopped;
}

/** Kills at once, as a crash would; used by failure tests. */
export async function killProcess(pidFile: string): Promise<void> {
  const record = readProcessRecord(pidFile);
  if (!record || !isAlive(record)) return;
  signal(record.pid, 'SIGKILL');
  while (isAlive(record)) await sleep(50);
  await rm(pidFile, { force: true });
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

export async function readLogTail(logFile: string, lines = 20): Promise<string> {
  if (!existsSync(logFile)) return '';
  const text = await readFile(logFile, 'utf8');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Resident memory of a process in KiB (Linux), for `network status`. */
export function residentKiB(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
