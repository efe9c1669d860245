import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { Client } from 'pg';

import { runPrismaCli } from '../db/isolatedDatabase';
import { freePort } from './gatewayProcess';

/**
 * A private, throw-away PostgreSQL cluster for tests that stop and start the database under the
 * gateway (operations.faults, the fault suite); the shared test server is never touched.
 */
const execFileAsync = promisify(execFile);

/** The newest PostgreSQL server binaries installed (Debian's layout). */
export function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error(`no PostgreSQL server binaries (initdb) under ${root}`);
  return path.join(root, newest, 'bin');
}

export interface PrivatePostgres {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server if it runs and removes its folder. */
  destroy(): Promise<void>;
}

/**
 * A throw-away PostgreSQL cluster in a temporary folder on a free port, with one database
 * `gateway`. initdb refuses root, so as root the cluster belongs to the `postgres` user.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ledger-gateway-pg-'));
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const [uid, gid] = await Promise.all(['-u', '-g'].map(async (flag) => Number((await execFileAsync('id', [flag, 'postgres'])).stdout.trim())));
    await chown(dir, uid ?? 0, gid ?? 0);
  }
  const run = (tool: string, args: string[]): Promise<unknown> =>
    asRoot ? execFileAsync('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]) : execFileAsync(path.join(bin, tool), args);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  let running = false;
  const pg: PrivatePostgres = {
    url: `postgresql://postgres@127.0.0.1:${port}/gateway`,
    async start() {
      await run('pg_ctl', ['-D', dataDir, '-o', options, '-l', path.join(dir, 'server.log'), '-w', 'start']);
      running = true;
    },
    async stop() {
      await run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      running = false;
    },
    async destroy() {
      if (running) await pg.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await run('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync']);
    await pg.start();
    const client = new Client({ connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres` });
    await client.connect();
    await client.query('CREATE DATABASE gateway').finally(() => client.end());
    const migrated = await runPrismaCli(['migrate', 'deploy'], pg.url);
    if (migrated.code !== 0) throw new Error(`prisma migrate deploy failed:\n${migrated.stdout}\n${migrated.stderr}`);
  } catch (error) {
    await pg.destroy();
    throw error;
  }
  return pg;
}
