import type { ClientBase } from 'pg';

import { foldChanges, type Insert, type RowChange, type SqlValue, type Update, type Upsert } from './rowChange';

/**
 * Applies row changes with as few statements as possible: one multi-row INSERT per table and
 * shape, chunked under PostgreSQL's 65535-parameter limit. Every statement is idempotent by key,
 * the second line of defence behind the checkpoint.
 */
const MAX_PARAMS = 30_000;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function ident(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a safe SQL identifier: ${name}`);
  return `"${name}"`;
}

function param(value: SqlValue | undefined): unknown {
  if (value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && !(value instanceof Date)) {
    return JSON.stringify(value.json);
  }
  return value;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

async function writeInserts(client: ClientBase, changes: readonly (Insert | Upsert)[]): Promise<number> {
  const first = changes[0];
  if (!first) return 0;
  const columns = Object.keys(first.row);
  const rowsPerStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  let statements = 0;
  let conflict = `ON CONFLICT (${first.key.map(ident).join(', ')}) DO NOTHING`;
  if (first.kind === 'upsert' && first.update.length > 0) {
    const set = first.update.map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`).join(', ');
    const older = `(${first.guard.map((g) => `${ident(first.table)}.${ident(g)}`).join(', ')}) < (${first.guard.map((g) => `EXCLUDED.${ident(g)}`).join(', ')})`;
    conflict = `ON CONFLICT (${first.key.map(ident).join(', ')}) DO UPDATE SET ${set} WHERE ${older}`;
  }
  for (let start = 0; start < changes.length; start += rowsPerStatement) {
    const chunk = changes.slice(start, start + rowsPerStatement);
    const values: unknown[] = [];
    const tuples = chunk.map((change) => {
      const placeholders = columns.map((column) => {
        values.push(param(change.row[column]));
        return `$${values.length}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    await client.query(`INSERT INTO ${ident(first.table)} (${columns.map(ident).join(', ')}) VALUES ${tuples.join(', ')} ${conflict}`, values);
    statements++;
  }
  return statements;
}

async function writeUpdate(client: ClientBase, change: Update): Promise<void> {
  const values: unknown[] = [];
  const at = (value: SqlValue | undefined): string => {
    values.push(param(value));
    return `$${values.length}`;
  };
  const set = Object.keys(change.row)
    .filter((c) => !change.key.includes(c))
    .map((c) => `${ident(c)} = ${at(change.row[c])}`);
  const where = change.key.map((k) => `${ident(k)} = ${at(change.row[k])}`);
  const older = `(${change.guard.map(ident).join(', ')}) < (${change.guard.map((g) => at(change.row[g])).join(', ')})`;
  await client.query(`UPDATE ${ident(change.table)} SET ${set.join(', ')} WHERE ${where.join(' AND ')} AND ${older}`, values);
}

/** Tables whose rows others reference go first, so that foreign keys hold within the batch. */
const TABLE_ORDER = ['channels', 'blocks', 'transactions', 'tx_reads', 'tx_writes', 'chaincode_events'];

function tableRank(table: string): number {
  const i = TABLE_ORDER.indexOf(table);
  return i < 0 ? TABLE_ORDER.length : i;
}

export async function applyChanges(client: ClientBase, changes: readonly RowChange[]): Promise<number> {
  const folded = foldChanges(changes);
  const inserts = folded.filter((c): c is Insert | Upsert => c.kind !== 'update');
  const groups = [...groupBy(inserts, (c) => `${c.kind}|${c.table}|${Object.keys(c.row).join(',')}|${c.kind === 'upsert' ? c.update.join(',') : ''}`).values()];
  groups.sort((a, b) => tableRank(a[0]?.table ?? '') - tableRank(b[0]?.table ?? ''));
  let statements = 0;
  for (const group of groups) statements += await writeInserts(client, group);
  for (const change of folded) {
    if (change.kind === 'update') {
      await writeUpdate(client, change);
      statements++;
    }
  }
  return statements;
}
