import { announceThenSubmit } from './fabricLedgerClient';

function fakeTransaction(events: string[]): { getTransactionId(): string; submit(...args: string[]): Promise<Buffer> } {
  return {
    getTransactionId: () => 'tx-1',
    submit: (...args: string[]) => {
      events.push(`submit ${args.join(',')}`);
      return Promise.resolve(Buffer.from('ok'));
    },
  };
}

describe('the transaction id is announced before the proposal is sent', () => {
  it('awaits the callback to the end before submitting', async () => {
    const events: string[] = [];
    const { submitted } = await announceThenSubmit(fakeTransaction(events), ['a', 'b'], async (txId) => {
      events.push(`recording ${txId}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      events.push(`recorded ${txId}`);
    });
    await expect(submitted).resolves.toEqual(Buffer.from('ok'));
    expect(events).toEqual(['recording tx-1', 'recorded tx-1', 'submit a,b']);
  });

  it('sends nothing when the callback rejects, and rejects with its error', async () => {
    const events: string[] = [];
    const failure = new Error('database down');
    await expect(announceThenSubmit(fakeTransaction(events), ['a'], () => Promise.reject(failure))).rejects.toMatchObject({ reason: failure });
    expect(events).toEqual([]);
  });

  it('submits at once without a callback', async () => {
    const events: string[] = [];
    await announceThenSubmit(fakeTransaction(events), ['x'], undefined);
    expect(events).toEqual(['submit x']);
  });
});
