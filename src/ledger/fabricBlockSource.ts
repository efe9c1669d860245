import { Gateway, type BlockEvent, type BlockListener, type Network } from 'fabric-network';

import { decodeBlock, type DecodedBlock } from './blockDecoder';
import { createBlockQueue } from './blockQueue';
import type { FabricConnection } from './fabricConnection';
import type { LedgerBlock } from './ledgerBlock';

/**
 * Full blocks of a channel, in order, from a given number on, as an async iterator of batches.
 *
 * fabric-network calls a block listener for one block at a time and, if the listener rejects,
 * only logs it and stops advancing. So the listener here never rejects: it decodes, hands the
 * block to a bounded queue, and on any failure closes the queue with the error so that the
 * consumer notices, closes the subscription and starts again from its own checkpoint.
 */
export interface BlockSubscription {
  /**
   * The next blocks, at most `max`: while catching up, at least a batch's worth (see
   * CATCH_UP_BATCH), near the head at least one; [] once closed. Throws what broke the stream.
   */
  next(max: number): Promise<LedgerBlock[]>;
  close(): void;
}

export interface BlockSource {
  subscribe(channel: string, fromBlock: bigint): Promise<BlockSubscription>;
  /** The peer's ledger height for the channel (number of blocks). */
  height(channel: string): Promise<bigint>;
  /** One block read from a peer (qscc GetBlockByNumber), for the verifier. */
  block(channel: string, number: bigint): Promise<LedgerBlock>;
  close(): void;
}

export interface FabricBlockSourceOptions {
  readonly connection: FabricConnection;
  /** Blocks held in memory between the SDK and the consumer. */
  readonly queueCapacity?: number;
}

/** How far behind the head the event stream takes over from pulling. */
const LIVE_WINDOW = 10n;
/** Block reads in flight at once while catching up. */
const PREFETCH = 8;
/**
 * While catching up, blocks are handed over at least this many at a time (if the consumer takes as
 * many), so that each of the cache's transactions carries enough blocks to pay for its fixed costs
 * (round trips, a WAL flush); near the head, every block goes at once.
 */
const CATCH_UP_BATCH = 32;

export function createFabricBlockSource(options: FabricBlockSourceOptions): BlockSource {
  let gateway: Gateway | undefined;
  const networks = new Map<string, Network>();

  const networkOf = async (channel: string): Promise<Network> => {
    gateway ??= await options.connection.connect();
    let network = networks.get(channel);
    if (!network) {
      network = await gateway.getNetwork(channel);
      networks.set(channel, network);
    }
    return network;
  };

  const source: BlockSource = {
    async subscribe(channel, fromBlock) {
      const network = await networkOf(channel);
      const queue = createBlockQueue<LedgerBlock>(options.queueCapacity ?? 64);
      let expected = fromBlock;
      let attached = false;
      let catchingUp = true;
      const listener: BlockListener = async (event: BlockEvent) => {
        if (queue.closed) return;
        try {
          const block = decodeBlock(channel, event.blockData as DecodedBlock);
          // Anything but the next block means the stream is not what we asked for: stop it, and let
          // the consumer restart from its checkpoint rather than skip or repeat.
          if (block.number !== expected) {
            throw new Error(`block stream out of order on ${channel}: expected block ${expected}, got ${block.number}`);
          }
          expected += 1n;
          await queue.push(block);
        } catch (error) {
          queue.close(error instanceof Error ? error : new Error(String(error)));
        }
      };
      // Far behind, blocks are pulled a few at a time (qscc), so memory is bounded by the queue:
      // the SDK's event stream does not wait for a slow listener and would buffer the whole
      // backlog. Near the head, the event stream takes over for low latency.
      // A function, so the compiler does not assume the flag stays as it was across awaits.
      const closed = (): boolean => queue.closed;
      const pump = async (): Promise<void> => {
        // A sliding window: PREFETCH reads stay in flight, a new one starts as soon as the oldest is
        // handed over, so one slow answer does not hold back the seven behind it. The height is
        // asked again only when the window reaches the last known height.
        const inFlight: Promise<LedgerBlock>[] = [];
        let height = await source.height(channel);
        let requested = expected;
        for (;;) {
          if (closed()) return;
          while (inFlight.length < PREFETCH && requested + LIVE_WINDOW < height) {
            const read = source.block(channel, requested);
            // Settled later, in order; a failure surfaces when its turn comes, not as unhandled.
            read.catch(() => undefined);
            inFlight.push(read);
            requested += 1n;
          }
          const oldest = inFlight.shift();
          if (oldest === undefined) {
            height = await source.height(channel);
            if (height - expected <= LIVE_WINDOW) {
              catchingUp = false;
              queue.wake();
              break;
            }
            continue;
          }
          const block = await oldest;
          if (closed()) return;
          await queue.push(block);
          expected = block.number + 1n;
        }
        await network.addBlockListener(listener, { type: 'full', startBlock: expected.toString() });
        attached = true;
        if (closed()) network.removeBlockListener(listener);
      };
      pump().catch((error: unknown) => {
        queue.close(error instanceof Error ? error : new Error(String(error)));
      });
      return {
        next: (max) => queue.take(max, () => (catchingUp ? CATCH_UP_BATCH : 1)),
        close() {
          queue.close();
          if (attached) network.removeBlockListener(listener);
        },
      };
    },
    async height(channel) {
      const network = await networkOf(channel);
      const info = await network.getContract('qscc').evaluateTransaction('GetChainInfo', channel);
      return decodeChainHeight(info);
    },
    async block(channel, number) {
      const network = await networkOf(channel);
      const bytes = await network.getContract('qscc').evaluateTransaction('GetBlockByNumber', channel, number.toString());
      return decodeBlock(channel, options.connection.decodeBlockBytes(bytes));
    },
    close() {
      gateway?.disconnect();
      gateway = undefined;
      networks.clear();
    },
  };
  return source;
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
