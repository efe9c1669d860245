/**
 * What the sync worker announces after each committed batch (PostgreSQL NOTIFY), fanned out to
 * this process's subscribers. Any gateway replica sees every notification, so read-your-writes
 * and subscriptions work behind a load balancer.
 */
export interface BlockIndexedEvent {
  readonly channel: string;
  /** The channel's new indexed height: the highest block number now in the cache. */
  readonly height: bigint;
}

export interface LedgerEvents {
  /** Resolves once `channel` is indexed up to `blockNumber`; `false` when `timeoutMs` passes first. */
  waitForIndexed(channel: string, blockNumber: bigint, timeoutMs: number): Promise<boolean>;
  /** Every block-indexed notification from now on, until the iterator is returned. */
  blocksIndexed(): AsyncIterableIterator<BlockIndexedEvent>;
  close(): Promise<void>;
}
