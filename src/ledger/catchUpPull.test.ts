import { LIVE_WINDOW, PREFETCH, pullNearHead, type BlockReader } from './catchUpPull';
import type { LedgerBlock } from './ledgerBlock';
import { blockWithWrite } from './testing/ledgerBlocks';

/** A peer's qscc at a seam: a ledger of `height` blocks, optionally growing, counting reads in flight. */
function fakeReader(initialHeight: bigint, options: { grows?: bigint[]; wrongNumber?: bigint } = {}): BlockReader & { maxInFlight: number; heights: number; started: number } {
  let height = initialHeight;
  const grows = [...(options.grows ?? [])];
  let inFlight = 0;
  const reader = {
    maxInFlight: 0,
    heights: 0,
    started: 0,
    height() {
      reader.heights++;
      const current = height;
      height = grows.shift() ?? height;
      return Promise.resolve(current);
    },
    async block(number: bigint) {
      inFlight++;
      reader.started++;
      reader.maxInFlight = Math.max(reader.maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, Number(number % 3n)));
      inFlight--;
      return blockWithWrite(number === options.wrongNumber ? number + 1n : number);
    },
  };
  return reader;
}

const collect = (into: bigint[]) => (block: LedgerBlock) => {
  into.push(block.number);
  return Promise.resolve();
};

describe('pulling blocks until near the head', () => {
  it('hands over every block from the start, in order, and stops LIVE_WINDOW short of the head', async () => {
    const got: bigint[] = [];
    const next = await pullNearHead(fakeReader(50n), 5n, collect(got), new AbortController().signal);
    expect(next).toBe(50n - LIVE_WINDOW);
    expect(got).toEqual(Array.from({ length: Number(next) - 5 }, (_, i) => BigInt(i + 5)));
  });

  it('follows a ledger that grows while it reads, asking the height again only when it reaches it', async () => {
    const got: bigint[] = [];
    const reader = fakeReader(30n, { grows: [60n, 60n] });
    const next = await pullNearHead(reader, 0n, collect(got), new AbortController().signal);
    expect(next).toBe(60n - LIVE_WINDOW);
    expect(got).toHaveLength(Number(next));
    expect(reader.heights).toBe(3);
  });

  it('starts nothing while a block waits to be taken, and never more than PREFETCH reads at once', async () => {
    const reader = fakeReader(100n);
    let release: () => void = () => undefined;
    const delivered: bigint[] = [];
    const pulling = pullNearHead(
      reader,
      0n,
      async (block) => {
        delivered.push(block.number);
        if (block.number === 0n) await new Promise<void>((r) => (release = r));
      },
      new AbortController().signal,
    );
    await new Promise((r) => setTimeout(r, 30));
    expect(delivered).toEqual([0n]);
    expect(reader.started).toBe(PREFETCH);
    release();
    await pulling;
    expect(delivered).toHaveLength(90);
    expect(reader.maxInFlight).toBe(PREFETCH);
  });

  it('fails when the peer answers with another block than the one asked for', async () => {
    await expect(pullNearHead(fakeReader(40n, { wrongNumber: 7n }), 0n, collect([]), new AbortController().signal)).rejects.toThrow('asked the peer for block 7, got block 8');
  });

  it('returns undefined once stopped, handing over nothing more', async () => {
    const stop = new AbortController();
    const got: bigint[] = [];
    const next = await pullNearHead(fakeReader(100n), 0n, (block) => {
      got.push(block.number);
      if (block.number === 3n) stop.abort();
      return Promise.resolve();
    }, stop.signal);
    expect(next).toBeUndefined();
    expect(got).toEqual([0n, 1n, 2n, 3n]);
  });
});
