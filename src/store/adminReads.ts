/**
 * The admin (explorer) API's reads over the cache: block and transaction lists with filters on
 * indexed columns only, the relations of a page in one statement per relation, chaincode
 * activity, time-bucketed statistics and the sync status, each computed in SQL.
 */
import { Prisma } from '@prisma/client';
import type { Block, ChaincodeEvent, Transaction, TxRead } from '@prisma/client';

import { ledgerKey } from '../sync/keys';
import { BLOCK_COLUMNS, EVENT_COLUMNS, slice, textArray, TX_COLUMNS, txKeyRows, where, windowBounds, windowOrder } from './reads';
import type { BlockKey, KeyType, Slice, TxKey, Window } from './reads';
import type { SqlReader } from './sqlReader';

/** Every condition uses an indexed column: blocks (channel, number) and (channel, created_at). */
export interface BlockFilter {
  readonly fromNumber?: bigint;
  readonly toNumber?: bigint;
  readonly after?: Date;
  readonly before?: Date;
}

/**
 * Every condition uses an indexed column of transactions: the primary key (channel, block_number,
 * tx_index), (channel, created_at), (channel, chaincode, block_number), (channel, creator_msp_id,
 * block_number), (channel, validation_code, block_number).
 */
export interface TransactionFilter {
  readonly fromBlock?: bigint;
  readonly toBlock?: bigint;
  readonly after?: Date;
  readonly before?: Date;
  readonly chaincode?: string;
  readonly creatorMspId?: string;
  readonly validationCode?: string;
}

export interface ChaincodeActivity {
  readonly chaincode: string;
  /** Transactions of the chaincode in the cache, valid or not. */
  readonly transactions: number;
  readonly lastActivity: Date | null;
  readonly lastBlock: bigint | null;
}

export type StatsBucket = 'MINUTE' | 'HOUR' | 'DAY';

export interface StatsPoint {
  /** Start of the bucket (UTC). */
  readonly start: Date;
  readonly blocks: number;
  readonly transactions: number;
  readonly valid: number;
  readonly invalid: number;
}

export interface StatsCount {
  readonly key: string;
  readonly transactions: number;
  readonly valid: number;
  readonly invalid: number;
}

export interface Stats {
  readonly series: StatsPoint[];
  readonly byOrganisation: StatsCount[];
  readonly byChaincode: StatsCount[];
  readonly totals: StatsCount;
}

/** A channel's sync state as the cache and PostgreSQL's lock table see it. */
export interface SyncState {
  readonly channel: string;
  /** The checkpoint: the next block to index (0 before the first); null when the worker never started. */
  readonly nextBlock: bigint | null;
  readonly updatedAt: Date | null;
  readonly lastError: string | null;
  /** Time of the newest indexed block. */
  readonly newestBlockAt: Date | null;
  /** `application_name (pid N[, address])` of the session that holds the channel's sync lock. */
  readonly lockHolder: string | null;
}

export interface AdminReads {
  /** Blocks of a channel, newest first (cursor key: number). */
  blocks(channel: string, filter: BlockFilter, window: Window): Promise<Slice<Block>>;
  countBlocks(channel: string, filter: BlockFilter): Promise<number>;
  /** Transactions of a channel, newest first (cursor key: block number, transaction index). */
  transactions(channel: string, filter: TransactionFilter, window: Window): Promise<Slice<Transaction>>;
  countTransactions(channel: string, filter: TransactionFilter): Promise<number>;
  // Batch reads for the loaders: any number of keys, ONE statement.
  /** The transactions of each block, in block order. */
  transactionsByBlocks(keys: readonly BlockKey[]): Promise<Transaction[]>;
  /** Reads with their ledger keys (the stored keys' NUL-escaping undone). */
  readsByTransactions(keys: readonly TxKey[]): Promise<TxRead[]>;
  eventsByTransactions(keys: readonly TxKey[]): Promise<ChaincodeEvent[]>;
  /** Next block to index per channel (the checkpoint); channels without one are left out. */
  nextBlocks(channels: readonly string[]): Promise<Map<string, bigint>>;
  /** Per chaincode name, one aggregate over transactions (channel, chaincode). */
  chaincodeActivity(channel: string, chaincodes: readonly string[]): Promise<ChaincodeActivity[]>;
  /** Counts in [from, to), per UTC bucket (every bucket, empty ones too), per organisation and chaincode. */
  stats(channel: string, range: { from: Date; to: Date }, bucket: StatsBucket): Promise<Stats>;
  /** `lockKey` is the text the sync worker locks with `pg_advisory_lock(hashtext(lockKey))`. */
  syncStates(channels: readonly { channel: string; lockKey: string }[]): Promise<SyncState[]>;
}

