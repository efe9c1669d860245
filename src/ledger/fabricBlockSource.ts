import { Gateway, type BlockEvent, type BlockListener, type Network } from 'fabric-network';

import { decodeBlock, type DecodedBlock } from './blockDecoder';
import { createBlockQueue } from './blockQueue';
import { pullNearHead } from './catchUpPull';
import type { FabricConnection } from './fabricConnection';
import type { LedgerBlock } from './ledgerBlock';
import { createQsccReader } from './qsccReader';
import { pullOnThread } from './threadedPull';

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
  /**
   * Where catch-up reads run: 'main' (default) on the caller's thread; 'thread' on a thread of
   * their own, so that reading and the consumer's work can go on at once (threadedPull.ts). The
   * thread pays off only with a spare core: on two busy cores it caught up no faster and took
   * ~150 MiB more (bench/RESULTS.md).
   */
  readonly catchUpIn?: 'thread' | 'main';
}

/**
 * While catching up, blocks are handed over at least this many at a time (if the consumer takes as
 * many), so that each of the cache's transactions carries enough blocks to pay for its fixed costs
 * (round trips, a WAL flush); near the head, every block goes at once.
 */
const CATCH_UP_BATCH = 32;

export function createFabricBlockSource(options: FabricBlockSourceOptions): BlockSource {
  const catchUpIn = options.catchUpIn ?? 'main';
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
      const stopped = new AbortController();
      // A function, so the compiler does not assume the flag stays as it was across awaits.
      const closed = (): boolean => queue.closed;
      const deliver = async (block: LedgerBlock): Promise<void> => {
        if (block.number !== expected) {
          throw new Error(`catch-up out of order on ${channel}: expected block ${expected}, got ${block.number}`);
        }
        await queue.push(block);
        expected = block.number + 1n;
      };
      const pump = async (): Promise<void> => {
        const next =
          catchUpIn === 'thread'
            ? await pullOnThread({ settings: options.connection.settings, channel, from: expected, deliver, signal: stopped.signal })
            : await pullNearHead(createQsccReader(network, channel, options.connection), expected, deliver, stopped.signal);
        if (next === undefined || closed()) return;
        catchingUp = false;
        queue.wake();
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
          stopped.abort();
          if (attached) network.removeBlockListener(listener);
        },
      };
    },
    async height(channel) {
      return createQsccReader(await networkOf(channel), channel, options.connection).height();
    },
    async block(channel, number) {
      return createQsccReader(await networkOf(channel), channel, options.connection).block(number);
    },
    close() {
      gateway?.disconnect();
      gateway = undefined;
      networks.clear();
    },
  };
  return source;
}
