import type { Network } from 'fabric-network';

import { decodeBlock } from './blockDecoder';
import type { BlockReader } from './catchUpPull';
import type { FabricConnection } from './fabricConnection';

/** A channel's height and blocks as the query system chaincode (qscc) of a peer answers for them. */
export function createQsccReader(network: Network, channel: string, connection: Pick<FabricConnection, 'decodeBlockBytes'>): BlockReader {
  const qscc = network.getContract('qscc');
  return {
    async height() {
      return decodeChainHeight(await qscc.evaluateTransaction('GetChainInfo', channel));
    },
    async block(number) {
      const bytes = await qscc.evaluateTransaction('GetBlockByNumber', channel, number.toString());
      return decodeBlock(channel, connection.decodeBlockBytes(bytes));
    },
  };
}

/** BlockchainInfo protobuf: field 1 is `height` (uint64 varint); the rest we don't need. */
export function decodeChainHeight(bytes: Buffer): bigint {
  if (bytes[0] !== 0x08) return 0n;
  let value = 0n;
  let shift = 0n;
  for (let i = 1; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return value;
    shift += 7n;
  }
  throw new Error('truncated BlockchainInfo');
}
