/**
 * A block as the rest of the system sees it: typed, with the fields the cache stores, and nothing
 * of the SDK's decoded shape. Produced by `decodeBlock`.
 */
export interface LedgerBlock {
  readonly channel: string;
  readonly number: bigint;
  /** Hex SHA-256 of the block header (what block number+1 carries as its previous hash). */
  readonly hash: string;
  readonly previousHash: string;
  readonly dataHash: string;
  readonly isConfig: boolean;
  /** Time of the first transaction, if any. */
  readonly createdAt: Date | undefined;
  readonly transactions: readonly LedgerTransaction[];
}

export interface Identity {
  readonly mspId: string;
  /** The certificate's subject CN (for Fabric CA identities, the enrollment ID). */
  readonly id: string;
}

export interface LedgerRead {
  readonly namespace: string;
  readonly key: string;
  readonly version: { readonly block: bigint; readonly tx: number } | undefined;
}

export interface LedgerWrite {
  readonly namespace: string;
  readonly key: string;
  readonly isDelete: boolean;
  readonly value: Buffer | undefined;
}

export interface LedgerEvent {
  readonly chaincode: string;
  readonly name: string;
  readonly payload: Buffer;
}

export interface LedgerTransaction {
  readonly index: number;
  readonly txId: string;
  /** Fabric's header type: ENDORSER_TRANSACTION, CONFIG, ... */
  readonly type: string;
  /** Fabric's validation code name: VALID, MVCC_READ_CONFLICT, DUPLICATE_TXID, ... */
  readonly validationCode: string;
  readonly isValid: boolean;
  readonly creator: Identity | undefined;
  readonly endorsers: readonly Identity[];
  readonly chaincode: string | undefined;
  readonly fn: string | undefined;
  readonly createdAt: Date | undefined;
  readonly reads: readonly LedgerRead[];
  readonly writes: readonly LedgerWrite[];
  readonly event: LedgerEvent | undefined;
}

/** Fabric's TxValidationCode values (protos/peer/transaction.proto). */
export const VALIDATION_CODES: Readonly<Record<number, string>> = {
  0: 'VALID',
  1: 'NIL_ENVELOPE',
  2: 'BAD_PAYLOAD',
  3: 'BAD_COMMON_HEADER',
  4: 'BAD_CREATOR_SIGNATURE',
  5: 'INVALID_ENDORSER_TRANSACTION',
  6: 'INVALID_CONFIG_TRANSACTION',
  7: 'UNSUPPORTED_TX_PAYLOAD',
  8: 'BAD_PROPOSAL_TXID',
  9: 'DUPLICATE_TXID',
  10: 'ENDORSEMENT_POLICY_FAILURE',
  11: 'MVCC_READ_CONFLICT',
  12: 'PHANTOM_READ_CONFLICT',
  13: 'UNKNOWN_TX_TYPE',
  14: 'TARGET_CHAIN_NOT_FOUND',
  15: 'MARSHAL_TX_ERROR',
  16: 'NIL_TXACTION',
  17: 'EXPIRED_CHAINCODE',
  18: 'CHAINCODE_VERSION_CONFLICT',
  19: 'BAD_HEADER_EXTENSION',
  20: 'BAD_CHANNEL_HEADER',
  21: 'BAD_RESPONSE_PAYLOAD',
  22: 'BAD_RWSET',
  23: 'ILLEGAL_WRITESET',
  24: 'INVALID_WRITESET',
  25: 'INVALID_CHAINCODE',
  254: 'NOT_VALIDATED',
  255: 'INVALID_OTHER_REASON',
};

export function validationCodeName(code: number): string {
  return VALIDATION_CODES[code] ?? `UNKNOWN_${code}`;
}
