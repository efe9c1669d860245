import type { LedgerBlock, SourceBlock } from '../ledger';
// The file, not the ledger's index: importing the index would load the Fabric SDK into every sync process.
import { isEncodedBlock } from '../ledger/blockDecoder';
import { prepareBatch, type Checkpoint, type PreparedBatch } from './checkpoint';
import type { Projector } from './projector';

/**
 * Where a batch is prepared (hash chain checked, blocks turned into rows, rows into COPY payloads
 * and statements): on the worker's own thread, or on a preparer thread (threadPreparer.ts) so that
 * the thread reading blocks from the peer does nothing else. Batches are prepared one at a time,
 * in order; the worker writes each with its checkpoint on its own PostgreSQL session.
 */
export interface BatchPreparer {
  /** Whether this preparer decodes blocks itself, so the source may hand them over encoded. */
  readonly decodes: boolean;
  prepare(from: Checkpoint, blocks: readonly SourceBlock[]): Promise<PreparedBatch>;
  /** Rejects (and stays rejected) if the preparer can no longer work, e.g. its thread died. */
  readonly failed: Promise<never>;
  close(): Promise<void>;
}

/** Prepares on the calling thread; takes decoded blocks only. */
export function createInlinePreparer(channel: string, projectors: readonly Projector[]): BatchPreparer {
  return {
    decodes: false,
    prepare(from, blocks) {
      return new Promise<PreparedBatch>((resolve) => {
        const decoded = blocks.map((block): LedgerBlock => {
          if (isEncodedBlock(block)) throw new Error(`block ${block.number} of ${channel} arrived encoded, but this preparer does not decode`);
          return block;
        });
        resolve(prepareBatch(channel, from, decoded, projectors));
      });
    },
    failed: new Promise<never>(() => undefined),
    close: () => Promise.resolve(),
  };
}
