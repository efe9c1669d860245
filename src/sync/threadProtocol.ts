import type { LedgerBlock, LedgerTransaction, SourceBlock } from '../ledger';
import type { Checkpoint, PreparedBatch } from './checkpoint';
import { SyncIntegrityError, type IntegrityCode } from './errors';
import type { ProjectorModule } from './projectorModules';

/**
 * What the sync worker and its preparer thread say to each other. Everything here must survive
 * structured clone, which keeps bigint, Date and byte arrays but not classes: a Buffer arrives as
 * a plain Uint8Array and an error as a plain object, so both are rebuilt on arrival.
 */
export interface ThreadInit {
  readonly channel: string;
  readonly projectors: readonly ProjectorModule[];
}

export interface PrepareRequest {
  readonly id: number;
  readonly from: Checkpoint;
  readonly blocks: readonly SourceBlock[];
}

export type ThreadError =
  | { readonly kind: 'integrity'; readonly code: IntegrityCode; readonly channel: string; readonly detail: string }
  | { readonly kind: 'error'; readonly name: string; readonly message: string; readonly stack: string | undefined };

export type PrepareReply = { readonly id: number; readonly batch: PreparedBatch } | { readonly id: number; readonly error: ThreadError };

export function toThreadError(error: unknown): ThreadError {
  if (error instanceof SyncIntegrityError) return { kind: 'integrity', code: error.code, channel: error.channel, detail: error.detail };
  if (error instanceof Error) return { kind: 'error', name: error.name, message: error.message, stack: error.stack };
  return { kind: 'error', name: 'Error', message: String(error), stack: undefined };
}

/** The same error class and code as if the batch had been prepared on this thread. */
export function fromThreadError(error: ThreadError): Error {
  if (error.kind === 'integrity') return new SyncIntegrityError(error.code, error.channel, error.detail);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  if (error.stack !== undefined) rebuilt.stack = `${error.stack}\n    (in the sync preparer thread)`;
  return rebuilt;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function reviveTransaction(tx: LedgerTransaction): LedgerTransaction {
  return {
    ...tx,
    writes: tx.writes.map((w) => (w.value === undefined ? w : { ...w, value: asBuffer(w.value) })),
    event: tx.event ? { ...tx.event, payload: asBuffer(tx.event.payload) } : undefined,
  };
}

/** A decoded block after structured clone: its byte values as Buffers again (projectors call Buffer methods). */
export function reviveBlock(block: LedgerBlock): LedgerBlock {
  return { ...block, transactions: block.transactions.map(reviveTransaction) };
}

/**
 * The ArrayBuffers a message may move instead of copy: only byte arrays that own their whole
 * buffer (a view into Node's shared pool must be copied, or the pool would be detached).
 */
export function ownedBuffers(arrays: Iterable<Uint8Array>): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const bytes of arrays) {
    const { buffer } = bytes;
    if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength && bytes.byteLength > 0) buffers.add(buffer);
  }
  return [...buffers];
}

export function planPayloads(batch: PreparedBatch): Uint8Array[] {
  return batch.plan.steps.flatMap((step) => (step.kind === 'copy' ? [step.payload] : []));
}
