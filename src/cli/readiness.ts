import { readdir } from 'node:fs/promises';

import type { Pool } from 'pg';

import type { ReadinessCheck } from '../http';

/**
 * The /readyz checks the roles share (src/cli/roles.ts adds them): PostgreSQL answers, every
 * migration folder is applied, a peer of every organisation answers, the sync worker is not
 * stalled. Each throws with the reason the body of /readyz shows.
 */
export function postgresCheck(pool: Pool): ReadinessCheck {
  return {
    name: 'postgres',
    async check() {
      await pool.query('SELECT 1');
    },
  };
}

export interface MigrationRow {
  readonly migration_name: string;
  readonly finished_at: Date | null;
  readonly rolled_back_at: Date | null;
}

/** Migration folders without a finished, not rolled back row in `_prisma_migrations`. */
export function unappliedMigrations(folders: readonly string[], rows: readonly MigrationRow[]): string[] {
  const applied = new Set(rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => r.migration_name));
  return folders.filter((f) => !applied.has(f)).sort();
}

/** The migrations this build expects: the folders of prisma/migrations. */
export async function migrationFolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

export function migrationsCheck(pool: Pool, folders: readonly string[]): ReadinessCheck {
  let confirmed = false;
  return {
    name: 'migrations',
    async check() {
      // Once all are there they stay there (a rollback is a new deploy): ask once.
      if (confirmed) return;
      const table = await pool.query<{ found: string | null }>("SELECT to_regclass('public._prisma_migrations')::text AS found");
      if (table.rows[0]?.found === null) throw new Error('no migration applied: run `npm run db:migrate` (prisma migrate deploy)');
      const rows = await pool.query<MigrationRow>('SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations');
      const missing = unappliedMigrations(folders, rows.rows);
      if (missing.length > 0) throw new Error(`not applied: ${missing.join(', ')} (run prisma migrate deploy)`);
      confirmed = true;
    },
  };
}

/** `orgs`: the organisations none of whose peers answered the last round (undefined: no round yet). */
export function peersCheck(orgsWithoutPeers: () => readonly string[] | undefined): ReadinessCheck {
  return {
    name: 'peers',
    check() {
      const orgs = orgsWithoutPeers();
      if (orgs === undefined) return Promise.reject(new Error('the first peer round has not finished'));
      if (orgs.length > 0) return Promise.reject(new Error(`no peer of ${orgs.join(', ')} answers`));
      return Promise.resolve();
    },
  };
}

/** `reason`: why the sync worker is not ready, undefined when it is. */
export function syncCheck(reason: () => string | undefined): ReadinessCheck {
  return {
    name: 'sync',
    check() {
      const why = reason();
      return why === undefined ? Promise.resolve() : Promise.reject(new Error(why));
    },
  };
}
