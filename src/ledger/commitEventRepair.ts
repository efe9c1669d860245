import { EventServiceManager } from 'fabric-network/lib/impl/event/eventservicemanager';

/**
 * fabric-network 2.2 shares one commit event service per peer and Network. Its start marks the
 * service in use (`build`) before it connects (`send`); when `send` fails — the peer is down, or
 * under load the stream does not start within its 3 s — nothing clears that mark. Every later
 * transaction then sees a service "in use", registers its listener on a stream that never started
 * and waits the whole commit timeout for that peer ("No response received from peers: …"), for
 * as long as the Network lives: with an all-peers strategy every transaction times out although
 * it committed. Seen on the test network in CI (2026-12-05) and under benchmark load.
 *
 * The repair: when a start fails, close the service again (its stale stream too), which tells the
 * listeners that registered meanwhile that this peer failed, instead of leaving them waiting, and
 * lets the next transaction start it afresh. The error still goes to the transaction that started
 * it, as before.
 *
 * Closing drops every listener of the service, but the transactions that registered them still
 * hold them and unregister them when they end (or when their gateway disconnects), which
 * fabric-common answers with `eventListener not found`: thrown out of fabric-network's commit
 * wait, that replaced the transaction's own error and made `gateway.disconnect()` throw (seen in
 * CI, 2026-12-06). So a service closed here forgets such listeners quietly.
 */

/** The parts of fabric-common's EventService that the repair touches. */
export interface RepairableEventService {
  readonly targets?: readonly { disconnect(): void }[] | null;
  close(): void;
  /** fabric-common throws for a listener it does not hold, unless `notThrow`. */
  unregisterEventListener(listener: unknown, notThrow?: boolean): void;
}

type Start<S> = (eventService: S, options?: object) => Promise<void>;

/** Wraps a commit event service `start` so that a failed start leaves the service closed, not stuck. */
export function closingFailedStarts<S extends RepairableEventService>(start: Start<S>): Start<S> {
  return async function startOrClose(this: unknown, eventService, options) {
    try {
      await start.call(this, eventService, options);
    } catch (error) {
      // A stream that started late would otherwise keep the peer's eventer "listening" and make
      // the next start fail with "currently listening".
      for (const target of eventService.targets ?? []) target.disconnect();
      forgetDroppedListenersQuietly(eventService);
      eventService.close();
      throw error;
    }
  };
}

const QUIET = Symbol.for('ledger-gateway.commitEventRepair.quietUnregister');

function forgetDroppedListenersQuietly(eventService: RepairableEventService): void {
  const service = eventService as RepairableEventService & { [QUIET]?: true };
  if (service[QUIET]) return;
  const unregister = eventService.unregisterEventListener.bind(eventService);
  service.unregisterEventListener = (listener) => { unregister(listener, true); };
  service[QUIET] = true;
}

const REPAIRED = Symbol.for('ledger-gateway.commitEventRepair');

/** Installs the repair on fabric-network's EventServiceManager, once per process. */
export function repairCommitEventStarts(): void {
  const prototype = EventServiceManager.prototype as unknown as Record<PropertyKey, unknown> & { startEventService: Start<RepairableEventService> };
  if (prototype[REPAIRED]) return;
  prototype.startEventService = closingFailedStarts(prototype.startEventService);
  prototype[REPAIRED] = true;
}
