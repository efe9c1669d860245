/**
 * The read cache's public surface: a Prisma 7 client over PostgreSQL (through `@prisma/adapter-pg`)
 * and the row types of every table. The client code is generated from prisma/schema.prisma into
 * node_modules/.prisma/client (`npm ci` and `npm run db:generate` write it).
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@prisma/client';

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
}

/**
 * A client with its own connection pool. Call `$disconnect()` when done: it closes the pool.
 * BigInt columns read as `bigint`, numeric(20,0) as `Prisma.Decimal`, bytea as `Uint8Array`.
 */
export function createPrismaClient({ databaseUrl, maxConnections }: PrismaClientOptions): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, ...(maxConnections === undefined ? {} : { max: maxConnections }) });
  return new PrismaClient({ adapter });
}

export type { Loaders, ReadQueries } from './reads';
export { createLedgerEvents, LEDGER_INDEXED_CHANNEL, SUBMISSION_UPDATED_CHANNEL } from './ledgerEvents';
export type { BlockIndexedEvent, ChaincodeScope, FeedOptions, IndexedBlock, LedgerEvents, LedgerEventsDeps, SubmissionNotice } from './ledgerEvents';
