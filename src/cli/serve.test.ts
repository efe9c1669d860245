import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * `serve` with bad settings, as a real process: it stops before starting anything, with a non-zero
 * exit code and ONE message that names every bad key.
 */
const repoRoot = path.resolve(__dirname, '..', '..');

describe('serve with bad configuration', () => {
  it('exits non-zero at once, naming every bad key in one message', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src', 'cli', 'serve.ts'), '--role', 'sync'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: 'not-a-port', SYNC_STALL_SECONDS: '0', LOG_LEVEL: 'loud' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.status).not.toBeNull();
    const message = result.stderr;
    expect(message.match(/bad configuration/g)).toHaveLength(1);
    expect(message).toMatch(/^\s+- PORT: expected an integer/m);
    expect(message).toMatch(/^\s+- SYNC_STALL_SECONDS: expected an integer/m);
    expect(message).toMatch(/^\s+- LOG_LEVEL: expected one of/m);
    expect(result.stdout).not.toMatch(/serving/);
  });
});
