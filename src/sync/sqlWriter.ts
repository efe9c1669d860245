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

/**
 * What a batch sends to PostgreSQL, built without a connection: the statements with their
 * parameters, the COPY payloads already encoded, and the parameterless tail. Building it is the
 * worker's CPU work, so it can happen on another thread (see threadPreparer.ts); running it is
 * I/O only. It is plain data (strings, byte arrays), so it crosses a thread boundary as it is.
 */
export type PlanStep =
  | { readonly kind: 'query'; readonly sql: string; readonly values: readonly unknown[] }
  | {
      readonly kind: 'copy';
      /** A temporary staging table per session and shape, created once per session. */
      readonly stage: string;
      readonly createStage: string;
      readonly copy: string;
      readonly payload: Uint8Array;
    };

export interface WritePlan {
  readonly steps: PlanStep[];
  /** INSERT … SELECT from the staging tables: no parameters, sent with the end of the transaction. */
  readonly tail: string[];
}

function valuesSteps(changes: readonly (Insert | Upsert)[], plan: WritePlan): void {
  const first = changes[0];
  if (!first) return;
  const columns = Object.keys(first.row);
  const rowsPerStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
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
    plan.steps.push({ kind: 'query', sql: `INSERT INTO ${ident(first.table)} (${columns.map(ident).join(', ')}) VALUES ${tuples.join(', ')} ${conflict}`, values });
  }
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
function copyStep(table: string, columns: readonly string[], lines: readonly string[], conflict: string, shape: string, plan: WritePlan): void {
  const list = columns.map(ident).join(', ');
  const stageName = `sync_stage_${table}_${shapeId(shape)}`;
  const stage = ident(stageName);
  plan.steps.push({
    kind: 'copy',
    stage: stageName,
    createStage: `CREATE TEMPORARY TABLE IF NOT EXISTS ${stage} ON COMMIT DELETE ROWS AS SELECT ${list} FROM ${ident(table)} WITH NO DATA`,
    copy: `COPY ${stage} (${list}) FROM STDIN`,
    payload: ownedUtf8(`${lines.join('\n')}\n`),
  });
  plan.tail.push(`INSERT INTO ${ident(table)} (${list}) SELECT ${list} FROM ${stage} ${conflict}`);
}

/**
 * UTF-8 bytes in an ArrayBuffer of their own: a small Buffer lives in Node's shared pool, and
 * handing the pool to another thread (a transfer) would detach it under everyone else.
 */
export function ownedUtf8(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length ? bytes : new Uint8Array(bytes);
}

function copyChangesStep(changes: readonly (Insert | Upsert)[], plan: WritePlan): void {
  const first = changes[0];
  if (!first) return;
  const columns = Object.keys(first.row);
  const lines = changes.map((change) => columns.map((c) => copyValue(change.row[c])).join('\t'));
  const conflict = conflictClause(first);
  copyStep(first.table, columns, lines, conflict, `${first.kind}|${columns.join(',')}|${conflict}`, plan);
}

/** A short, stable name for a shape of rows (the same table may be written with several). */
function shapeId(shape: string): string {
  let h = 0;
  for (let i = 0; i < shape.length; i++) h = (Math.imul(h, 31) + shape.charCodeAt(i)) >>> 0;
  return h.toString(36);
}

function insertSteps(changes: readonly (Insert | Upsert)[], plan: WritePlan): void {
  if (changes.length >= COPY_FROM_ROWS) copyChangesStep(changes, plan);
  else valuesSteps(changes, plan);
}

function updateStep(change: Update, plan: WritePlan): void {
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
  plan.steps.push({ kind: 'query', sql: `UPDATE ${ident(change.table)} SET ${set.join(', ')} WHERE ${where.join(' AND ')} AND ${older}`, values });
}

/** Tables whose rows others reference go first, so that foreign keys hold within the batch. */
const TABLE_ORDER = ['channels', 'blocks', 'transactions', 'tx_reads', 'tx_writes', 'chaincode_events'];

function tableRank(table: string): number {
  const i = TABLE_ORDER.indexOf(table);
  return i < 0 ? TABLE_ORDER.length : i;
}

/**
 * The plan of a batch: the generic index (COPY, insert-only, idempotent by key) and the projected
 * changes. Its tail moves the staged rows into their tables: those statements take no
 * parameters, so the writer sends them as ONE simple query together with the end of its
 * transaction, one round trip instead of one per table. Each key appears once per batch, so
 * their order does not matter.
 */
export function planBatch(rows: BatchRows): WritePlan {
  const plan: WritePlan = { steps: [], tail: [] };
  for (const t of rows.index) {
    if (t.lines.length === 0) continue;
    const conflict = `ON CONFLICT (${t.key.map(ident).join(', ')}) DO NOTHING`;
    copyStep(t.table, t.columns, t.lines, conflict, `index|${t.columns.join(',')}`, plan);
  }
  planChanges(rows.projected, plan);
  return plan;
}

/** Pure: the statements that apply row changes (see planBatch). */
export function planChanges(changes: readonly RowChange[], plan: WritePlan = { steps: [], tail: [] }): WritePlan {
  const folded = foldChanges(changes);
  const inserts = folded.filter((c): c is Insert | Upsert => c.kind !== 'update');
  const groups = [...groupBy(inserts, (c) => `${c.kind}|${c.table}|${Object.keys(c.row).join(',')}|${c.kind === 'upsert' ? c.update.join(',') : ''}`).values()];
  groups.sort((a, b) => tableRank(a[0]?.table ?? '') - tableRank(b[0]?.table ?? ''));
  for (const group of groups) insertSteps(group, plan);
  for (const change of folded) if (change.kind === 'update') updateStep(change, plan);
  return plan;
}

/** A byte array that came through structured clone (a plain Uint8Array) as the Buffer pg expects. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function revive(value: unknown): unknown {
  return value instanceof Uint8Array ? asBuffer(value) : value;
}

/**
 * Runs a plan's steps on the session (creating each staging table once per session); returns the
 * tail, which the caller sends with its COMMIT.
 */
export async function runPlan(client: ClientBase, plan: WritePlan): Promise<string[]> {
  let stages = stagesOf.get(client);
  if (!stages) stagesOf.set(client, (stages = new Set()));
  for (const step of plan.steps) {
    if (step.kind === 'query') {
      await client.query(step.sql, step.values.map(revive));
      continue;
    }
    if (!stages.has(step.stage)) {
      await client.query(step.createStage);
      stages.add(step.stage);
    }
    await copyIn(client, step.copy, asBuffer(step.payload));
  }
  return plan.tail;
}

/** Applies row changes now (tests, tools): every statement is executed before this resolves. */
export async function applyChanges(client: ClientBase, changes: readonly RowChange[]): Promise<number> {
  const plan = planChanges(changes);
  const tail = await runPlan(client, plan);
  for (const sql of tail) await client.query(sql);
  return plan.steps.length;
}
