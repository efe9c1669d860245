/**
 * The read cache's public surface: a Prisma 7 client over PostgreSQL (through `@prisma/adapter-pg`)
 * and the row types of every table. The client code is generated from prisma/schema.prisma into
 * node_modules/.prisma/client (`npm ci` and `npm run db:generate` write it).
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@prisma/client';
import { Pool } from 'pg';

import { observeStatements } from './sqlReader';

export { Prisma, PrismaClient } from '@prisma/client';
export type {
  Asset,
  AssetHistory,
  Block,
  ChaincodeEvent,
  Channel,
  StateEntry,
  SyncCheckpoint,
  TokenAccount,
  TokenTransfer,
  Transaction,
  TxRead,
  TxWrite,
} from '@prisma/client';

export interface PrismaClientOptions {
  /** A PostgreSQL connection string, e.g. postgresql://postgres@127.0.0.1:5432/ledger_gateway. */
  databaseUrl: string;
  /** Largest number of pooled connections (pg's default, 10, when not given). */
  maxConnections?: number;
  /** Called with the text of every statement sent to PostgreSQL, at the driver (tests count them; metrics may). */
  onStatement?: (sql: string) => void;
}

/**
 * A client with its own connection pool. Call `$disconnect()` when done: it closes the pool.
 * BigInt columns read as `bigint`, numeric(20,0) as `Prisma.Decimal`, bytea as `Uint8Array`.
 */
export function createPrismaClient({ databaseUrl, maxConnections, onStatement }: PrismaClientOptions): PrismaClient {
  const config = { connectionString: databaseUrl, ...(maxConnections === undefined ? {} : { max: maxConnections }) };
  if (!onStatement) return new PrismaClient({ adapter: new PrismaPg(config) });
  // Our own pool, so that every connection it opens reports its statements; $disconnect() ends it.
  const pool = new Pool(config);
  pool.on('connect', (client) => {
    observeStatements(client, onStatement);
  });
  return new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
}

export { createReadQueries, ORDER_KEYS } from './reads';
export type {
  AssetFilter,
  AssetOrder,
  AssetOrderField,
  BlockKey,
  Key,
  KeyType,
  KeyValue,
  ReadQueries,
  Slice,
  SortDirection,
  StoreDomain,
  TxKey,
  UserRecord,
  Window,
} from './reads';
export { createLoaders } from './loaders';
export type { ListKey, Loaders, LoadersDeps } from './loaders';
export { createLedgerEvents, LEDGER_INDEXED_CHANNEL, SUBMISSION_UPDATED_CHANNEL } from './ledgerEvents';
export type { BlockIndexedEvent, ChaincodeScope, FeedOptions, IndexedBlock, LedgerEvents, LedgerEventsDeps, SubmissionNotice } from './ledgerEvents';
export { ADMIN_ORDER_KEYS, createAdminReads } from './adminReads';
export type { AdminReads, BlockFilter, ChaincodeActivity, Stats, StatsBucket, StatsCount, StatsPoint, SyncState, TransactionFilter } from './adminReads';
export { createAdminLoaders } from './adminLoaders';
export type { AdminLoaders } from './adminLoaders';

export { createSqlReader } from './sqlReader';
export type { SqlReader, SqlReaderOptions } from './sqlReader';
