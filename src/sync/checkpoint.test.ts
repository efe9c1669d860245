import type { LedgerBlock } from '../ledger';
import { checkChain } from './checkpoint';
import { SyncErrorCode, SyncIntegrityError } from './errors';

const block = (number: bigint, hash: string, previousHash: string): LedgerBlock => ({
  channel: 'c',
  number,
  hash,
  previousHash,
  dataHash: '',
  isConfig: false,
  createdAt: undefined,
  transactions: [],
});

function failure(fn: () => void): SyncIntegrityError | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof SyncIntegrityError) return error;
    throw error;
  }
  return undefined;
}

describe('the hash chain check before a batch is written', () => {
  const from = { nextBlock: 5n, lastBlockHash: 'h4' };

  it('accepts consecutive blocks that each name their predecessor', () => {
    expect(failure(() => { checkChain('c', from, [block(5n, 'h5', 'h4'), block(6n, 'h6', 'h5')]); })).toBeUndefined();
  });

  it('stops on a gap', () => {
    expect(failure(() => { checkChain('c', from, [block(6n, 'h6', 'h5')]); })?.code).toBe(SyncErrorCode.GAP);
  });

  it('stops on a repeated block', () => {
    expect(failure(() => { checkChain('c', from, [block(4n, 'h4', 'h3')]); })?.code).toBe(SyncErrorCode.GAP);
  });

  it('stops when a block does not name the previous block hash', () => {
    const error = failure(() => { checkChain('c', from, [block(5n, 'h5', 'h4'), block(6n, 'h6', 'forged')]); });
    expect(error?.code).toBe(SyncErrorCode.HASH_MISMATCH);
    expect(error?.message).toMatch(/block 6 names previous hash forged, but block 5 hashes to h5/);
  });

  it('starts a channel from block 0 without a previous hash', () => {
    expect(failure(() => { checkChain('c', { nextBlock: 0n, lastBlockHash: undefined }, [block(0n, 'h0', '')]); })).toBeUndefined();
  });
});
