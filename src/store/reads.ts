/**
 * Read queries over the cache: every SQL statement the GraphQL API runs lives here. Lists are
 * keyset-paginated on indexed columns; the batch functions take many keys and answer in ONE
 * statement, for the per-request DataLoaders (./loaders.ts).
 */
import { Prisma } from '@prisma/client';
import type { SqlReader } from './sqlReader';
import type { Asset, AssetHistory, Block, ChaincodeEvent, TokenAccount, TokenTransfer, Transaction, TxWrite } from '@prisma/client';

// The one place outside the sync worker that knows how keys are stored (a leaf module, no imports).
import { ledgerKey } from '../sync/keys';

/** The channel and chaincode whose assets and token accounts are read (keys are (channel, chaincode, id)). */
export interface StoreDomain {
  readonly channel: string;
  readonly chaincode: string;
}

export type SortDirection = 'ASC' | 'DESC';
/** A value of an order key: text, or an integer column (bigint or int). */
export type KeyValue = string | bigint | number;
export type KeyType = 'text' | 'bigint' | 'int';
export type Key = readonly KeyValue[];

/**
 * Which part of an ordered list to read: rows strictly after `after` and strictly before `before`
 * (positions in the list's own order), the first `limit` of them, or the last `limit` when `fromEnd`.
 */
export interface Window {
  readonly limit: number;
  readonly fromEnd: boolean;
  readonly after?: Key;
  readonly before?: Key;
}

/** Rows in list order; `more`: another row exists beyond them in the direction the window was read. */
export interface Slice<T> {
  readonly rows: T[];
  readonly more: boolean;
}

/** The order keys of each list, outermost first; cursors carry these values (see keyOf*). */
export const ORDER_KEYS = {
  assetsById: ['text'],
  assetsByUpdatedBlock: ['bigint', 'text'],
  users: ['text'],
  /** History, events and transfers: (block number, transaction index). */
  ledgerPosition: ['bigint', 'int'],
} as const satisfies Record<string, readonly KeyType[]>;

export type AssetOrderField = 'ID' | 'UPDATED_BLOCK';

export interface AssetFilter {
  readonly owner?: string;
  readonly kind?: string;
  readonly includeDeleted?: boolean;
  readonly updatedAfter?: Date;
  readonly updatedBefore?: Date;
}

export interface AssetOrder {
  readonly field: AssetOrderField;
  readonly direction: SortDirection;
}

/** A gateway user as the API shows them (the wallet label joined in); never the password hash. */
export interface UserRecord {
  readonly id: string;
  readonly username: string;
  readonly role: 'ADMIN' | 'USER';
  readonly mspId: string;
  readonly disabled: boolean;
  readonly identityLabel: string | undefined;
  readonly createdAt: Date;
  readonly lastLoginAt: Date | undefined;
}

/** A transaction's place in a channel's ledger. */
export interface TxKey {
  readonly channel: string;
  readonly blockNumber: bigint;
  readonly txIndex: number;
}

export interface BlockKey {
  readonly channel: string;
  readonly number: bigint;
}

export interface ReadQueries {
  /** Highest indexed block of a channel, or null before its first block. */
  indexedHeight(channel: string): Promise<bigint | null>;
  assets(domain: StoreDomain, filter: AssetFilter, order: AssetOrder, window: Window): Promise<Slice<Asset>>;
  countAssets(domain: StoreDomain, filter: AssetFilter): Promise<number>;
  users(window: Window): Promise<Slice<UserRecord>>;
  countUsers(): Promise<number>;
  // Batch reads: any number of keys, one statement; rows come back in no particular order.
  assetsByIds(domain: StoreDomain, ids: readonly string[]): Promise<Asset[]>;
  accountsByIds(domain: StoreDomain, ids: readonly string[]): Promise<TokenAccount[]>;
  usersByIds(ids: readonly string[]): Promise<UserRecord[]>;
  /** Users by owner string `<MSP ID>/<username>` (the msp_id and the username must both match). */
  usersByOwners(owners: readonly string[]): Promise<(UserRecord & { owner: string })[]>;
  transactionsByKeys(keys: readonly TxKey[]): Promise<Transaction[]>;
  /** Per transaction id, the valid copy when there is one (DUPLICATE_TXID copies are invalid), else the first. */
  transactionsByTxIds(channel: string, txIds: readonly string[]): Promise<Transaction[]>;
  blocksByKeys(keys: readonly BlockKey[]): Promise<Block[]>;
  /** Writes with their ledger keys (the NUL-escaping of the stored keys undone, src/sync/keys.ts). */
  writesByTransactions(keys: readonly TxKey[]): Promise<TxWrite[]>;
  /** The same window of each asset's history (newest first), all assets in ONE statement. */
  historyByAssets(domain: StoreDomain, assetIds: readonly string[], window: Window): Promise<Map<string, Slice<AssetHistory>>>;
  countHistory(domain: StoreDomain, assetIds: readonly string[]): Promise<Map<string, number>>;
  /** Chaincode events of the transactions in each asset's history, newest first. */
  eventsByAssets(domain: StoreDomain, assetIds: readonly string[], window: Window): Promise<Map<string, Slice<ChaincodeEvent>>>;
  countEvents(domain: StoreDomain, assetIds: readonly string[]): Promise<Map<string, number>>;
  /** Mints and transfers into or out of each account, newest first. */
  transfersByAccounts(domain: StoreDomain, accounts: readonly string[], window: Window): Promise<Map<string, Slice<TokenTransfer>>>;
  countTransfers(domain: StoreDomain, accounts: readonly string[]): Promise<Map<string, number>>;
}

