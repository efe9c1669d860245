import { Prisma } from '@prisma/client';
import { Pool, types, type PoolClient } from 'pg';

/**
 * The read path's SQL runner: `pg` directly, with the values typed as Prisma's `$queryRaw` types
 * them (int8 as bigint, numeric as Prisma.Decimal, timestamptz as Date, json as values, bytea as
 * Buffer), so the store's statement builders and row types are the same either way. Reads skip
 * Prisma's query engine because the portal's hot queries spent as much CPU converting rows there
 * as in graphql-js itself (bench:gateway's profile); writes and migrations stay with Prisma.
 */
export interface SqlReader {
  query<T>(sql: Prisma.Sql): Promise<T[]>;
  /** Closes the pool. */
  end(): Promise<void>;
}

export interface SqlReaderOptions {
  readonly databaseUrl: string;
  /** Largest number of pooled connections (default 10). */
  readonly maxConnections?: number;
  /** Called with the text of every statement sent, at the driver (tests count them). */
  readonly onStatement?: (sql: string) => void;
  readonly applicationName?: string;
}

const INT8 = 20;
const INT8_ARRAY = 1016;
const NUMERIC = 1700;
const NUMERIC_ARRAY = 1231;

/** pg's own parsers, looked up by oid (its typings only accept the scalar built-ins). */
const defaultParser = types.getTypeParser as unknown as (oid: number, format: 'text' | 'binary') => (value: string) => unknown;
const TEXT_ARRAY = 1009;

const parseArray = (parse: (s: string) => unknown): ((value: string) => unknown[]) => {
  const textArray = defaultParser(TEXT_ARRAY, 'text') as (value: string) => (string | null)[];
  return (value) => textArray(value).map((item) => (item === null ? null : parse(item)));
};

const PARSERS = new Map<number, (value: string) => unknown>([
  [INT8, (value) => BigInt(value)],
  [INT8_ARRAY, parseArray((item) => BigInt(item))],
  [NUMERIC, (value) => new Prisma.Decimal(value)],
  [NUMERIC_ARRAY, parseArray((item) => new Prisma.Decimal(item))],
]);

const readTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => PARSERS.get(oid) ?? defaultParser(oid, format ?? 'text')) as unknown as typeof types.getTypeParser,
};

/** Reports each statement's text; used by tests to prove a constant number of statements per request. */
export function observeStatements(client: PoolClient, onStatement: (sql: string) => void): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const observed = (...args: unknown[]): unknown => {
    const first = args[0] as string | { text?: string } | undefined;
    onStatement(typeof first === 'string' ? first : (first?.text ?? ''));
    return query(...args);
  };
  Object.assign(client, { query: observed });
}

export function createSqlReader(options: SqlReaderOptions): SqlReader {
  const pool = new Pool({
    connectionString: options.databaseUrl,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'ledger-gateway-reads',
    types: readTypes,
  });
  // An idle connection that breaks (PostgreSQL restarted) must not crash the process; the next
  // query opens a new one.
  pool.on('error', () => undefined);
  const { onStatement } = options;
  if (onStatement) {
    pool.on('connect', (client) => {
      observeStatements(client, onStatement);
    });
  }
  return {
    async query<T>(sql: Prisma.Sql): Promise<T[]> {
      const result = await pool.query<T & Record<string, unknown>>(sql.text, sql.values);
      return result.rows;
    },
    end: () => pool.end(),
  };
}
