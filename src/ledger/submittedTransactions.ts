import * as fabricCommon from 'fabric-common';

import { decodeChainHeight } from './qsccReader';
import type { LedgerClient, LedgerIdentity, LedgerRequest } from './ledgerClient';
import { validationCodeName } from './ledgerBlock';
import type { PeerAnswer } from './ledgerErrors';
import { isAppError } from '../common/errors';

/**
 * Finding on the ledger what a submission sent.
 *
 * `lookupTransaction` is exact: the submission queue records each proposal's transaction id before
 * it is sent (`SubmitOptions.onTransactionId`) and asks qscc GetTransactionByID about it.
 * `findSubmitted` is the broad search kept for tests and audits: it reads the blocks from a height
 * on (qscc GetBlockByNumber, through the ledger client's `evaluate`, as the same identity) and
 * returns the transactions whose creator is the identity's certificate and whose chaincode,
 * function and arguments are the request's.
 */
export interface SubmittedTransaction {
  readonly txId: string;
  readonly blockNumber: bigint;
  readonly validationCode: string;
  readonly isValid: boolean;
}

interface RawEnvelope {
  payload?: {
    header?: { channel_header?: { type?: number; tx_id?: string }; signature_header?: { creator?: { mspid?: string; id_bytes?: Buffer } } };
    data?: { actions?: { payload?: { chaincode_proposal_payload?: { input?: { chaincode_spec?: { chaincode_id?: { name?: string }; input?: { args?: Buffer[] } } } } } }[] };
  };
}

interface RawBlock {
  data: { data: RawEnvelope[] };
  metadata: { metadata: unknown[] };
}

const blockDecoder = (fabricCommon as unknown as { BlockDecoder: { decode(bytes: Buffer): unknown } }).BlockDecoder;
const ENDORSER_TRANSACTION = 3;
/** BlockMetadataIndex.TRANSACTIONS_FILTER. */
const TRANSACTIONS_FILTER = 2;

/** The channel's height (the next block number) as `identity` sees it. */
export async function ledgerHeight(ledger: LedgerClient, identity: LedgerIdentity, channel: string): Promise<bigint> {
  const info = await ledger.evaluate(identity, { channel, chaincode: 'qscc', fn: 'GetChainInfo', args: [channel] });
  return decodeChainHeight(info);
}

/** The arguments fabric-network puts in the proposal: `[contract:fn | fn, ...args]`. */
function proposalArgs(request: LedgerRequest): string[] {
  return [request.contract ? `${request.contract}:${request.fn}` : request.fn, ...request.args];
}

function normalisePem(pem: string): string {
  return pem.replace(/\r/g, '').trim();
}

/** The envelope's tx id if `identity` created it for `chaincode` with exactly `wanted` as arguments. */
function matchingTxId(envelope: RawEnvelope, identity: LedgerIdentity, certificate: string, chaincode: string, wanted: readonly string[]): string | undefined {
  const header = envelope.payload?.header;
  if (header?.channel_header?.type !== ENDORSER_TRANSACTION) return undefined;
  const creator = header.signature_header?.creator;
  if (creator?.mspid !== identity.mspId) return undefined;
  if (normalisePem(Buffer.from(creator.id_bytes ?? []).toString('utf8')) !== certificate) return undefined;
  const spec = envelope.payload?.data?.actions?.[0]?.payload?.chaincode_proposal_payload?.input?.chaincode_spec;
  if (spec?.chaincode_id?.name !== chaincode) return undefined;
  const args = (spec.input?.args ?? []).map((a) => Buffer.from(a).toString('utf8'));
  if (args.length !== wanted.length || args.some((a, i) => a !== wanted[i])) return undefined;
  return header.channel_header.tx_id;
}

/**
 * Transactions in blocks `fromBlock` .. height-1 that `identity` created for exactly `request`,
 * oldest first (valid or not).
 */
export async function findSubmitted(ledger: LedgerClient, identity: LedgerIdentity, request: LedgerRequest, fromBlock: bigint): Promise<SubmittedTransaction[]> {
  const height = await ledgerHeight(ledger, identity, request.channel);
  const wanted = proposalArgs(request);
  const certificate = normalisePem(identity.certificate);
  const found: SubmittedTransaction[] = [];
  for (let n = fromBlock; n < height; n += 1n) {
    const bytes = await ledger.evaluate(identity, { channel: request.channel, chaincode: 'qscc', fn: 'GetBlockByNumber', args: [request.channel, n.toString()] });
    const block = blockDecoder.decode(bytes) as RawBlock;
    const filter = block.metadata.metadata[TRANSACTIONS_FILTER] as ArrayLike<number> | undefined;
    block.data.data.forEach((envelope, index) => {
      const txId = matchingTxId(envelope, identity, certificate, request.chaincode, wanted);
      if (txId === undefined) return;
      const code = filter?.[index] ?? 255;
      found.push({ txId, blockNumber: n, validationCode: validationCodeName(code), isValid: code === 0 });
    });
  }
  return found;
}

