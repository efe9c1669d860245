import type { ClientBase } from 'pg';

/**
 * Secondary indexes put off during the cache's first load, the way bulk loaders do it: a row
 * inserted into a table with six indexes costs PostgreSQL six index insertions, one at a time,
 * while `CREATE INDEX` on the loaded table sorts once. During a catch-up from block 0 the
 * secondary indexes (owner, kind, times, chaincode, creator, validation code…) are dropped and
 * their definitions kept in `sync_deferred_indexes`; they are created again, one by one, when a
 * worker reaches its channel's head. Primary keys and unique indexes always stay: idempotent
 * inserts and upserts need them.
 *
 * Crash safety comes from PostgreSQL's transactional DDL: each definition is stored in the same
 * transaction that drops its index, and removed in the same transaction that creates it again, so
 * an index is always either there or listed, whatever stops the worker and when.
 */

/** The tables the sync worker fills. */
export const SYNC_TABLES: readonly string[] = [
  'blocks',
  'transactions',
  'tx_reads',
  'tx_writes',
  'chaincode_events',
  'state',
  'assets',
  'asset_history',
  'token_accounts',
  'token_transfers',
];

/** One lock for deferring and restoring, so that two channels' workers never do it at once. */
const LOCK = `SELECT pg_advisory_xact_lock(hashtext('ledger-gateway:sync:deferred-indexes'))`;

export interface DeferredIndex {
  readonly name: string;
  readonly definition: string;
}

/** The secondary indexes of the sync tables as they stand (valid, neither primary nor unique). */
export async function secondaryIndexes(client: ClientBase): Promise<DeferredIndex[]> {
  const result = await client.query<DeferredIndex>(
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
      WHERE t.relnamespace = current_schema()::regnamespace
        AND t.relname = ANY($1::text[])
        AND NOT x.indisprimary AND NOT x.indisunique AND x.indisvalid
      ORDER BY i.relname`,
    [SYNC_TABLES],
  );
  return result.rows;
}

const DEFERRED = 'SELECT name, definition FROM sync_deferred_indexes ORDER BY name';

/** The indexes waiting to be created again. */
export async function deferredIndexes(client: ClientBase): Promise<DeferredIndex[]> {
  const result = await client.query<DeferredIndex>(DEFERRED);
  return result.rows;
}

/**
 * Drops the secondary indexes if, and only if, the cache holds no block of any channel: a first
 * load, when no query can be slowed down by their absence that would not also find the cache
 * empty. Returns the indexes now deferred (also those an earlier run deferred).
 */
export async function deferIndexesForFirstLoad(client: ClientBase): Promise<DeferredIndex[]> {
  await client.query('BEGIN');
  try {
    await client.query(LOCK);
    const loaded = await client.query('SELECT 1 FROM blocks LIMIT 1');
    if (loaded.rowCount === 0) {
      for (const index of await secondaryIndexes(client)) {
        await client.query('INSERT INTO sync_deferred_indexes (name, definition) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [index.name, index.definition]);
        await client.query(`DROP INDEX IF EXISTS ${client.escapeIdentifier(index.name)}`);
      }
    }
    const deferred = await deferredIndexes(client);
    await client.query('COMMIT');
    return deferred;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Creates every deferred index again, each in a transaction of its own with the removal of its
 * definition, and returns how long each took. An index that exists already (restored by another
 * worker in the meantime) is only taken off the list.
 */
export async function restoreIndexes(client: ClientBase): Promise<{ name: string; ms: number }[]> {
  const restored: { name: string; ms: number }[] = [];
  for (;;) {
    await client.query('BEGIN');
    try {
      await client.query(LOCK);
      const next = await client.query<DeferredIndex>(`${DEFERRED} LIMIT 1`);
      const index = next.rows[0];
      if (!index) {
        await client.query('COMMIT');
        return restored;
      }
      const started = Date.now();
      await client.query(index.definition.replace(/^CREATE INDEX /, 'CREATE INDEX IF NOT EXISTS '));
      await client.query('DELETE FROM sync_deferred_indexes WHERE name = $1', [index.name]);
      await client.query('COMMIT');
      restored.push({ name: index.name, ms: Date.now() - started });
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
}
