import * as fabricCommon from 'fabric-common';

import { decodeChainHeight } from './fabricBlockSource';
import type { LedgerClient, LedgerIdentity, LedgerRequest } from './ledgerClient';
import { validationCodeName } from './ledgerBlock';

/**
 * Finding on the ledger a transaction that an earlier, interrupted attempt may have sent, so that
 * the submission queue never writes twice (src/submissions).
 *
 * `LedgerClient.submit` chooses its transaction ids itself (and a new one per retried proposal),
 * so a process that dies mid-submit leaves no id to look up with qscc GetTransactionByID. What it
 * can leave is the channel's height, read before the first proposal: every transaction of that
 * attempt is in a block at or above it. `findSubmitted` reads those blocks (qscc GetBlockByNumber,
 * through the ledger client's `evaluate`, as the same identity) and returns the transactions whose
 * creator is the identity's certificate and whose chaincode, function and arguments are the
 * request's: the earlier attempt, if it reached the ledger.
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
