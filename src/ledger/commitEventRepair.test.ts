import { Client } from 'fabric-common';
import { EventServiceManager } from 'fabric-network/lib/impl/event/eventservicemanager';

import { closingFailedStarts, repairCommitEventStarts, type RepairableEventService } from './commitEventRepair';

type FakeService = RepairableEventService & { inUse: boolean; closed: number; disconnected: number };

/** An event service as fabric-common keeps it: marked in use by a start, unmarked only by close(). */
function eventService(): FakeService {
  const service: FakeService = {
    inUse: false,
    closed: 0,
    disconnected: 0,
    targets: [
      {
        disconnect: () => {
          service.disconnected++;
        },
      },
    ],
    close() {
      service.closed++;
      service.inUse = false;
    },
    unregisterEventListener: () => undefined,
  };
  return service;
}

/** A start that marks the service in use and fails the first time, as fabric-common's does when the peer is not reachable. */
function failingOnce(): (s: FakeService) => Promise<void> {
  let calls = 0;
  return (s) => {
    s.inUse = true;
    calls++;
    return calls === 1 ? Promise.reject(new Error('Event service localhost:29023 is not connected')) : Promise.resolve();
  };
}

describe('a commit event service whose start failed', () => {
  it('is closed again (stream and listeners), and the starter still gets the error', async () => {
    const start = closingFailedStarts(failingOnce());
    const service = eventService();
    await expect(start(service)).rejects.toThrow('is not connected');
    expect(service).toMatchObject({ inUse: false, closed: 1, disconnected: 1 });
  });

  it('starts afresh on the next transaction', async () => {
    const start = closingFailedStarts(failingOnce());
    const service = eventService();
    await start(service).catch(() => undefined);
    await start(service);
    expect(service).toMatchObject({ inUse: true, closed: 1 });
  });

  it('is left alone when the start succeeds', async () => {
    const start = closingFailedStarts((s: FakeService) => {
      s.inUse = true;
      return Promise.resolve();
    });
    const service = eventService();
    await start(service);
    expect(service).toMatchObject({ inUse: true, closed: 0, disconnected: 0 });
  });
});

describe("listeners that closing a failed service dropped (fabric-common's own EventService, no peer)", () => {
  /** What fabric-network does: a transaction registers while the stream is starting, and unregisters when it ends. */
  function serviceWithWaitingTransaction() {
    const service = new Client('repair-test').newChannel('mychannel').newEventService('peer0.org1.example.com');
    const errors: string[] = [];
    const listener = service.registerTransactionListener('tx-1', (error?: Error) => void errors.push(error?.message ?? ''), { unregister: false });
    return { service, listener, errors };
  }
  const failing = (): Promise<void> => Promise.reject(new Error('Failed to connect before the deadline on Eventer'));

  it('are told of the failure, and unregistering them later does not throw', async () => {
    const { service, listener, errors } = serviceWithWaitingTransaction();
    await expect(closingFailedStarts(failing)(service)).rejects.toThrow('Failed to connect before the deadline');
    expect(errors).toEqual(['EventService has been shutdown by "close()" call']);
    expect(() => { listener.unregisterEventListener(); }).not.toThrow();
  });

  it('without the repair, unregistering them throws (what replaced the transactions\' own errors)', () => {
    const { service, listener } = serviceWithWaitingTransaction();
    service.close();
    expect(() => { listener.unregisterEventListener(); }).toThrow('eventListener not found');
  });
});

test("the repair goes onto fabric-network's EventServiceManager once, however often it is installed", () => {
  const startOf = (): unknown => Object.getOwnPropertyDescriptor(EventServiceManager.prototype, 'startEventService')?.value;
  repairCommitEventStarts();
  const once = startOf();
  repairCommitEventStarts();
  expect(startOf()).toBe(once);
  expect((once as { name: string }).name).toBe('startOrClose');
});