/** What the ledger says about one transaction id. */
export type TransactionLookup = { readonly found: false } | { readonly found: true; readonly validationCode: string; readonly isValid: boolean; readonly blockNumber?: bigint };


/**
 * What a peer's qscc says when it has no such transaction ("no such transaction ID [..] in index",
 * or an older "entry not found in index"), as opposed to not answering at all.
 */
const TX_NOT_FOUND = /no such transaction id|not found in index|entry not found/i;

/** Reads a protobuf varint at `at`; returns the value and the offset after it. */
function readVarint(bytes: Buffer, at: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (let i = at; i < bytes.length; i += 1) {
    const b = bytes[i] ?? 0;
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [value, i + 1];
    shift += 7n;
  }
  throw new Error('truncated protobuf varint');
}

/** The top-level fields of a protobuf message: varints as bigint, length-delimited ones as bytes. */
function protoFields(bytes: Buffer): Map<number, bigint | Buffer> {
  const fields = new Map<number, bigint | Buffer>();
  let at = 0;
  while (at < bytes.length) {
    const [tag, next] = readVarint(bytes, at);
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    at = next;
    if (wire === 0) {
      const [value, after] = readVarint(bytes, at);
      fields.set(field, value);
      at = after;
    } else if (wire === 2) {
      const [length, after] = readVarint(bytes, at);
      fields.set(field, bytes.subarray(after, after + Number(length)));
      at = after + Number(length);
    } else if (wire === 1) {
      at += 8;
    } else if (wire === 5) {
      at += 4;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
    if (at > bytes.length) throw new Error('truncated protobuf message');
  }
  return fields;
}

/**
 * Decodes qscc GetTransactionByID's answer, a `protos.ProcessedTransaction` (`envelope` = 1,
 * `validationCode` = 2, int32): only the validation code. Proto3 leaves out a zero, so a missing
 * field 2 is `VALID` (0).
 */
export function decodeProcessedTransaction(bytes: Buffer): { validationCode: string; isValid: boolean } {
  const raw = protoFields(bytes).get(2);
  const code = typeof raw === 'bigint' ? Number(raw) : 0;
  return { validationCode: validationCodeName(code), isValid: code === 0 };
}

/** The number of a `common.Block` (`header` = 1, whose `number` = 1), as qscc GetBlockByTxID returns it. */
export function decodeBlockNumber(bytes: Buffer): bigint {
  const header = protoFields(bytes).get(1);
  if (header === undefined) return 0n;
  if (typeof header === 'bigint') throw new Error('malformed block: the header is not a message');
  const number = protoFields(header).get(1);
  return typeof number === 'bigint' ? number : 0n;
}

/** True when `error` (from `LedgerClient.evaluate` of qscc GetTransactionByID) is a peer saying it has no such transaction. */
export function isTransactionNotFound(error: unknown): boolean {
  if (!isAppError(error)) return false;
  const peers = (error.details.peers ?? []) as readonly PeerAnswer[];
  return peers.some((p) => p.status !== 'grpc' && TX_NOT_FOUND.test(p.message));
}

/**
 * Looks a transaction up by id (qscc GetTransactionByID, then GetBlockByTxID for a valid one's
 * block), as `identity`, on a peer of its organisation. `{ found: false }` only when a peer
 * ANSWERED that it has no such transaction; a peer that cannot be reached makes this reject
 * (`LEDGER_UNAVAILABLE` or `TIMEOUT`), never a "not found".
 */
export async function lookupTransaction(ledger: LedgerClient, identity: LedgerIdentity, channel: string, txId: string): Promise<TransactionLookup> {
  let bytes: Buffer;
  try {
    bytes = await ledger.evaluate(identity, { channel, chaincode: 'qscc', fn: 'GetTransactionByID', args: [channel, txId] });
  } catch (error) {
    if (isTransactionNotFound(error)) return { found: false };
    throw error;
  }
  const { validationCode, isValid } = decodeProcessedTransaction(bytes);
  if (!isValid) return { found: true, validationCode, isValid };
  const block = await ledger.evaluate(identity, { channel, chaincode: 'qscc', fn: 'GetBlockByTxID', args: [channel, txId] });
  return { found: true, validationCode, isValid, blockNumber: decodeBlockNumber(block) };
}
