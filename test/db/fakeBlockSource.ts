import type { BlockSource, LedgerBlock } from '../../src/ledger';

/**
 * A block source at the seam for sync worker tests without Fabric: serves `blocks` from any
 * checkpoint, `take()` blocks at a time (at most what the worker asks for), then waits like a
 * quiet channel.
 */
export function fakeBlockSource(blocks: readonly LedgerBlock[], take: () => number): BlockSource {
  return {
    subscribe: (_channel, from) => {
      let at = Number(from);
      return Promise.resolve({
        next: (max: number) => {
          const taken = blocks.slice(at, at + Math.min(take(), max));
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
