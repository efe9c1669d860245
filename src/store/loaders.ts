/**
 * Per-request DataLoaders for every relation the API follows. Create a fresh set per request (or per
 * subscription event): a loader caches what it read for its whole life. Each batch is ONE statement
 * (./reads.ts), so a page of N items with nested relations costs a constant number of statements.
 */
import DataLoader from 'dataloader';
import type { Asset, AssetHistory, Block, ChaincodeEvent, TokenAccount, TokenTransfer, Transaction, TxWrite } from '@prisma/client';

import type { BlockKey, ReadQueries, Slice, StoreDomain, TxKey, UserRecord, Window } from './reads';

/** A window of one parent's list (one asset's history, one account's transfers). */
export interface ListKey {
  readonly id: string;
  readonly window: Window;
}

export interface Loaders {
  readonly asset: DataLoader<string, Asset | null>;
  readonly account: DataLoader<string, TokenAccount | null>;
  readonly userById: DataLoader<string, UserRecord | null>;
  /** By owner string `<MSP ID>/<username>`. */
  readonly userByOwner: DataLoader<string, UserRecord | null>;
  readonly transaction: DataLoader<TxKey, Transaction | null, string>;
  /** By Fabric transaction id: the valid copy when a DUPLICATE_TXID copy exists. */
  readonly transactionById: DataLoader<string, Transaction | null>;
  readonly block: DataLoader<BlockKey, Block | null, string>;
  readonly writes: DataLoader<TxKey, TxWrite[], string>;
  readonly history: DataLoader<ListKey, Slice<AssetHistory>, string>;
  readonly historyCount: DataLoader<string, number>;
  readonly events: DataLoader<ListKey, Slice<ChaincodeEvent>, string>;
  readonly eventCount: DataLoader<string, number>;
  readonly transfers: DataLoader<ListKey, Slice<TokenTransfer>, string>;
  readonly transferCount: DataLoader<string, number>;
}

export interface LoadersDeps {
  readonly reads: ReadQueries;
  readonly domain: StoreDomain;
  /** Most keys per statement (default 1000). */
  readonly maxBatchSize?: number;
}

const txKeyString = (k: TxKey): string => `${k.channel}\u0000${k.blockNumber}\u0000${k.txIndex}`;
const blockKeyString = (k: BlockKey): string => `${k.channel}\u0000${k.number}`;
const windowString = (w: Window): string =>
  JSON.stringify([w.limit, w.fromEnd, w.after?.map(String) ?? null, w.before?.map(String) ?? null]);
const listKeyString = (k: ListKey): string => `${windowString(k.window)}\u0000${k.id}`;

/** Rows matched back to the keys that asked for them, in key order. */
function byKey<K, R>(keys: readonly K[], rows: readonly R[], keyOfRow: (row: R) => string, keyString: (key: K) => string): (R | null)[] {
  const found = new Map(rows.map((row) => [keyOfRow(row), row]));
  return keys.map((key) => found.get(keyString(key)) ?? null);
}

/** A loader of per-parent windows: keys with the same window go into one statement. */
function listLoader<T>(
  load: (ids: readonly string[], window: Window) => Promise<Map<string, Slice<T>>>,
  maxBatchSize: number,
): DataLoader<ListKey, Slice<T>, string> {
  return new DataLoader<ListKey, Slice<T>, string>(
    async (keys) => {
      const groups = new Map<string, { window: Window; ids: Set<string> }>();
      for (const key of keys) {
        const signature = windowString(key.window);
        const group = groups.get(signature) ?? { window: key.window, ids: new Set<string>() };
        group.ids.add(key.id);
        groups.set(signature, group);
      }
      const results = new Map<string, Slice<T>>();
      await Promise.all(
        [...groups].map(async ([signature, { window, ids }]) => {
          const slices = await load([...ids], window);
          for (const [id, value] of slices) results.set(`${signature}\u0000${id}`, value);
        }),
      );
      return keys.map((key) => results.get(listKeyString(key)) ?? { rows: [], more: false });
    },
    { cacheKeyFn: listKeyString, maxBatchSize },
  );
}

export function createLoaders({ reads, domain, maxBatchSize = 1000 }: LoadersDeps): Loaders {
  const options = { maxBatchSize };
  const unique = (keys: readonly string[]): string[] => [...new Set(keys)];
  const counter = (count: (ids: readonly string[]) => Promise<Map<string, number>>): DataLoader<string, number> =>
    new DataLoader(async (ids) => {
      const counts = await count(unique(ids));
      return ids.map((id) => counts.get(id) ?? 0);
    }, options);
  return {
    asset: new DataLoader(async (ids) => byKey(ids, await reads.assetsByIds(domain, unique(ids)), (a) => a.id, String), options),
    account: new DataLoader(async (ids) => byKey(ids, await reads.accountsByIds(domain, unique(ids)), (a) => a.account, String), options),
    userById: new DataLoader(async (ids) => byKey(ids, await reads.usersByIds(unique(ids)), (u) => u.id, String), options),
    userByOwner: new DataLoader(async (owners) => {
      const rows = await reads.usersByOwners(unique(owners));
      return byKey(owners, rows, (u) => u.owner, String);
    }, options),
    transaction: new DataLoader(async (keys) => byKey(keys, await reads.transactionsByKeys(keys), txKeyString, txKeyString), {
      ...options,
      cacheKeyFn: txKeyString,
    }),
    transactionById: new DataLoader(
      async (ids) => byKey(ids, await reads.transactionsByTxIds(domain.channel, unique(ids)), (t) => t.txId, String),
      options,
    ),
    block: new DataLoader(
      async (keys) => byKey(keys, await reads.blocksByKeys(keys), (b) => blockKeyString({ channel: b.channel, number: b.number }), blockKeyString),
      { ...options, cacheKeyFn: blockKeyString },
    ),
    writes: new DataLoader(
      async (keys) => {
        const grouped = new Map<string, TxWrite[]>();
        for (const write of await reads.writesByTransactions(keys)) {
          const key = txKeyString(write);
          const list = grouped.get(key);
          if (list) list.push(write);
          else grouped.set(key, [write]);
        }
        return keys.map((key) => grouped.get(txKeyString(key)) ?? []);
      },
      { ...options, cacheKeyFn: txKeyString },
    ),
    history: listLoader((ids, window) => reads.historyByAssets(domain, ids, window), maxBatchSize),
    historyCount: counter((ids) => reads.countHistory(domain, ids)),
    events: listLoader((ids, window) => reads.eventsByAssets(domain, ids, window), maxBatchSize),
    eventCount: counter((ids) => reads.countEvents(domain, ids)),
    transfers: listLoader((ids, window) => reads.transfersByAccounts(domain, ids, window), maxBatchSize),
    transferCount: counter((ids) => reads.countTransfers(domain, ids)),
  };
}
