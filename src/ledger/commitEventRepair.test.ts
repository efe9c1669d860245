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

test("the repair goes onto fabric-network's EventServiceManager once, however often it is installed", () => {
  const startOf = (): unknown => Object.getOwnPropertyDescriptor(EventServiceManager.prototype, 'startEventService')?.value;
  repairCommitEventStarts();
  const once = startOf();
  repairCommitEventStarts();
  expect(startOf()).toBe(once);
  expect((once as { name: string }).name).toBe('startOrClose');
});
