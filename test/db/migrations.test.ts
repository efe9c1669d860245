/**
 * The migrations through the real Prisma CLI and our offline schema-engine stand-in: deploy creates
 * the schema, a second deploy is a no-op, and `npm run db:check` catches a schema without a migration.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createIsolatedDatabase, databaseUrl, type IsolatedDatabase, REPO_ROOT, runPrismaCli } from './isolatedDatabase';

jest.setTimeout(180_000);

const TABLES = [
  '_prisma_migrations',
  'asset_history',
  'assets',
  'blocks',
  'chaincode_events',
  'channels',
  'fabric_identities',
  'state',
  'submission_tx_ids',
  'submissions',
  'sync_checkpoints',
  'sync_deferred_indexes',
  'token_accounts',
  'token_transfers',
  'transactions',
  'tx_reads',
  'tx_writes',
  'users',
];

async function query<T extends object>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Runs the package.json script `name` with sh in `cwd`, as `npm run` would, with the repository's tools. */
async function runScript(name: string, cwd: string, databaseUrl: string): Promise<{ code: number; output: string }> {
  const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const script = pkg.scripts[name];
  if (script === undefined) throw new Error(`package.json has no script ${name}`);
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    CHECKPOINT_DISABLE: '1',
    PATH: `${path.join(REPO_ROOT, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
  };
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', script], { cwd, env, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`npm run ${name} did not finish: ${error.message}`, { cause: error }));
        return;
      }
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, output: stdout + stderr });
    });
  });
}

describe('prisma migrate deploy', () => {
  let db: IsolatedDatabase;

  beforeAll(async () => {
    db = await createIsolatedDatabase('db_migrate');
  });
  afterAll(async () => {
    await db.drop();
  });

  test('creates every table of the read cache', async () => {
    const rows = await query<{ table_name: string }>(
      db.url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(rows.map((r) => r.table_name)).toEqual(TABLES);

    const columns = await query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      db.url,
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND (table_name, column_name) IN
         (('token_accounts', 'balance'), ('transactions', 'endorsers'), ('tx_writes', 'value'), ('blocks', 'number'), ('blocks', 'created_at'))
       ORDER BY table_name, column_name`,
    );
    expect(columns).toEqual([
      { table_name: 'blocks', column_name: 'created_at', data_type: 'timestamp with time zone', is_nullable: 'YES' },
      { table_name: 'blocks', column_name: 'number', data_type: 'bigint', is_nullable: 'NO' },
      { table_name: 'token_accounts', column_name: 'balance', data_type: 'numeric', is_nullable: 'NO' },
      { table_name: 'transactions', column_name: 'endorsers', data_type: 'jsonb', is_nullable: 'NO' },
      { table_name: 'tx_writes', column_name: 'value', data_type: 'bytea', is_nullable: 'YES' },
    ]);

    const cascades = await query<{ table_name: string; delete_rule: string }>(
      db.url,
      `SELECT tc.table_name, rc.delete_rule FROM information_schema.referential_constraints rc
       JOIN information_schema.table_constraints tc ON tc.constraint_name = rc.constraint_name
       ORDER BY tc.table_name`,
    );
    // transactions, tx_reads, tx_writes and chaincode_events have no foreign keys on purpose: the
    // sync worker writes them with their parents in one transaction (see prisma/schema.prisma).
    expect(cascades).toEqual([
      { table_name: 'blocks', delete_rule: 'RESTRICT' },
      { table_name: 'submission_tx_ids', delete_rule: 'CASCADE' },
      { table_name: 'sync_checkpoints', delete_rule: 'RESTRICT' },
      { table_name: 'users', delete_rule: 'SET NULL' },
    ]);
  });

  test('a second deploy applies nothing and leaves the history alone', async () => {
    const before = await query<{ migration_name: string; finished_at: Date }>(
      db.url,
      'SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(before.length).toBeGreaterThan(0);

    const again = await runPrismaCli(['migrate', 'deploy'], db.url);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No pending migrations to apply');

    const after = await query(db.url, 'SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name');
    expect(after).toEqual(before);
  });

  test('migrate status reports the database up to date', async () => {
    const status = await runPrismaCli(['migrate', 'status'], db.url);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('Database schema is up to date');
  });
});

describe('npm run db:check (schema.prisma against prisma/migrations)', () => {
  // The shadow database that replays the migrations is created on the server of DATABASE_URL.
  let db: IsolatedDatabase;
  let copy: string;

  beforeAll(async () => {
    db = await createIsolatedDatabase('db_check');
    copy = await mkdtemp(path.join(os.tmpdir(), 'db-check-'));
    await cp(path.join(REPO_ROOT, 'prisma'), path.join(copy, 'prisma'), { recursive: true });
    await cp(path.join(REPO_ROOT, 'prisma.config.ts'), path.join(copy, 'prisma.config.ts'));
    await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  });
  afterAll(async () => {
    await rm(copy, { recursive: true, force: true });
    await db.drop();
  });

  test('passes on the committed schema and migrations', async () => {
    const result = await runScript('db:check', REPO_ROOT, db.url);
    expect(result.output).toContain('No difference detected');
    expect(result.code).toBe(0);
  });

  test('needs no existing database: DATABASE_URL may name one not created yet (a fresh CI machine)', async () => {
    const result = await runScript('db:check', REPO_ROOT, databaseUrl(`db_check_absent_${randomBytes(6).toString('hex')}`));
    expect(result.output).toContain('No difference detected');
    expect(result.code).toBe(0);
  });

  test('fails when schema.prisma changes without a migration', async () => {
    const schemaFile = path.join(copy, 'prisma', 'schema.prisma');
    const schema = await readFile(schemaFile, 'utf8');
    // A new nullable column on blocks, and no migration for it.
    const changed = schema.replace(/(model Block \{\n)/, '$1  note String?\n');
    expect(changed).not.toEqual(schema);
    await writeFile(schemaFile, changed);

    const result = await runScript('db:check', copy, db.url);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('blocks');
  });
});