// ---------------------------------------------------------------------------------------------
// Keyset helpers. Column names are constants of this file, never input. The exported ones are
// shared with ./adminReads.ts (not part of the store's public surface).

const raw = Prisma.raw;

function keyParam(value: KeyValue, type: KeyType): Prisma.Sql {
  switch (type) {
    case 'text':
      return Prisma.sql`CAST(${String(value)} AS text)`;
    case 'bigint':
      return Prisma.sql`CAST(${String(value)} AS bigint)`;
    case 'int':
      return Prisma.sql`CAST(${String(value)} AS integer)`;
  }
}

function tuple(values: readonly Prisma.Sql[]): Prisma.Sql {
  return values.length === 1 ? (values[0] ?? Prisma.empty) : Prisma.sql`(${Prisma.join(values)})`;
}

/**
 * The window's bounds as row comparisons on the key columns (all sorted in `direction`), which
 * PostgreSQL answers from a b-tree index on those columns.
 */
export function windowBounds(columns: readonly string[], types: readonly KeyType[], direction: SortDirection, window: Window): Prisma.Sql[] {
  const cols = tuple(columns.map((c) => raw(c)));
  const bound = (key: Key): Prisma.Sql => tuple(types.map((t, i) => keyParam(key[i] ?? '', t)));
  const conditions: Prisma.Sql[] = [];
  const ascending = direction === 'ASC';
  if (window.after) conditions.push(Prisma.sql`${cols} ${raw(ascending ? '>' : '<')} ${bound(window.after)}`);
  if (window.before) conditions.push(Prisma.sql`${cols} ${raw(ascending ? '<' : '>')} ${bound(window.before)}`);
  return conditions;
}

/** ORDER BY the key columns, reversed when the window is read from the end. */
export function windowOrder(columns: readonly string[], direction: SortDirection, window: Window): Prisma.Sql {
  const ascending = (direction === 'ASC') !== window.fromEnd;
  return raw(`ORDER BY ${columns.map((c) => `${c} ${ascending ? 'ASC' : 'DESC'}`).join(', ')}`);
}

/** Rows fetched as limit + 1, back in list order. */
export function slice<T>(rows: T[], window: Window): Slice<T> {
  const more = rows.length > window.limit;
  const kept = rows.slice(0, window.limit);
  if (window.fromEnd) kept.reverse();
  return { rows: kept, more };
}

