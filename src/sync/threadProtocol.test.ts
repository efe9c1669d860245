import { SyncErrorCode, SyncIntegrityError } from './errors';
import { fromThreadError, ownedBuffers, reviveBlock, toThreadError } from './threadProtocol';
import type { LedgerBlock } from '../ledger';

describe('the preparer thread protocol', () => {
  it('rebuilds an integrity error as the same class, code, channel and message', () => {
    const original = new SyncIntegrityError(SyncErrorCode.HASH_MISMATCH, 'ch', 'block 7 names previous hash aa, but block 6 hashes to bb');
    const rebuilt = fromThreadError(structuredClone(toThreadError(original)));
    expect(rebuilt).toBeInstanceOf(SyncIntegrityError);
    expect(rebuilt).toMatchObject({ code: SyncErrorCode.HASH_MISMATCH, channel: 'ch', message: original.message });
  });

  it('keeps any other error as an Error with its name and message, never as an integrity stop', () => {
    const original = new TypeError('cannot read x');
    const rebuilt = fromThreadError(structuredClone(toThreadError(original)));
    expect(rebuilt).not.toBeInstanceOf(SyncIntegrityError);
    expect(rebuilt).toMatchObject({ name: 'TypeError', message: 'cannot read x' });
    expect(rebuilt.stack).toContain('in the sync preparer thread');
    expect(fromThreadError(toThreadError('a string'))).toMatchObject({ message: 'a string' });
  });

  it('turns byte arrays of a cloned block back into Buffers', () => {
    const block: LedgerBlock = {
      channel: 'ch',
      number: 1n,
      hash: 'h',
      previousHash: 'p',
      dataHash: 'd',
      isConfig: false,
      createdAt: new Date(0),
      transactions: [
        {
          index: 0,
          txId: 't',
          type: 'ENDORSER_TRANSACTION',
          validationCode: 'VALID',
          isValid: true,
          creator: undefined,
          endorsers: [],
          chaincode: 'cc',
          fn: 'f',
          createdAt: undefined,
          reads: [],
          writes: [
            { namespace: 'cc', key: 'k', isDelete: false, value: Buffer.from('{"a":1}') },
            { namespace: 'cc', key: 'gone', isDelete: true, value: undefined },
          ],
          event: { chaincode: 'cc', name: 'E', payload: Buffer.from('ev') },
        },
      ],
    };
    const cloned = structuredClone(block);
    expect(Buffer.isBuffer(cloned.transactions[0]?.writes[0]?.value)).toBe(false);
    const revived = reviveBlock(cloned);
    const tx = revived.transactions[0];
    expect(Buffer.isBuffer(tx?.writes[0]?.value)).toBe(true);
    expect(tx?.writes[0]?.value?.toString('utf8')).toBe('{"a":1}');
    expect(tx?.writes[1]?.value).toBeUndefined();
    expect(tx?.event?.payload.toString('utf8')).toBe('ev');
    expect(revived.number).toBe(1n);
  });

  it('moves only byte arrays that own their whole buffer (never a view into the shared pool)', () => {
    const owned = new Uint8Array([1, 2, 3]);
    const pooled = Buffer.from('small'); // a slice of Node's 8 KiB pool
    const view = owned.subarray(1);
    expect(ownedBuffers([owned, pooled, view, owned])).toEqual([owned.buffer]);
  });
});