const BLOCK_KEY: readonly KeyType[] = ['bigint'];
const TX_KEY: readonly KeyType[] = ['bigint', 'int'];
/** The order keys of the admin lists, for their cursors. */
export const ADMIN_ORDER_KEYS = { blocks: BLOCK_KEY, transactions: TX_KEY } as const;

/** date_trunc field and generate_series step of each bucket (constants, never input). */
const BUCKETS: Record<StatsBucket, { field: string; step: string }> = {
  MINUTE: { field: 'minute', step: '1 minute' },
  HOUR: { field: 'hour', step: '1 hour' },
  DAY: { field: 'day', step: '1 day' },
};

function blockConditions(channel: string, filter: BlockFilter): Prisma.Sql[] {
  const conditions = [Prisma.sql`b.channel = ${channel}`];
  if (filter.fromNumber !== undefined) conditions.push(Prisma.sql`b.number >= CAST(${String(filter.fromNumber)} AS bigint)`);
  if (filter.toNumber !== undefined) conditions.push(Prisma.sql`b.number <= CAST(${String(filter.toNumber)} AS bigint)`);
  if (filter.after) conditions.push(Prisma.sql`b.created_at > CAST(${filter.after.toISOString()} AS timestamptz)`);
  if (filter.before) conditions.push(Prisma.sql`b.created_at < CAST(${filter.before.toISOString()} AS timestamptz)`);
  return conditions;
}

function transactionConditions(channel: string, filter: TransactionFilter): Prisma.Sql[] {
  const conditions = [Prisma.sql`t.channel = ${channel}`];
  if (filter.fromBlock !== undefined) conditions.push(Prisma.sql`t.block_number >= CAST(${String(filter.fromBlock)} AS bigint)`);
  if (filter.toBlock !== undefined) conditions.push(Prisma.sql`t.block_number <= CAST(${String(filter.toBlock)} AS bigint)`);
  if (filter.after) conditions.push(Prisma.sql`t.created_at > CAST(${filter.after.toISOString()} AS timestamptz)`);
  if (filter.before) conditions.push(Prisma.sql`t.created_at < CAST(${filter.before.toISOString()} AS timestamptz)`);
  if (filter.chaincode !== undefined) conditions.push(Prisma.sql`t.chaincode = ${filter.chaincode}`);
  if (filter.creatorMspId !== undefined) conditions.push(Prisma.sql`t.creator_msp_id = ${filter.creatorMspId}`);
  if (filter.validationCode !== undefined) conditions.push(Prisma.sql`t.validation_code = ${filter.validationCode}`);
  return conditions;
}

interface CountRow {
  key: string | null;
  n: bigint;
  valid: bigint;
}

function statsCount(row: CountRow | undefined, fallbackKey: string): StatsCount {
  const transactions = Number(row?.n ?? 0n);
  const valid = Number(row?.valid ?? 0n);
  return { key: row?.key ?? fallbackKey, transactions, valid, invalid: transactions - valid };
}

