import path from 'node:path';

import type { FabricConnectionSettings } from './fabricConnection';
import type { LedgerBlock } from './ledgerBlock';
import { pullOnThread, reviveBlock } from './threadedPull';
import { blockWithWrite } from './testing/ledgerBlocks';

const script = path.join(__dirname, 'testing', 'fakeCatchUpThread.ts');
const settings: FabricConnectionSettings = { connectionProfilePath: '', mspId: 'Org1MSP', certificatePath: '', privateKeyPath: '', asLocalhost: true };

function pull(channel: string, deliver: (block: LedgerBlock) => Promise<void>, signal = new AbortController().signal): Promise<bigint | undefined> {
  return pullOnThread({ settings, channel, from: 100n, deliver, signal, script });
}

describe('catching up with the reads on a thread of their own', () => {
  it('delivers the blocks in order as Buffers again, and ends where the thread caught up', async () => {
    const got: LedgerBlock[] = [];
    const next = await pull('ok-5', (block) => {
      got.push(block);
      return Promise.resolve();
    });
    expect(next).toBe(105n);
    expect(got.map((b) => b.number)).toEqual([100n, 101n, 102n, 103n, 104n]);
    const write = got[0]?.transactions[0]?.writes[0];
    expect(Buffer.isBuffer(write?.value)).toBe(true);
    expect(write?.value?.toString('utf8')).toBe('v100');
    expect(got[0]?.transactions[0]?.event?.payload.toString('utf8')).toBe('e100');
    expect(got[0]?.createdAt?.toISOString()).toBe('2026-12-06T00:00:40.000Z');
  });

  it('keeps the thread no more than 32 blocks ahead of a slow consumer', async () => {
    const outstanding: number[] = [];
    await pull('ok-80', async (block) => {
      outstanding.push(Number(block.transactions[0]?.txId.split('=')[1]));
      await new Promise((r) => setTimeout(r, 2));
    });
    expect(outstanding).toHaveLength(80);
    expect(Math.max(...outstanding)).toBe(32);
  });

  it('rejects with the failure the thread reports, after the blocks read before it', async () => {
    const got: bigint[] = [];
    await expect(pull('fail', (block) => {
      got.push(block.number);
      return Promise.resolve();
    })).rejects.toThrow('peer0.org1 is unavailable');
    expect(got).toEqual([100n, 101n, 102n]);
  });

  it('rejects when the thread exits or throws before catching up', async () => {
    await expect(pull('exit', () => Promise.resolve())).rejects.toThrow('the catch-up reader thread exited with code 3');
    await expect(pull('throw', () => Promise.resolve())).rejects.toThrow('the thread broke');
  });

  it('resolves undefined and stops the thread when aborted', async () => {
    const stop = new AbortController();
    const got: bigint[] = [];
    const next = await pull('ok-1000', (block) => {
      got.push(block.number);
      if (got.length === 10) stop.abort();
      return Promise.resolve();
    }, stop.signal);
    expect(next).toBeUndefined();
    expect(got).toHaveLength(10);
  });

  it('revives a block that crossed a structured clone', () => {
    const cloned = structuredClone(blockWithWrite(7n));
    expect(Buffer.isBuffer(cloned.transactions[0]?.writes[0]?.value)).toBe(false);
    const revived = reviveBlock(cloned);
    expect(revived.transactions[0]?.writes[0]?.value?.toString('utf8')).toBe('v7');
    expect(revived.transactions[0]?.reads[0]?.version?.block).toBe(7n);
  });
});
