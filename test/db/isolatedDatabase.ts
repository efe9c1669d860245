/**
 * A fresh PostgreSQL database per test file, migrated with the real `prisma migrate deploy`, so tests
 * never share rows and always run against the committed migrations.
 *
 * The server is the local one (`TEST_DATABASE_SERVER_URL`, default postgresql://postgres@127.0.0.1:5432);
 * its user must be allowed to create databases.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';

export interface IsolatedDatabase {
  /** Connection string of the new database. */
  url: string;
  /** Drops the database, closing any connection still open to it. Safe to call twice. */
  drop(): Promise<void>;
}

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const DEFAULT_SERVER_URL = 'postgresql://postgres@127.0.0.1:5432';
/** PostgreSQL truncates identifiers longer than this. */
const MAX_IDENTIFIER_LENGTH = 63;

/** The URL of `database` on the test server. */
export function databaseUrl(database: string): string {
  const url = new URL(process.env.TEST_DATABASE_SERVER_URL ?? DEFAULT_SERVER_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withServerClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the installed Prisma CLI in the repository with `DATABASE_URL=url`; never throws on exit codes. */
export function runPrismaCli(args: string[], url: string, cwd = REPO_ROOT): Promise<CliResult> {
  const cli = require.resolve('prisma/build/index.js', { paths: [REPO_ROOT] });
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { cwd, env: { ...process.env, DATABASE_URL: url, CHECKPOINT_DISABLE: '1' }, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`prisma ${args.join(' ')} did not finish: ${error.message}`, { cause: error }));
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

/**
 * Creates `<prefix>_<random>` on the local server and applies prisma/migrations to it through
 * `prisma migrate deploy`. `prefix`: lower-case letters, digits and underscores, starting with a letter.
 */
export async function createIsolatedDatabase(prefix: string): Promise<IsolatedDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  if (!/^[a-z][a-z0-9_]*$/.test(prefix) || name.length > MAX_IDENTIFIER_LENGTH) {
    throw new Error(`bad database prefix "${prefix}": use [a-z][a-z0-9_]*, at most ${MAX_IDENTIFIER_LENGTH - 13} characters`);
  }
  await withServerClient((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = databaseUrl(name);
  let dropped = false;
  const drop = async (): Promise<void> => {
    if (dropped) return;
    dropped = true;
    await withServerClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  };
  try {
    const result = await runPrismaCli(['migrate', 'deploy'], url);
    if (result.code !== 0) {
      throw new Error(`prisma migrate deploy failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
    }
  } catch (error) {
    await drop();
    throw error;
  }
  return { url, drop };
}

/** An isolated database with `seed` (one SQL script: the cache rows a test reads) applied after the migrations. */
export async function createSeededDatabase(prefix: string, seed: string): Promise<IsolatedDatabase> {
  const db = await createIsolatedDatabase(prefix);
  const client = new Client({ connectionString: db.url });
  try {
    await client.connect();
    await client.query(seed);
  } catch (error) {
    await db.drop();
    throw error;
  } finally {
    await client.end();
  }
  return db;
}
