import type { ClientBase, QueryResult } from 'pg';

import { isUniqueViolation } from '../common';
import type { LedgerBlock } from '../ledger';
import type { Projector } from './projector';
import { batchRows, type BatchRows } from './indexRows';
import { forgetStages, stageBatch, type InsertMode } from './sqlWriter';
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

interface CheckpointRow {
  next_block: string;
  last_block_hash: string | null;
}

const CHECKPOINT_SELECT = 'SELECT next_block::text, last_block_hash FROM sync_checkpoints';

function checkpointOf(channel: string, row: CheckpointRow | undefined): Checkpoint {
  if (!row) throw new Error(`no checkpoint for channel ${channel}`);
  return { nextBlock: BigInt(row.next_block), lastBlockHash: row.last_block_hash ?? undefined };
}

export async function readCheckpoint(client: ClientBase, channel: string, forUpdate = false): Promise<Checkpoint> {
  const result = await client.query<CheckpointRow>(`${CHECKPOINT_SELECT} WHERE channel = $1${forUpdate ? ' FOR UPDATE' : ''}`, [channel]);
  return checkpointOf(channel, result.rows[0]);
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
  try {
    return await writeBatchAs(client, channel, batch, 'straight');
  } catch (error) {
    // Rows of this batch are already there (a lost checkpoint, an operator's replay): nothing was
    // written, so write it again the idempotent way, which leaves existing rows alone.
    if (!isUniqueViolation(error)) throw error;
    return writeBatchAs(client, channel, batch, 'idempotent');
  }
}

async function writeBatchAs(client: ClientBase, channel: string, batch: PreparedBatch, mode: InsertMode): Promise<Checkpoint> {
  // BEGIN and the checkpoint lock in one round trip (a simple query takes no parameters).
  const begun = await client.query(`BEGIN; ${CHECKPOINT_SELECT} WHERE channel = ${client.escapeLiteral(channel)} FOR UPDATE`);
  try {
    const current = checkpointOf(channel, (begun as unknown as QueryResult<CheckpointRow>[])[1]?.rows[0]);
    if (current.nextBlock !== batch.from.nextBlock || current.lastBlockHash !== batch.from.lastBlockHash) {
      throw new SyncIntegrityError(
        SyncErrorCode.CHECKPOINT_MOVED,
        channel,
        `checkpoint is at ${current.nextBlock}, this writer expected ${batch.from.nextBlock}: another writer is active`,
      );
    }
    const tail = await stageBatch(client, batch.rows, mode);
    const { next } = batch;
    const notice: IndexedNotice = { channel, height: next.nextBlock.toString() };
    const lit = (value: string | undefined): string => (value === undefined ? 'NULL' : client.escapeLiteral(value));
    // The staged rows into their tables, the checkpoint, the notification and COMMIT: one round
    // trip. If any statement fails, PostgreSQL skips the rest (COMMIT included) and the
    // transaction is rolled back below.
    tail.push(
      `UPDATE sync_checkpoints SET next_block = ${next.nextBlock.toString()}, last_block_hash = ${lit(next.lastBlockHash)}, updated_at = now(), last_error = NULL WHERE channel = ${lit(channel)}`,
      `SELECT pg_notify(${lit(INDEXED_NOTIFY_CHANNEL)}, ${lit(JSON.stringify(notice))})`,
      'COMMIT',
    );
    await client.query(tail.join(';\n'));
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
