/**
 * The DApp layer's own view of the ledger: submit and evaluate chaincode functions as a given
 * identity. Nothing outside `src/ledger` sees a Fabric SDK type; the `fabric-network`
 * implementation lives in `fabricLedgerClient.ts`, and an `@hyperledger/fabric-gateway` adapter can
 * implement the same interface beside it.
 */

/**
 * Who signs. Held in memory only; `key` names the identity in caches and logs (never the private
 * key, which is never logged).
 */
export interface LedgerIdentity {
  /** A stable cache key for this identity, e.g. the user id or `mspId/enrollmentId`. */
  readonly key: string;
  readonly mspId: string;
  /** PEM. */
  readonly certificate: string;
  /** PEM. */
  readonly privateKey: string;
}

export interface LedgerRequest {
  readonly channel: string;
  readonly chaincode: string;
  /** The contract within the chaincode; omitted, the chaincode's default contract. */
  readonly contract?: string;
  readonly fn: string;
  readonly args: readonly string[];
}

export interface SubmitTimings {
  /** Building, signing and collecting endorsements, in ms (the last attempt). */
  readonly endorseMs: number;
  /** Sending the endorsed transaction to an orderer until it accepted it, in ms. */
  readonly orderMs: number;
  /** From the orderer's acceptance until the configured event strategy saw the commit, in ms. */
  readonly commitMs: number;
  /** Everything, all attempts and back-off included, in ms. */
  readonly totalMs: number;
}

export interface SubmitResult {
  readonly transactionId: string;
  readonly blockNumber: bigint;
  /** Fabric's validation code, `VALID` for a result (failures are errors). */
  readonly validationCode: string;
  /** What the chaincode function returned. */
  readonly payload: Buffer;
  readonly timings: SubmitTimings;
  /** 1 when the first proposal committed; more when conflicts or unavailability were retried. */
  readonly attempts: number;
  /** Why earlier attempts were retried (error codes, oldest first). */
  readonly retried: readonly string[];
}

export interface SubmitOptions {
  /**
   * Called, and awaited, with each proposal's transaction id (a retried proposal has a new one)
   * BEFORE that proposal goes to any peer, so the caller can record the id durably first. If it
   * rejects, that proposal is not sent and `submit` rejects with the callback's error.
   */
  readonly onTransactionId?: (transactionId: string) => Promise<void>;
}

export interface LedgerClient {
  /** Endorse, order and wait for the commit. Rejects with an `AppError` (see `ledgerErrors.ts`). */
  submit(identity: LedgerIdentity, request: LedgerRequest, options?: SubmitOptions): Promise<SubmitResult>;
  /** Run a query on one healthy peer of the identity's organisation. */
  evaluate(identity: LedgerIdentity, request: LedgerRequest): Promise<Buffer>;
  /** Disconnect every pooled gateway. The client is unusable afterwards. */
  close(): Promise<void>;
}
