/**
 * What projectors produce: changes to rows of the cache, described as data so that one batch
 * writer can apply every projector's output in the same PostgreSQL transaction.
 */
export type SqlValue = string | number | bigint | boolean | Buffer | Date | null | { readonly json: unknown };

/** Insert the row, or, when the key exists, update `update` columns if the row is newer by `guard`. */
export interface Upsert {
  readonly kind: 'upsert';
  readonly table: string;
  readonly key: readonly string[];
  readonly row: Readonly<Record<string, SqlValue>>;
  readonly update: readonly string[];
  /** Columns compared as a tuple: the stored row is replaced only if it is older. */
  readonly guard: readonly string[];
}

/** Insert once; a row already there (a replayed block) is left alone. */
export interface Insert {
  readonly kind: 'insert';
  readonly table: string;
  readonly key: readonly string[];
  readonly row: Readonly<Record<string, SqlValue>>;
}

/** Change some columns of an existing row, if it is older by `guard`. */
export interface Update {
  readonly kind: 'update';
  readonly table: string;
  readonly key: readonly string[];
  /** Key columns and the columns to set. */
  readonly row: Readonly<Record<string, SqlValue>>;
  readonly guard: readonly string[];
}

export type RowChange = Upsert | Insert | Update;

export function keyOf(change: RowChange): string {
  return `${change.table}|${change.key.map((k) => stringify(change.row[k])).join('|')}`;
}

function stringify(value: SqlValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value.json);
  return String(value);
}

/**
 * Folds the changes of one batch so that each row is written once, as it stands after all of
 * them (PostgreSQL refuses to upsert the same row twice in one statement). Later changes win
 * column by column; an update that lands on an upsert becomes part of that upsert.
 */
export function foldChanges(changes: readonly RowChange[]): RowChange[] {
  const byKey = new Map<string, RowChange>();
  for (const change of changes) {
    const id = keyOf(change);
    const earlier = byKey.get(id);
    if (!earlier || change.kind === 'insert') {
      if (!earlier) byKey.set(id, change);
      continue;
    }
    const row = { ...earlier.row, ...change.row };
    if (earlier.kind === 'upsert') {
      const update = [...new Set([...earlier.update, ...(change.kind === 'upsert' ? change.update : Object.keys(change.row).filter((c) => !change.key.includes(c)))])];
      byKey.set(id, { ...earlier, row, update });
    } else if (earlier.kind === 'update') {
      byKey.set(id, change.kind === 'upsert' ? { ...change, row } : { ...earlier, row });
    }
  }
  return [...byKey.values()];
}
