import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { isAlive, readProcessRecord, runningRecord, startProcess, stopProcess } from './processes';

describe('background processes with pid files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'proc-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('start, are seen running, and stop by their pid file', async () => {
    const pidFile = path.join(dir, 'sleep.json');
    const record = await startProcess({
      command: '/bin/sleep',
      args: ['30'],
      env: {},
      cwd: dir,
      pidFile,
      logFile: path.join(dir, 'sleep.log'),
    });
    expect(runningRecord(pidFile)?.pid).toBe(record.pid);
    expect(await stopProcess(pidFile)).toBe(true);
    expect(isAlive(record)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('never signal a pid that now belongs to another program', async () => {
    const pidFile = path.join(dir, 'stale.json');
    // Our own pid, recorded as if it were a Fabric peer: alive, but not the recorded program.
    await writeFile(pidFile, JSON.stringify({ pid: process.pid, command: '/nonexistent/peer', args: [], logFile: '', startedAt: '' }));
    expect(readProcessRecord(pidFile)?.pid).toBe(process.pid);
    expect(runningRecord(pidFile)).toBeUndefined();
    expect(await stopProcess(pidFile)).toBe(false);
  });
});
