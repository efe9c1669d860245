import { createHash } from 'node:crypto';

import type { LedgerBlock } from '../ledger';
import { prepareBatch, type Checkpoint } from './checkpoint';
import { SyncErrorCode, SyncIntegrityError, SyncThreadError } from './errors';
import { builtInProjectorModules, loadProjectors, type ProjectorModule } from './projectorModules';
import { FAULTY_PROJECTOR_MODULE } from './testing/faultyProjector';
import { createThreadPreparer } from './threadPreparer';

jest.setTimeout(60_000);

const CHANNEL = 'ch';
const START: Checkpoint = { nextBlock: 0n, lastBlockHash: undefined };

function chain(count: number): LedgerBlock[] {
  const blocks: LedgerBlock[] = [];
  let previousHash = '';
  for (let n = 0; n < count; n++) {
    const hash = createHash('sha256').update(String(n)).digest('hex');
    const transactions = Array.from({ length: 70 }, (_, i) => {
      const id = `a-${n}-${i}`;
      const value = Buffer.from(JSON.stringify({ id, kind: 'crate', owner: 'Org1MSP/u', attributes: { i }, version: 1 }));
      return {
        index: i,
        txId: `${n}-${i}`,
        type: 'ENDORSER_TRANSACTION',
        validationCode: 'VALID',
        isValid: true,
        creator: { mspId: 'Org1MSP', id: 'u' },
        endorsers: [],
        chaincode: 'sample',
        fn: 'assets:CreateAsset',
        createdAt: new Date(0),
        reads: [],
        writes: [{ namespace: 'sample', key: `asset:${id}`, isDelete: false, value }],
        event: { chaincode: 'sample', name: 'AssetCreated', payload: value },
      };
    });
    blocks.push({ channel: CHANNEL, number: BigInt(n), hash, previousHash, dataHash: hash, isConfig: false, createdAt: new Date(0), transactions });
    previousHash = hash;
  }
  return blocks;
}

function faulty(fault: 'throw' | 'uncaught' | 'exit', atBlock: number): ProjectorModule[] {
  return [{ module: FAULTY_PROJECTOR_MODULE, export: 'createFaultyProjector', options: { fault, atBlock } }];
}

/** A plan with every byte array as a plain Uint8Array, for comparing a thread's plan with a local one. */
function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return value.map(comparable);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  }
  return value;
}

describe('the preparer thread', () => {
  it('prepares the same batch as this thread would, batch after batch', async () => {
    const projectors = builtInProjectorModules(['sample']);
    const preparer = createThreadPreparer({ channel: CHANNEL, projectors });
    try {
      const blocks = chain(4);
      const first = await preparer.prepare(START, blocks.slice(0, 2));
      const second = await preparer.prepare(first.next, blocks.slice(2));
      const local = loadProjectors(projectors);
      const expectedFirst = prepareBatch(CHANNEL, START, blocks.slice(0, 2), local);
      expect(comparable(first)).toEqual(comparable(expectedFirst));
      expect(comparable(second)).toEqual(comparable(prepareBatch(CHANNEL, expectedFirst.next, blocks.slice(2), local)));
      expect(second.next).toEqual({ nextBlock: 4n, lastBlockHash: blocks[3]?.hash });
    } finally {
      await preparer.close();
    }
  });

  it('rejects a gap and a broken hash chain with the integrity error, not a generic one', async () => {
    const preparer = createThreadPreparer({ channel: CHANNEL, projectors: [] });
    try {
      const blocks = chain(3);
      await expect(preparer.prepare(START, [blocks[0] as LedgerBlock, blocks[2] as LedgerBlock])).rejects.toMatchObject({ code: SyncErrorCode.GAP, channel: CHANNEL });
      const forged = { ...(blocks[1] as LedgerBlock), previousHash: 'f'.repeat(64) };
      const error: unknown = await preparer.prepare({ nextBlock: 1n, lastBlockHash: blocks[0]?.hash }, [forged]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SyncIntegrityError);
      expect(error).toMatchObject({ code: SyncErrorCode.HASH_MISMATCH });
    } finally {
      await preparer.close();
    }
  });

  it("rejects a projector's error as that error, and keeps working", async () => {
    const preparer = createThreadPreparer({ channel: CHANNEL, projectors: faulty('throw', 1) });
    try {
      const blocks = chain(2);
      await expect(preparer.prepare(START, blocks)).rejects.toThrow('faulty projector: refused block 1');
      await expect(preparer.prepare(START, blocks.slice(0, 1))).resolves.toMatchObject({ blocks: 1, next: { nextBlock: 1n } });
    } finally {
      await preparer.close();
    }
  });

  it('fails loudly when the thread exits in the middle of a batch: the batch and `failed` reject with SyncThreadError', async () => {
    const preparer = createThreadPreparer({ channel: CHANNEL, projectors: faulty('exit', 0) });
    try {
      const pending = preparer.prepare(START, chain(1));
      await expect(pending).rejects.toBeInstanceOf(SyncThreadError);
      await expect(pending).rejects.toMatchObject({ code: SyncErrorCode.THREAD_FAILED, message: expect.stringContaining('exited (code 70)') as unknown });
      await expect(preparer.failed).rejects.toBeInstanceOf(SyncThreadError);
      await expect(preparer.prepare(START, chain(1))).rejects.toBeInstanceOf(SyncThreadError);
    } finally {
      await preparer.close();
    }
  });

  it('fails loudly on an exception nothing in the thread catches', async () => {
    const preparer = createThreadPreparer({ channel: CHANNEL, projectors: faulty('uncaught', 0) });
    try {
      await preparer.prepare(START, chain(1)).catch(() => undefined);
      await expect(preparer.failed).rejects.toMatchObject({ code: SyncErrorCode.THREAD_FAILED, message: expect.stringContaining('faulty projector: uncaught at block 0') as unknown });
    } finally {
      await preparer.close();
    }
  });
});
