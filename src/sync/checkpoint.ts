import type { ClientBase } from 'pg';

import type { LedgerBlock } from '../ledger';
import type { Projector } from './projector';
import { batchRows, type BatchRows } from './indexRows';
import { applyBatch, forgetStages } from './sqlWriter';
import { SyncErrorCode, SyncIntegrityError } from './errors';

export interface Checkpoint {
  readonly nextBlock: bigint;
  readonly lastBlockHash: string | undefined;
}

export const INDEXED_NOTIFY_CHANNEL = 'ledger_indexed';

export interface IndexedNotice {
  readonly channel: string;
  /** Every block below this number is in the cache. */
  readonly height: string;
}

export async function ensureCheckpoint(client: ClientBase, channel: string): Promise<Checkpoint> {
  await client.query('INSERT INTO channels (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [channel]);
  await client.query('INSERT INTO sync_checkpoints (channel, next_block) VALUES ($1, 0) ON CONFLICT (channel) DO NOTHING', [channel]);
  return readCheckpoint(client, channel);
}

export async function readCheckpoint(client: ClientBase, channel: string, forUpdate = false): Promise<Checkpoint> {
  const result = await client.query<{ next_block: string; last_block_hash: string | null }>(
    `SELECT next_block::text, last_block_hash FROM sync_checkpoints WHERE channel = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [channel],
  );
  const row = result.rows[0];
  if (!row) throw new Error(`no checkpoint for channel ${channel}`);
  return { nextBlock: BigInt(row.next_block), lastBlockHash: row.last_block_hash ?? undefined };
}

/** Blocks must follow the checkpoint without a gap, and each must name its predecessor's hash. */
export function checkChain(channel: string, from: Checkpoint, blocks: readonly LedgerBlock[]): void {
  let expected = from.nextBlock;
  let previousHash = from.lastBlockHash;
  for (const block of blocks) {
    if (block.number !== expected) {
      throw new SyncIntegrityError(SyncErrorCode.GAP, channel, `expected block ${expected}, received block ${block.number}`);
    }
    if (previousHash !== undefined && block.previousHash !== previousHash) {
      throw new SyncIntegrityError(
        SyncErrorCode.HASH_MISMATCH,
        channel,
        `block ${block.number} names previous hash ${block.previousHash}, but block ${block.number - 1n} hashes to ${previousHash}`,
      );
    }
    previousHash = block.hash;
    expected += 1n;
  }
}

/**
 * A batch ready to be written: checked against the checkpoint it must follow and turned into rows.
 * Preparing is CPU work only, so the worker prepares batch N+1 while PostgreSQL writes batch N.
 */
export interface PreparedBatch {
  readonly from: Checkpoint;
  readonly next: Checkpoint;
  readonly blocks: number;
  readonly rows: BatchRows;
}

export function prepareBatch(channel: string, from: Checkpoint, blocks: readonly LedgerBlock[], projectors: readonly Projector[]): PreparedBatch {
  checkChain(channel, from, blocks);
  const last = blocks[blocks.length - 1];
  return {
    from,
    next: last ? { nextBlock: last.number + 1n, lastBlockHash: last.hash } : from,
    blocks: blocks.length,
    rows: batchRows(blocks, projectors),
  };
}

/**
 * Writes a prepared batch and the new checkpoint in ONE transaction, then notifies listeners
 * (NOTIFY is delivered only if the transaction commits). The checkpoint row is locked and
 * re-checked inside the transaction, so a second writer can never apply a block twice, and a
 * batch prepared ahead is written only onto the checkpoint it was prepared for.
 */
export async function writeBatch(client: ClientBase, channel: string, batch: PreparedBatch): Promise<Checkpoint> {
  if (batch.blocks === 0) return batch.from;
  await client.query('BEGIN');
  try {
    const current = await readCheckpoint(client, channel, true);
    if (current.nextBlock !== batch.from.nextBlock || current.lastBlockHash !== batch.from.lastBlockHash) {
      throw new SyncIntegrityError(
        SyncErrorCode.CHECKPOINT_MOVED,
        channel,
        `checkpoint is at ${current.nextBlock}, this writer expected ${batch.from.nextBlock}: another writer is active`,
      );
    }
    await applyBatch(client, batch.rows);
    const { next } = batch;
    await client.query(
      'UPDATE sync_checkpoints SET next_block = $2, last_block_hash = $3, updated_at = now(), last_error = NULL WHERE channel = $1',
      [channel, next.nextBlock.toString(), next.lastBlockHash],
    );
    const notice: IndexedNotice = { channel, height: next.nextBlock.toString() };
    await client.query('SELECT pg_notify($1, $2)', [INDEXED_NOTIFY_CHANNEL, JSON.stringify(notice)]);
    await client.query('COMMIT');
    return next;
  } catch (error) {
    // A staging table created in this transaction is gone with it.
    forgetStages(client);
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Prepares and writes one batch (see prepareBatch and writeBatch). */
export async function commitBatch(
  client: ClientBase,
  channel: string,
  from: Checkpoint,
  blocks: readonly LedgerBlock[],
  projectors: readonly Projector[],
): Promise<Checkpoint> {
  return writeBatch(client, channel, prepareBatch(channel, from, blocks, projectors));
}

export async function recordError(client: ClientBase, channel: string, message: string): Promise<void> {
  await client.query('UPDATE sync_checkpoints SET last_error = $2, updated_at = now() WHERE channel = $1', [channel, message.slice(0, 2000)]);
}
