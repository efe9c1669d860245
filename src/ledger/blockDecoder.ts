import { X509Certificate } from 'node:crypto';

import { blockHeaderHash } from './blockHash';
import {
  validationCodeName,
  type Identity,
  type LedgerBlock,
  type LedgerEvent,
  type LedgerRead,
  type LedgerTransaction,
  type LedgerWrite,
} from './ledgerBlock';

/**
 * Turns a block as fabric-common's BlockDecoder returns it (loosely typed JS objects, Long
 * numbers, Buffers) into a LedgerBlock. This is the only place that knows that shape; the types
 * below describe just the parts we read.
 */
type LongLike = number | { toString(): string };

interface DecodedIdentity {
  mspid?: string;
  id_bytes?: Buffer;
}

interface DecodedAction {
  header?: { creator?: DecodedIdentity };
  payload?: {
    chaincode_proposal_payload?: { input?: { chaincode_spec?: { chaincode_id?: { name?: string }; input?: { args?: Buffer[] } } } };
    action?: {
      proposal_response_payload?: {
        extension?: {
          results?: {
            ns_rwset?: {
              namespace: string;
              rwset?: {
                reads?: { key: string; version?: { block_num: LongLike; tx_num: LongLike } }[];
                writes?: { key: string; is_delete?: boolean; value?: Buffer }[];
              };
            }[];
          };
          events?: { chaincode_id?: string; event_name?: string; payload?: Buffer };
          chaincode_id?: { name?: string };
        };
      };
      endorsements?: { endorser?: DecodedIdentity }[];
    };
  };
}

interface DecodedEnvelope {
  payload?: {
    header?: {
      channel_header?: { typeString?: string; type?: number; tx_id?: string; timestamp?: string; channel_id?: string };
      signature_header?: { creator?: DecodedIdentity };
    };
    data?: { actions?: DecodedAction[] };
  };
}

export interface DecodedBlock {
  header: { number: LongLike; previous_hash: Buffer; data_hash: Buffer };
  data: { data: DecodedEnvelope[] };
  metadata: { metadata: unknown[] };
}

const identityCache = new Map<string, string>();

/** The subject CN of a PEM certificate, memoised: blocks repeat the same few creators. */
function commonName(pem: Buffer | undefined): string {
  if (!pem || pem.length === 0) return '';
  const text = pem.toString('utf8');
  const cached = identityCache.get(text);
  if (cached !== undefined) return cached;
  let cn = '';
  try {
    const subject = new X509Certificate(text).subject;
    cn = /(?:^|\n)CN=([^\n]*)/.exec(subject)?.[1] ?? subject;
  } catch {
    cn = '';
  }
  if (identityCache.size > 10_000) identityCache.clear();
  identityCache.set(text, cn);
  return cn;
}

function identityOf(decoded: DecodedIdentity | undefined): Identity | undefined {
  if (!decoded?.mspid) return undefined;
  return { mspId: decoded.mspid, id: commonName(decoded.id_bytes) };
}

function toDate(value: string | undefined): Date | undefined {
  if (!value || value === 'null') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function decodeTransaction(envelope: DecodedEnvelope, index: number, code: number): LedgerTransaction {
  const header = envelope.payload?.header;
  const channelHeader = header?.channel_header;
  const type = channelHeader?.typeString ?? String(channelHeader?.type ?? 'UNKNOWN');
  const validationCode = validationCodeName(code);
  const reads: LedgerRead[] = [];
  const writes: LedgerWrite[] = [];
  const endorsers: Identity[] = [];
  let chaincode: string | undefined;
  let fn: string | undefined;
  let event: LedgerEvent | undefined;
  if (type === 'ENDORSER_TRANSACTION') {
    for (const action of envelope.payload?.data?.actions ?? []) {
      const spec = action.payload?.chaincode_proposal_payload?.input?.chaincode_spec;
      chaincode ??= spec?.chaincode_id?.name;
      const firstArg = spec?.input?.args?.[0];
      fn ??= firstArg ? Buffer.from(firstArg).toString('utf8') : undefined;
      const endorsed = action.payload?.action;
      for (const e of endorsed?.endorsements ?? []) {
        const id = identityOf(e.endorser);
        if (id) endorsers.push(id);
      }
      const extension = endorsed?.proposal_response_payload?.extension;
      for (const ns of extension?.results?.ns_rwset ?? []) {
        for (const r of ns.rwset?.reads ?? []) {
          reads.push({
            namespace: ns.namespace,
            key: r.key,
            version: r.version ? { block: BigInt(r.version.block_num.toString()), tx: Number(r.version.tx_num.toString()) } : undefined,
          });
        }
        for (const w of ns.rwset?.writes ?? []) {
          writes.push({ namespace: ns.namespace, key: w.key, isDelete: Boolean(w.is_delete), value: w.is_delete ? undefined : Buffer.from(w.value ?? Buffer.alloc(0)) });
        }
      }
      const ev = extension?.events;
      if (ev?.event_name) {
        event = { chaincode: ev.chaincode_id ?? chaincode ?? '', name: ev.event_name, payload: Buffer.from(ev.payload ?? Buffer.alloc(0)) };
      }
    }
  }
  return {
    index,
    txId: channelHeader?.tx_id ?? '',
    type,
    validationCode,
    isValid: code === 0,
    creator: identityOf(header?.signature_header?.creator),
    endorsers,
    chaincode,
    fn,
    createdAt: toDate(channelHeader?.timestamp),
    reads,
    writes,
    event,
  };
}

export function decodeBlock(channel: string, block: DecodedBlock): LedgerBlock {
  const number = BigInt(block.header.number.toString());
  const previousHash = Buffer.from(block.header.previous_hash);
  const dataHash = Buffer.from(block.header.data_hash);
  const filter = block.metadata.metadata[2];
  const codes = Array.isArray(filter) ? (filter as number[]) : [];
  // The genesis block carries no validation flags; its config transaction is valid by definition.
  const transactions = block.data.data.map((envelope, i) => decodeTransaction(envelope, i, codes[i] ?? (number === 0n ? 0 : 255)));
  return {
    channel,
    number,
    hash: blockHeaderHash(number, previousHash, dataHash).toString('hex'),
    previousHash: previousHash.toString('hex'),
    dataHash: dataHash.toString('hex'),
    isConfig: transactions.some((t) => t.type === 'CONFIG'),
    createdAt: transactions[0]?.createdAt,
    transactions,
  };
}
