import type { ClientBase } from 'pg';

import { copyIn, copyValue } from './copyIn';
import type { BatchRows } from './indexRows';
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

function conflictClause(first: Insert | Upsert): string {
  if (first.kind === 'upsert' && first.update.length > 0) {
    const set = first.update.map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`).join(', ');
    const older = `(${first.guard.map((g) => `${ident(first.table)}.${ident(g)}`).join(', ')}) < (${first.guard.map((g) => `EXCLUDED.${ident(g)}`).join(', ')})`;
    return `ON CONFLICT (${first.key.map(ident).join(', ')}) DO UPDATE SET ${set} WHERE ${older}`;
  }
  return `ON CONFLICT (${first.key.map(ident).join(', ')}) DO NOTHING`;
}

async function writeValues(client: ClientBase, changes: readonly (Insert | Upsert)[]): Promise<number> {
  const first = changes[0];
  if (!first) return 0;
  const columns = Object.keys(first.row);
  const rowsPerStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  let statements = 0;
  const conflict = conflictClause(first);
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

/** Rows from which on a group is COPYed into a staging table rather than sent as a VALUES list. */
const COPY_FROM_ROWS = 64;

/** Staging tables this session has, by client; forgotten when a transaction that may have created one rolls back. */
const stagesOf = new WeakMap<ClientBase, Set<string>>();

export function forgetStages(client: ClientBase): void {
  stagesOf.delete(client);
}

/**
 * COPY rows into a temporary staging table of the same columns (one per session and shape,
 * emptied at every commit), then one INSERT … SELECT with the given ON CONFLICT clause, so the
 * statement is as idempotent as the VALUES form. Building one COPY text per table costs the
 * worker far less than binding tens of thousands of parameters, and PostgreSQL less than parsing
 * them. Each shape is written at most once per transaction (the caller groups by shape).
 */
async function copyThroughStage(
  client: ClientBase,
  table: string,
  columns: readonly string[],
  lines: readonly string[],
  conflict: string,
  shape: string,
  tail: string[],
): Promise<number> {
  const list = columns.map(ident).join(', ');
  const stageName = `sync_stage_${table}_${shapeId(shape)}`;
  const stage = ident(stageName);
  let stages = stagesOf.get(client);
  if (!stages) stagesOf.set(client, (stages = new Set()));
  let statements = 2;
  if (!stages.has(stageName)) {
    await client.query(`CREATE TEMPORARY TABLE IF NOT EXISTS ${stage} ON COMMIT DELETE ROWS AS SELECT ${list} FROM ${ident(table)} WITH NO DATA`);
    stages.add(stageName);
    statements++;
  }
  await copyIn(client, `COPY ${stage} (${list}) FROM STDIN`, lines);
  tail.push(`INSERT INTO ${ident(table)} (${list}) SELECT ${list} FROM ${stage} ${conflict}`);
  return statements;
}

async function writeCopy(client: ClientBase, changes: readonly (Insert | Upsert)[], tail: string[], mode: InsertMode): Promise<number> {
  const first = changes[0];
  if (!first) return 0;
  const columns = Object.keys(first.row);
  const lines = changes.map((change) => copyLine(change.row, columns));
  if (mode === 'straight' && first.kind === 'insert') {
    await copyStraight(client, first.table, columns, lines);
    return 1;
  }
  const conflict = conflictClause(first);
  return copyThroughStage(client, first.table, columns, lines, conflict, `${first.kind}|${columns.join(',')}|${conflict}`, tail);
}

/** A row as one line of COPY text, built without an array per row. */
function copyLine(row: Readonly<Record<string, SqlValue>>, columns: readonly string[]): string {
  let line = '';
  for (let i = 0; i < columns.length; i++) line += (i === 0 ? '' : '\t') + copyValue(row[columns[i] ?? '']);
  return line;
}

/** A short, stable name for a shape of rows (the same table may be written with several). */
function shapeId(shape: string): string {
  let h = 0;
  for (let i = 0; i < shape.length; i++) h = (Math.imul(h, 31) + shape.charCodeAt(i)) >>> 0;
  return h.toString(36);
}

function writeInserts(client: ClientBase, changes: readonly (Insert | Upsert)[], tail: string[], mode: InsertMode): Promise<number> {
  return changes.length >= COPY_FROM_ROWS ? writeCopy(client, changes, tail, mode) : writeValues(client, changes);
}

/** COPY straight into the table: no staging, no conflict handling, a duplicate key fails the COPY. */
async function copyStraight(client: ClientBase, table: string, columns: readonly string[], lines: readonly string[]): Promise<void> {
  await copyIn(client, `COPY ${ident(table)} (${columns.map(ident).join(', ')}) FROM STDIN`, lines);
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

/**
 * How a batch's insert-only rows go in. `straight`: COPY into their tables, as fast as PostgreSQL
 * takes rows, but a key that is already there (a replayed block) fails the whole batch with
 * `unique_violation`. `idempotent`: through staging tables with ON CONFLICT DO NOTHING, so a
 * replay inserts nothing: the second line of defence behind the checkpoint, for the batch that
 * failed the straight way. Upserts (latest state, assets) are staged in both.
 */
export type InsertMode = 'straight' | 'idempotent';

/**
 * Stages a batch: the generic index (insert-only) and the projected changes. Returns the
 * INSERT … SELECT statements that move the staged rows into their tables: they take no
 * parameters, so the caller sends them as ONE simple query together with the end of its
 * transaction, one round trip instead of one per table. Each key appears once per batch, so their
 * order does not matter.
 */
export async function stageBatch(client: ClientBase, rows: BatchRows, mode: InsertMode): Promise<string[]> {
  const tail: string[] = [];
  for (const t of rows.index) {
    if (t.lines.length === 0) continue;
    if (mode === 'straight') {
      await copyStraight(client, t.table, t.columns, t.lines);
      continue;
    }
    const conflict = `ON CONFLICT (${t.key.map(ident).join(', ')}) DO NOTHING`;
    await copyThroughStage(client, t.table, t.columns, t.lines, conflict, `index|${t.columns.join(',')}`, tail);
  }
  await writeChanges(client, rows.projected, tail, mode);
  return tail;
}

/** Applies row changes now (tests, tools): every statement is executed before this resolves. */
export async function applyChanges(client: ClientBase, changes: readonly RowChange[]): Promise<number> {
  const tail: string[] = [];
  const statements = await writeChanges(client, changes, tail, 'idempotent');
  for (const sql of tail) await client.query(sql);
  return statements;
}

async function writeChanges(client: ClientBase, changes: readonly RowChange[], tail: string[], mode: InsertMode): Promise<number> {
  const folded = foldChanges(changes);
  const inserts = folded.filter((c): c is Insert | Upsert => c.kind !== 'update');
  const groups = [...groupBy(inserts, (c) => `${c.kind}|${c.table}|${Object.keys(c.row).join(',')}|${c.kind === 'upsert' ? c.update.join(',') : ''}`).values()];
  groups.sort((a, b) => tableRank(a[0]?.table ?? '') - tableRank(b[0]?.table ?? ''));
  let statements = 0;
  for (const group of groups) statements += await writeInserts(client, group, tail, mode);
  for (const change of folded) {
    if (change.kind === 'update') {
      await writeUpdate(client, change);
      statements++;
    }
  }
  return statements;
}
