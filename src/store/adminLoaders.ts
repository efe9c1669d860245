/**
 * Per-request DataLoaders of the admin API's relations: a block's transactions, a transaction's
 * reads and event, a channel's checkpoint. Each batch is ONE statement (./adminReads.ts).
 */
import DataLoader from 'dataloader';
import type { ChaincodeEvent, Transaction, TxRead } from '@prisma/client';

import type { AdminReads } from './adminReads';
import type { BlockKey, TxKey } from './reads';

export interface AdminLoaders {
  readonly blockTransactions: DataLoader<BlockKey, Transaction[], string>;
  readonly reads: DataLoader<TxKey, TxRead[], string>;
  readonly event: DataLoader<TxKey, ChaincodeEvent | null, string>;
  /** The channel's checkpoint (next block to index), null before the worker first ran. */
  readonly nextBlock: DataLoader<string, bigint | null>;
}

const txKeyString = (k: TxKey): string => `${k.channel}\u0000${k.blockNumber}\u0000${k.txIndex}`;
const blockKeyString = (k: BlockKey): string => `${k.channel}\u0000${k.number}`;

function groupBy<K, R>(keys: readonly K[], rows: readonly R[], keyOfRow: (row: R) => string, keyString: (key: K) => string): R[][] {
  const grouped = new Map<string, R[]>();
  for (const row of rows) {
    const key = keyOfRow(row);
    const list = grouped.get(key);
    if (list) list.push(row);
    else grouped.set(key, [row]);
  }
  return keys.map((key) => grouped.get(keyString(key)) ?? []);
}

export function createAdminLoaders({ reads, maxBatchSize = 1000 }: { reads: AdminReads; maxBatchSize?: number }): AdminLoaders {
  return {
    blockTransactions: new DataLoader(
      async (keys) => groupBy(keys, await reads.transactionsByBlocks(keys), (t) => blockKeyString({ channel: t.channel, number: t.blockNumber }), blockKeyString),
      { cacheKeyFn: blockKeyString, maxBatchSize },
    ),
    reads: new DataLoader(async (keys) => groupBy(keys, await reads.readsByTransactions(keys), txKeyString, txKeyString), { cacheKeyFn: txKeyString, maxBatchSize }),
    event: new DataLoader(
      async (keys) => groupBy(keys, await reads.eventsByTransactions(keys), txKeyString, txKeyString).map((events) => events[0] ?? null),
      { cacheKeyFn: txKeyString, maxBatchSize },
    ),
    nextBlock: new DataLoader(async (channels) => {
      const next = await reads.nextBlocks([...new Set(channels)]);
      return channels.map((c) => next.get(c) ?? null);
    }, { maxBatchSize }),
  };
}