export function createAdminReads({ sql: reader }: { sql: SqlReader }): AdminReads {
  const query = <T>(sql: Prisma.Sql): Promise<T[]> => reader.query<T>(sql);
  const count = async (sql: Prisma.Sql): Promise<number> => Number((await query<{ n: bigint }>(sql))[0]?.n ?? 0n);
  const range = (column: string, channel: string, r: { from: Date; to: Date }): Prisma.Sql =>
    Prisma.sql`channel = ${channel} AND ${Prisma.raw(column)} >= CAST(${r.from.toISOString()} AS timestamptz) AND ${Prisma.raw(column)} < CAST(${r.to.toISOString()} AS timestamptz)`;

  return {
    async blocks(channel, filter, window) {
      const columns = ['b.number'];
      const conditions = [...blockConditions(channel, filter), ...windowBounds(columns, BLOCK_KEY, 'DESC', window)];
      const rows = await query<Block>(Prisma.sql`SELECT ${BLOCK_COLUMNS} FROM blocks b ${where(conditions)}
        ${windowOrder(columns, 'DESC', window)} LIMIT ${window.limit + 1}`);
      return slice(rows, window);
    },

    countBlocks: (channel, filter) => count(Prisma.sql`SELECT count(*) AS n FROM blocks b ${where(blockConditions(channel, filter))}`),

    async transactions(channel, filter, window) {
      const columns = ['t.block_number', 't.tx_index'];
      const conditions = [...transactionConditions(channel, filter), ...windowBounds(columns, TX_KEY, 'DESC', window)];
      const rows = await query<Transaction>(Prisma.sql`SELECT ${TX_COLUMNS} FROM transactions t ${where(conditions)}
        ${windowOrder(columns, 'DESC', window)} LIMIT ${window.limit + 1}`);
      return slice(rows, window);
    },

    countTransactions: (channel, filter) => count(Prisma.sql`SELECT count(*) AS n FROM transactions t ${where(transactionConditions(channel, filter))}`),

    transactionsByBlocks: (keys) =>
      query<Transaction>(Prisma.sql`SELECT ${TX_COLUMNS} FROM transactions t WHERE (t.channel, t.block_number) IN (
          SELECT * FROM unnest(${textArray(keys.map((k) => k.channel))}, CAST(${keys.map((k) => String(k.number))} AS bigint[])))
        ORDER BY t.channel, t.block_number, t.tx_index`),

    readsByTransactions: async (keys) =>
      (await query<TxRead>(Prisma.sql`SELECT r.channel, r.block_number AS "blockNumber", r.tx_index AS "txIndex", r.namespace, r.key,
        r.version_block AS "versionBlock", r.version_tx AS "versionTx" FROM tx_reads r
        WHERE (r.channel, r.block_number, r.tx_index) IN (${txKeyRows(keys)}) ORDER BY r.namespace, r.key`)).map((r) => ({ ...r, key: ledgerKey(r.key) })),

    eventsByTransactions: (keys) =>
      query<ChaincodeEvent>(Prisma.sql`SELECT ${EVENT_COLUMNS} FROM chaincode_events e
        WHERE (e.channel, e.block_number, e.tx_index) IN (${txKeyRows(keys)})`),

    async nextBlocks(channels) {
      const rows = await query<{ channel: string; next: bigint }>(Prisma.sql`SELECT channel, next_block AS next FROM sync_checkpoints
        WHERE channel = ANY(${textArray(channels)})`);
      return new Map(rows.map((r) => [r.channel, r.next]));
    },

    async chaincodeActivity(channel, chaincodes) {
      // One aggregate from the (channel, chaincode, block_number) index.
      const rows = await query<{ chaincode: string; n: bigint; lastActivity: Date | null; lastBlock: bigint | null }>(Prisma.sql`SELECT t.chaincode,
          count(*) AS n, max(t.created_at) AS "lastActivity", max(t.block_number) AS "lastBlock"
        FROM transactions t WHERE t.channel = ${channel} AND t.chaincode = ANY(${textArray(chaincodes)}) GROUP BY t.chaincode`);
      return rows.map((r) => ({ chaincode: r.chaincode, transactions: Number(r.n), lastActivity: r.lastActivity, lastBlock: r.lastBlock }));
    },

    async stats(channel, r, bucket) {
      const { field, step } = BUCKETS[bucket];
      const trunc = (value: Prisma.Sql): Prisma.Sql => Prisma.sql`date_trunc(${Prisma.raw(`'${field}'`)}, ${value}, 'UTC')`;
      const createdAt = Prisma.raw('created_at');
      // Buckets in UTC (date_trunc's time zone argument; the series runs on timestamps without one,
      // so a session time zone with daylight saving cannot shift a day). [from, to): the last
      // bucket is the one holding the instant just before `to`.
      const series = query<{ start: Date; blocks: bigint; transactions: bigint; valid: bigint }>(Prisma.sql`WITH s AS (
          SELECT gs AT TIME ZONE 'UTC' AS start FROM generate_series(
            ${trunc(Prisma.sql`CAST(${r.from.toISOString()} AS timestamptz)`)} AT TIME ZONE 'UTC',
            (CAST(${r.to.toISOString()} AS timestamptz) - interval '1 microsecond') AT TIME ZONE 'UTC',
            CAST(${step} AS interval)) gs
        ), b AS (
          SELECT ${trunc(createdAt)} AS start, count(*) AS n FROM blocks WHERE ${range('created_at', channel, r)} GROUP BY 1
        ), t AS (
          SELECT ${trunc(createdAt)} AS start, count(*) AS n, count(*) FILTER (WHERE is_valid) AS valid
          FROM transactions WHERE ${range('created_at', channel, r)} GROUP BY 1
        )
        SELECT s.start, coalesce(b.n, 0) AS blocks, coalesce(t.n, 0) AS transactions, coalesce(t.valid, 0) AS valid
        FROM s LEFT JOIN b ON b.start = s.start LEFT JOIN t ON t.start = s.start ORDER BY s.start`);
      // One scan of the range for the three groupings: per organisation, per chaincode, all.
      const groups = query<CountRow & { byOrg: number; byChaincode: number }>(Prisma.sql`SELECT
          CASE WHEN GROUPING(creator_msp_id) = 0 THEN coalesce(creator_msp_id, '(none)') ELSE coalesce(chaincode, '(none)') END AS key,
          (GROUPING(creator_msp_id) = 0)::int AS "byOrg", (GROUPING(chaincode) = 0)::int AS "byChaincode",
          count(*) AS n, count(*) FILTER (WHERE is_valid) AS valid
        FROM transactions WHERE ${range('created_at', channel, r)}
        GROUP BY GROUPING SETS ((creator_msp_id), (chaincode), ())
        ORDER BY count(*) DESC, key`);
      const [points, counts] = await Promise.all([series, groups]);
      return {
        series: points.map((p) => {
          const transactions = Number(p.transactions);
          const valid = Number(p.valid);
          return { start: p.start, blocks: Number(p.blocks), transactions, valid, invalid: transactions - valid };
        }),
        byOrganisation: counts.filter((c) => c.byOrg === 1).map((c) => statsCount(c, '(none)')),
        byChaincode: counts.filter((c) => c.byChaincode === 1).map((c) => statsCount(c, '(none)')),
        totals: { ...statsCount(counts.find((c) => c.byOrg === 0 && c.byChaincode === 0), 'all'), key: 'all' },
      };
    },

    async syncStates(channels) {
      // A one-bigint advisory lock shows in pg_locks as classid = high 32 bits, objid = low 32 bits, objsubid = 1.
      const rows = await query<SyncState>(Prisma.sql`SELECT k.channel, c.next_block AS "nextBlock", c.updated_at AS "updatedAt",
          c.last_error AS "lastError", b.created_at AS "newestBlockAt",
          (SELECT a.application_name || ' (pid ' || a.pid || coalesce(', ' || host(a.client_addr), '') || ')'
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND l.classid::bigint = ((hashtext(k.lock_key)::bigint >> 32) & 4294967295)
               AND l.objid::bigint = (hashtext(k.lock_key)::bigint & 4294967295)
             LIMIT 1) AS "lockHolder"
        FROM unnest(${textArray(channels.map((c) => c.channel))}, ${textArray(channels.map((c) => c.lockKey))}) WITH ORDINALITY AS k(channel, lock_key, i)
        LEFT JOIN sync_checkpoints c ON c.channel = k.channel
        LEFT JOIN blocks b ON b.channel = k.channel AND b.number = c.next_block - 1
        ORDER BY k.i`);
      return rows;
    },
  };
}
