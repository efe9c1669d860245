import * as fabricCommon from 'fabric-common';

import { decodeBlock, type DecodedBlock, type EncodedBlock } from './blockDecoder';
import type { LedgerBlock } from './ledgerBlock';

/**
 * Decoding a serialized block (fabric-common's protobuf BlockDecoder, then decodeBlock) away from
 * the SDK's connection: the sync worker's preparer thread imports only this, not the gateway.
 */
const blockDecoder = (fabricCommon as unknown as { BlockDecoder: { decode(bytes: Buffer): unknown } }).BlockDecoder;

export function decodeEncodedBlock(block: EncodedBlock): LedgerBlock {
  const { bytes } = block;
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoded = decodeBlock(block.channel, blockDecoder.decode(buffer) as DecodedBlock);
  // What was asked for by number must be that block: anything else would be indexed under the wrong height.
  if (decoded.number !== block.number) throw new Error(`asked ${block.channel} for block ${block.number}, the peer returned block ${decoded.number}`);
  return decoded;
}
