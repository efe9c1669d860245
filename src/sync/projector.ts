import type { LedgerTransaction, LedgerWrite } from '../ledger';
import type { RowChange } from './rowChange';

/**
 * A projector maps the valid writes of one chaincode namespace to rows. Adding a chaincode to the
 * cache means adding a projector; the worker, the writer and the checkpoint stay as they are.
 */
export interface ProjectionInput {
  readonly channel: string;
  readonly blockNumber: bigint;
  readonly blockTime: Date | undefined;
  /** A valid transaction: invalid ones never reach a projector. */
  readonly tx: LedgerTransaction;
  /** The transaction's writes in the namespaces this projector asked for. */
  readonly writes: readonly LedgerWrite[];
}

export interface Projector {
  readonly name: string;
  wants(namespace: string): boolean;
  project(input: ProjectionInput): RowChange[];
}