export function where(conditions: readonly Prisma.Sql[]): Prisma.Sql {
  return conditions.length === 0 ? Prisma.empty : Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}`;
}

function groupSlices<T>(ids: readonly string[], rows: readonly (T & { groupKey: string })[], window: Window): Map<string, Slice<T>> {
  const grouped = new Map<string, T[]>(ids.map((id) => [id, []]));
  for (const { groupKey, ...row } of rows) grouped.get(groupKey)?.push(row as unknown as T);
  return new Map([...grouped].map(([id, list]) => [id, slice(list, window)]));
}

const ASSET_COLUMNS = raw(`a.channel, a.chaincode, a.id, a.kind, a.owner, a.attributes, a.version, a.deleted,
  a.created_block AS "createdBlock", a.created_tx_id AS "createdTxId", a.created_at AS "createdAt",
  a.updated_block AS "updatedBlock", a.updated_tx_id AS "updatedTxId", a.updated_at AS "updatedAt"`);
const HISTORY_COLUMNS = raw(`h.channel, h.chaincode, h.asset_id AS "assetId", h.block_number AS "blockNumber",
  h.tx_index AS "txIndex", h.tx_id AS "txId", h.action, h.owner, h.kind, h.attributes, h.version, h.at`);
export const EVENT_COLUMNS = raw(`e.channel, e.block_number AS "blockNumber", e.tx_index AS "txIndex", e.chaincode,
  e.event_name AS "eventName", e.payload`);
const TRANSFER_COLUMNS = raw(`t.channel, t.chaincode, t.block_number AS "blockNumber", t.tx_index AS "txIndex",
  t.tx_id AS "txId", t.kind, t.from_account AS "fromAccount", t.to_account AS "toAccount", t.amount, t.at`);
export const BLOCK_COLUMNS = raw(`b.channel, b.number, b.hash, b.previous_hash AS "previousHash", b.data_hash AS "dataHash",
  b.tx_count AS "txCount", b.is_config AS "isConfig", b.created_at AS "createdAt", b.indexed_at AS "indexedAt"`);
export const TX_COLUMNS = raw(`t.channel, t.block_number AS "blockNumber", t.tx_index AS "txIndex", t.tx_id AS "txId", t.type,
  t.validation_code AS "validationCode", t.is_valid AS "isValid", t.creator_msp_id AS "creatorMspId",
  t.creator_id AS "creatorId", t.endorsers, t.chaincode, t.function, t.created_at AS "createdAt"`);
const USER_COLUMNS = raw(`u.id::text AS id, u.username, u.role::text AS role, u.msp_id AS "mspId", u.disabled,
  i.label AS "identityLabel", u.created_at AS "createdAt", u.last_login_at AS "lastLoginAt"`);

interface UserRow extends Omit<UserRecord, 'identityLabel' | 'lastLoginAt'> {
  identityLabel: string | null;
  lastLoginAt: Date | null;
}

function userRecord({ identityLabel, lastLoginAt, ...row }: UserRow): UserRecord {
  return { ...row, identityLabel: identityLabel ?? undefined, lastLoginAt: lastLoginAt ?? undefined };
}

function assetConditions(domain: StoreDomain, filter: AssetFilter): Prisma.Sql[] {
  const conditions = [Prisma.sql`a.channel = ${domain.channel}`, Prisma.sql`a.chaincode = ${domain.chaincode}`];
  if (filter.owner !== undefined) conditions.push(Prisma.sql`a.owner = ${filter.owner}`);
  if (filter.kind !== undefined) conditions.push(Prisma.sql`a.kind = ${filter.kind}`);
  if (filter.includeDeleted !== true) conditions.push(Prisma.sql`NOT a.deleted`);
  if (filter.updatedAfter) conditions.push(Prisma.sql`a.updated_at > ${filter.updatedAfter}`);
  if (filter.updatedBefore) conditions.push(Prisma.sql`a.updated_at < ${filter.updatedBefore}`);
  return conditions;
}

const ASSET_ORDER_COLUMNS: Record<AssetOrderField, { columns: string[]; types: readonly KeyType[] }> = {
  ID: { columns: ['a.id'], types: ORDER_KEYS.assetsById },
  UPDATED_BLOCK: { columns: ['a.updated_block', 'a.id'], types: ORDER_KEYS.assetsByUpdatedBlock },
};

const POSITION = { types: ORDER_KEYS.ledgerPosition } as const;

/** WHERE … ORDER BY … LIMIT of one asset's history rows `h` (the asset is `k.id` of the batch), newest first. */
function perAssetWindow(domain: StoreDomain, window: Window): Prisma.Sql {
  const columns = ['h.block_number', 'h.tx_index'];
  const conditions = [
    Prisma.sql`h.channel = ${domain.channel}`,
    Prisma.sql`h.chaincode = ${domain.chaincode}`,
    Prisma.sql`h.asset_id = k.id`,
    ...windowBounds(columns, POSITION.types, 'DESC', window),
  ];
  return Prisma.sql`${where(conditions)} ${windowOrder(columns, 'DESC', window)} LIMIT ${window.limit + 1}`;
}

/** The rows (channel, block_number, tx_index) of a batch of transaction keys. */
export function txKeyRows(keys: readonly TxKey[]): Prisma.Sql {
  return Prisma.sql`SELECT * FROM unnest(${textArray(keys.map((k) => k.channel))}, CAST(${keys.map((k) => String(k.blockNumber))} AS bigint[]), CAST(${keys.map((k) => k.txIndex)} AS integer[]))`;
}

export function textArray(values: readonly KeyValue[]): Prisma.Sql {
  return Prisma.sql`CAST(${values.map(String)} AS text[])`;
}

/** The read queries over one SQL reader (one `pg` pool; see ./sqlReader.ts). */
export function createReadQueries({ sql: reader }: { sql: SqlReader }): ReadQueries {
  const query = <T>(sql: Prisma.Sql): Promise<T[]> => reader.query<T>(sql);
  const count = async (sql: Prisma.Sql): Promise<number> => Number((await query<{ n: bigint }>(sql))[0]?.n ?? 0n);
  const countMap = async (ids: readonly string[], sql: Prisma.Sql): Promise<Map<string, number>> => {
    const rows = await query<{ id: string; n: bigint }>(sql);
    const counts = new Map(ids.map((id) => [id, 0]));
    for (const row of rows) counts.set(row.id, Number(row.n));
    return counts;
  };

  return {
    async indexedHeight(channel) {
      // next_block is the first block NOT indexed yet; 0 means nothing is.
      const rows = await query<{ next: bigint }>(Prisma.sql`SELECT next_block AS next FROM sync_checkpoints WHERE channel = ${channel}`);
      const next = rows[0]?.next;
      return next === undefined || next === 0n ? null : next - 1n;
    },

    async assets(domain, filter, order, window) {
      const { columns, types } = ASSET_ORDER_COLUMNS[order.field];
      const conditions = [...assetConditions(domain, filter), ...windowBounds(columns, types, order.direction, window)];
      const rows = await query<Asset>(Prisma.sql`SELECT ${ASSET_COLUMNS} FROM assets a ${where(conditions)}
        ${windowOrder(columns, order.direction, window)} LIMIT ${window.limit + 1}`);
      return slice(rows, window);
    },

    countAssets: (domain, filter) => count(Prisma.sql`SELECT count(*) AS n FROM assets a ${where(assetConditions(domain, filter))}`),

    async users(window) {
      const columns = ['u.username'];
      const rows = await query<UserRow>(Prisma.sql`SELECT ${USER_COLUMNS} FROM users u
        LEFT JOIN fabric_identities i ON i.id = u.fabric_identity_id
        ${where(windowBounds(columns, ORDER_KEYS.users, 'ASC', window))}
        ${windowOrder(columns, 'ASC', window)} LIMIT ${window.limit + 1}`);
      return slice(rows.map(userRecord), window);
    },

    countUsers: () => count(Prisma.sql`SELECT count(*) AS n FROM users`),

    assetsByIds: (domain, ids) =>
      query<Asset>(Prisma.sql`SELECT ${ASSET_COLUMNS} FROM assets a
        WHERE a.channel = ${domain.channel} AND a.chaincode = ${domain.chaincode} AND a.id = ANY(${textArray(ids)})`),

    accountsByIds: (domain, ids) =>
      query<TokenAccount>(Prisma.sql`SELECT channel, chaincode, account, balance, updated_block AS "updatedBlock",
        updated_tx_id AS "updatedTxId", updated_at AS "updatedAt" FROM token_accounts
        WHERE channel = ${domain.channel} AND chaincode = ${domain.chaincode} AND account = ANY(${textArray(ids)})`),

    async usersByIds(ids) {
      const valid = ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
      const rows = await query<UserRow>(Prisma.sql`SELECT ${USER_COLUMNS} FROM users u
        LEFT JOIN fabric_identities i ON i.id = u.fabric_identity_id WHERE u.id = ANY(CAST(${valid} AS uuid[]))`);
      return rows.map(userRecord);
    },

    async usersByOwners(owners) {
      // Usernames are unique; the MSP ID must match as well. The username index answers it.
      const rows = await query<UserRow & { owner: string }>(Prisma.sql`SELECT ${USER_COLUMNS}, k.owner FROM unnest(${textArray(owners)}) AS k(owner)
        JOIN users u ON u.username = split_part(k.owner, '/', 2) AND u.msp_id || '/' || u.username = k.owner
        LEFT JOIN fabric_identities i ON i.id = u.fabric_identity_id`);
      return rows.map((row) => ({ ...userRecord(row), owner: row.owner }));
    },

    transactionsByKeys: (keys) =>
      query<Transaction>(Prisma.sql`SELECT ${TX_COLUMNS} FROM transactions t
        WHERE (t.channel, t.block_number, t.tx_index) IN (${txKeyRows(keys)})`),

    transactionsByTxIds: (channel, txIds) =>
      query<Transaction>(Prisma.sql`SELECT DISTINCT ON (t.tx_id) ${TX_COLUMNS} FROM transactions t
        WHERE t.tx_id = ANY(${textArray(txIds)}) AND t.channel = ${channel}
        ORDER BY t.tx_id, t.is_valid DESC, t.block_number, t.tx_index`),

    blocksByKeys: (keys) =>
      query<Block>(Prisma.sql`SELECT ${BLOCK_COLUMNS} FROM blocks b WHERE (b.channel, b.number) IN (
          SELECT * FROM unnest(${textArray(keys.map((k) => k.channel))}, CAST(${keys.map((k) => String(k.number))} AS bigint[])))`),

    writesByTransactions: async (keys) =>
      (await query<TxWrite>(Prisma.sql`SELECT w.channel, w.block_number AS "blockNumber", w.tx_index AS "txIndex", w.namespace, w.key,
        w.is_delete AS "isDelete", w.value FROM tx_writes w
        WHERE (w.channel, w.block_number, w.tx_index) IN (${txKeyRows(keys)})
        ORDER BY w.namespace, w.key`)).map((w) => ({ ...w, key: ledgerKey(w.key) })),

    async historyByAssets(domain, assetIds, window) {
      // One statement for every asset: the last N rows of each, from the primary key's index.
      const rows = await query<AssetHistory & { groupKey: string }>(Prisma.sql`SELECT k.id AS "groupKey", h.* FROM unnest(${textArray(assetIds)}) AS k(id)
        CROSS JOIN LATERAL (SELECT ${HISTORY_COLUMNS} FROM asset_history h ${perAssetWindow(domain, window)}) h`);
      return groupSlices(assetIds, rows, window);
    },

    countHistory: (domain, assetIds) =>
      countMap(
        assetIds,
        Prisma.sql`SELECT asset_id AS id, count(*) AS n FROM asset_history
          WHERE channel = ${domain.channel} AND chaincode = ${domain.chaincode} AND asset_id = ANY(${textArray(assetIds)}) GROUP BY asset_id`,
      ),

    async eventsByAssets(domain, assetIds, window) {
      const rows = await query<ChaincodeEvent & { groupKey: string }>(Prisma.sql`SELECT k.id AS "groupKey", e.* FROM unnest(${textArray(assetIds)}) AS k(id)
        CROSS JOIN LATERAL (SELECT ${EVENT_COLUMNS} FROM asset_history h
          JOIN chaincode_events e ON e.channel = h.channel AND e.block_number = h.block_number AND e.tx_index = h.tx_index
          ${perAssetWindow(domain, window)}) e`);
      return groupSlices(assetIds, rows, window);
    },

    countEvents: (domain, assetIds) =>
      countMap(
        assetIds,
        Prisma.sql`SELECT h.asset_id AS id, count(*) AS n FROM asset_history h
          JOIN chaincode_events e ON e.channel = h.channel AND e.block_number = h.block_number AND e.tx_index = h.tx_index
          WHERE h.channel = ${domain.channel} AND h.chaincode = ${domain.chaincode} AND h.asset_id = ANY(${textArray(assetIds)}) GROUP BY h.asset_id`,
      ),

    async transfersByAccounts(domain, accounts, window) {
      const columns = ['t.block_number', 't.tx_index'];
      const side = (column: string): Prisma.Sql => {
        const conditions = [
          Prisma.sql`t.channel = ${domain.channel}`,
          Prisma.sql`t.chaincode = ${domain.chaincode}`,
          Prisma.sql`${raw(column)} = k.id`,
          ...windowBounds(columns, POSITION.types, 'DESC', window),
        ];
        return Prisma.sql`(SELECT ${TRANSFER_COLUMNS} FROM token_transfers t ${where(conditions)}
          ${windowOrder(columns, 'DESC', window)} LIMIT ${window.limit + 1})`;
      };
      // Out of and into the account, each from its own index; a transfer to oneself is refused by the chaincode.
      const rows = await query<TokenTransfer & { groupKey: string }>(Prisma.sql`SELECT k.id AS "groupKey", t.* FROM unnest(${textArray(accounts)}) AS k(id)
        CROSS JOIN LATERAL (SELECT * FROM (${side('t.from_account')} UNION ALL ${side('t.to_account')}) t
          ${windowOrder(['t."blockNumber"', 't."txIndex"'], 'DESC', window)} LIMIT ${window.limit + 1}) t`);
      return groupSlices(accounts, rows, window);
    },

    countTransfers: (domain, accounts) =>
      countMap(
        accounts,
        Prisma.sql`SELECT k.id, (SELECT count(*) FROM token_transfers t WHERE t.channel = ${domain.channel} AND t.chaincode = ${domain.chaincode} AND t.from_account = k.id)
          + (SELECT count(*) FROM token_transfers t WHERE t.channel = ${domain.channel} AND t.chaincode = ${domain.chaincode} AND t.to_account = k.id) AS n
          FROM unnest(${textArray(accounts)}) AS k(id)`,
      ),
  };
}
