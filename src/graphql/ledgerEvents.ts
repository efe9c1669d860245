/**
 * What the sync worker announces after each committed batch (PostgreSQL NOTIFY), fanned out to
 * this process's subscribers. Any gateway replica sees every notification, so read-your-writes
 * and subscriptions work behind a load balancer.
 */
export interface BlockIndexedEvent {
  readonly channel: string;
  /** The channel's indexed height, Fabric's sense: blocks 0 … height - 1 are in the cache. */
  readonly height: bigint;
}

export interface LedgerEvents {
  /** Resolves `true` once `channel`'s block `blockNumber` is in the cache; `false` when `timeoutMs` passes first. */
  waitForIndexed(channel: string, blockNumber: bigint, timeoutMs: number): Promise<boolean>;
  /** Every block-indexed notification from now on, until the iterator is returned. */
  blocksIndexed(): AsyncIterableIterator<BlockIndexedEvent>;
  close(): Promise<void>;
}
