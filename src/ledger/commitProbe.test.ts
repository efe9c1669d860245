import type { CommitEvent, CommitListener, Network, TxEventHandler, TxEventHandlerFactory } from 'fabric-network';

import { CommitProbe, withCommitTimeout } from './fabricLedgerClient';

/**
 * The commit probe around the SDK's event strategy, with a fake network: the strategy sees the
 * commit deadline, the probe learns block number and validation code from the same commit event,
 * and a listener that the peer's event service already forgot does not break anything.
 */
function fakeNetwork(): { network: Network; listeners: Map<CommitListener, string>; emit: (txId: string, blockNumber: number, status: string) => void } {
  const listeners = new Map<CommitListener, string>();
  const peer = { name: 'peer0' };
  const gateway = { getOptions: () => ({ eventHandlerOptions: { commitTimeout: 5, endorseTimeout: 15 } }), getIdentity: () => ({ mspId: 'Org1MSP' }) };
  const fake = {
    getGateway: () => gateway,
    getChannel: () => ({ getEndorsers: (mspId?: string) => (mspId === undefined || mspId === 'Org1MSP' ? [peer] : []) }),
    addCommitListener: (listener: CommitListener, _peers: unknown[], txId: string) => {
      listeners.set(listener, txId);
      return Promise.resolve(listener);
    },
    removeCommitListener: (listener: CommitListener) => {
      if (!listeners.delete(listener)) throw new Error('eventListener not found');
    },
  };
  const emit = (txId: string, blockNumber: number, status: string): void => {
    const event = { transactionId: txId, status, isValid: status === 'VALID', peer, getBlockEvent: () => ({ blockNumber: { toString: () => String(blockNumber) } }) } as unknown as CommitEvent;
    for (const [listener, id] of [...listeners]) if (id === txId) listener(undefined, event);
  };
  return { network: fake as unknown as Network, listeners, emit };
}

/** A stand-in for the SDK's strategy: resolves on the first valid event, fails on an invalid one. */
const anyForTx: TxEventHandlerFactory = (txId, network) => {
  let settle: (error?: Error) => void = () => undefined;
  const done = new Promise<Error | undefined>((resolve) => {
    settle = resolve;
  });
  const listener: CommitListener = (_error, event) => {
    network.removeCommitListener(listener);
    settle(event?.isValid ? undefined : Object.assign(new Error('invalid'), { transactionCode: event?.status }));
  };
  const handler: TxEventHandler = {
    startListening: async () => {
      await network.addCommitListener(listener, [], txId);
    },
    waitForEvents: async () => {
      const error = await done;
      if (error) throw error;
    },
    cancelListening: () => {
      network.removeCommitListener(listener);
    },
  };
  return handler;
};

test('the strategy sees the commit deadline, not the orderer broadcast\'s', () => {
  const { network } = fakeNetwork();
  const view = withCommitTimeout(network, 42);
  expect(view.getGateway().getOptions().eventHandlerOptions.commitTimeout).toBe(42);
  expect(view.getGateway().getIdentity().mspId).toBe('Org1MSP');
  expect(network.getGateway().getOptions().eventHandlerOptions.commitTimeout).toBe(5);
  // A listener the event service forgot is removed quietly.
  expect(() => {
    view.removeCommitListener(() => undefined);
  }).not.toThrow();
});

test('phases, block number and validation code of a committed transaction', async () => {
  const { network, listeners, emit } = fakeNetwork();
  const probe = new CommitProbe(anyForTx, 'Org1MSP', performance.now(), 30);
  expect(probe.phase).toBe('endorse');
  const handler = probe.factory('tx1', network);
  expect(probe.phase).toBe('order');
  await handler.startListening();
  expect(listeners.size).toBe(2); // the strategy's and the probe's
  const waiting = handler.waitForEvents();
  expect(probe.phase).toBe('commit');
  emit('tx1', 12, 'VALID');
  await waiting;
  await expect(probe.outcome(1000)).resolves.toEqual({ blockNumber: 12n, validationCode: 'VALID' });
  probe.dispose();
  probe.dispose();
  expect(listeners.size).toBe(0);
  expect(probe.endorsedAt).toBeLessThanOrEqual(probe.orderedAt);
});

test('an invalid transaction: the strategy fails, the probe knows the code and the block', async () => {
  const { network, emit } = fakeNetwork();
  const probe = new CommitProbe(anyForTx, 'Org1MSP', performance.now(), 30);
  const handler = probe.factory('tx2', network);
  await handler.startListening();
  const waiting = handler.waitForEvents();
  emit('tx2', 13, 'MVCC_READ_CONFLICT');
  await expect(waiting).rejects.toMatchObject({ transactionCode: 'MVCC_READ_CONFLICT' });
  expect(probe.seen()).toEqual({ blockNumber: 13n, validationCode: 'MVCC_READ_CONFLICT' });
});

test('past the deadline before ordering, the transaction is never handed to an orderer', async () => {
  const { network } = fakeNetwork();
  const probe = new CommitProbe(anyForTx, 'Org1MSP', performance.now(), 30);
  probe.abort();
  await expect(probe.factory('tx3', network).startListening()).rejects.toThrow(/deadline/);
});

test('no commit event in time is an error, not a hang', async () => {
  const probe = new CommitProbe(anyForTx, 'Org1MSP', performance.now(), 30);
  await expect(probe.outcome(20)).rejects.toThrow(/in time/);
});
