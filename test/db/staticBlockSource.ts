import type { BlockSource, LedgerBlock } from '../../src/ledger';

/**
 * A ledger that never grows, as a block source for the sync worker without Fabric. Each `next`
 * hands over `sizeOf(max)` blocks (all it may, by default); past the last block it waits forever,
 * as a real subscription waits for the next block.
 */
export function staticBlockSource(blocks: readonly LedgerBlock[], sizeOf: (max: number) => number = (max) => max): BlockSource {
  return {
    subscribe: (_channel, from) => {
      let at = Number(from);
      return Promise.resolve({
        next: (max: number) => {
          const taken = blocks.slice(at, at + Math.min(sizeOf(max), max));
          at += taken.length;
          return taken.length > 0 ? Promise.resolve(taken) : new Promise<LedgerBlock[]>(() => undefined);
        },
        close: () => undefined,
      });
    },
    height: () => Promise.resolve(BigInt(blocks.length)),
    block: (_channel, n) => Promise.resolve(blocks[Number(n)] as LedgerBlock),
    close: () => undefined,
  };
}
