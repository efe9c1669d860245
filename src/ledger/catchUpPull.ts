import type { LedgerBlock } from './ledgerBlock';

/** How far behind the head the event stream takes over from pulling. */
export const LIVE_WINDOW = 10n;
/** Block reads in flight at once while catching up. */
export const PREFETCH = 8;

/** One channel's blocks as a peer answers for them (qscc), one request each. */
export interface BlockReader {
  /** The ledger height (number of blocks). */
  height(): Promise<bigint>;
  block(number: bigint): Promise<LedgerBlock>;
}

/**
 * Pulls blocks from `from` on, in order, until the next one is within LIVE_WINDOW of the head, and
 * hands each to `deliver`, which may take its time: that is the back-pressure, since no new read
 * starts while PREFETCH are waiting. Returns the number of the next block to read, or undefined if
 * `signal` aborted first.
 *
 * A sliding window: PREFETCH reads stay in flight, a new one starts as soon as the oldest is handed
 * over, so one slow answer does not hold back the ones behind it. The height is asked again only
 * when the window reaches the last known height.
 */
export async function pullNearHead(reader: BlockReader, from: bigint, deliver: (block: LedgerBlock) => Promise<void>, signal: AbortSignal): Promise<bigint | undefined> {
  const inFlight: { readonly number: bigint; readonly read: Promise<LedgerBlock> }[] = [];
  let height = await reader.height();
  let requested = from;
  let next = from;
  for (;;) {
    if (aborted(signal)) return undefined;
    while (inFlight.length < PREFETCH && requested + LIVE_WINDOW < height) {
      const read = reader.block(requested);
      // Settled later, in order; a failure surfaces when its turn comes, not as unhandled.
      read.catch(() => undefined);
      inFlight.push({ number: requested, read });
      requested += 1n;
    }
    const oldest = inFlight.shift();
    if (oldest === undefined) {
      height = await reader.height();
      if (height - next <= LIVE_WINDOW) return aborted(signal) ? undefined : next;
      continue;
    }
    const block = await oldest.read;
    if (aborted(signal)) return undefined;
    if (block.number !== oldest.number) {
      throw new Error(`asked the peer for block ${oldest.number}, got block ${block.number}`);
    }
    await deliver(block);
    next = block.number + 1n;
  }
}

/** Read through a function so the compiler does not assume the flag is unchanged across awaits. */
function aborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
