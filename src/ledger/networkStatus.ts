import type { Logger } from '../common';
import type { OperationsEndpoint, OperationsHealthCheck } from './operationsHealth';
import type { PeerMonitor, PeerStatus, PeerTarget } from './peerMonitor';

/**
 * The network at a glance, for the admin API: every peer's own height and divergence (the peer
 * monitor), the organisations behind the peers, and the health of every orderer and CA from its
 * operations endpoint. One process-wide service per gateway replica: it drives the monitor's
 * rounds on its own timer (do not also `start()` the monitor), checks the operations endpoints in
 * the same round, and tells subscribers when anything an operator watches changed. The probes and
 * health checks are the IO seams; the rest is bookkeeping.
 */
export interface NodeHealth {
  readonly name: string;
  readonly url: string;
  readonly healthy: boolean;
  readonly status: string;
  readonly checkedAt: Date;
}

export interface ChannelHeight {
  readonly name: string;
  /** The highest height any peer reported this round (null when none answered). */
  readonly peerHeight: bigint | null;
}

export interface OrganisationStatus {
  readonly mspId: string;
  readonly peers: number;
  /** Peers that answered on at least one channel in the last round. */
  readonly reachablePeers: number;
}

export interface NetworkSnapshot {
  readonly channels: readonly ChannelHeight[];
  readonly organisations: readonly OrganisationStatus[];
  readonly peers: readonly PeerStatus[];
  readonly orderers: readonly NodeHealth[];
  readonly certificateAuthorities: readonly NodeHealth[];
  /** When the last round finished; null before the first. */
  readonly checkedAt: Date | null;
}

export interface NetworkStatus {
  /** One round now, then one every interval until `stop`. */
  start(): Promise<void>;
  /** One round now (rounds never overlap); resolves with the snapshot after it. */
  refresh(): Promise<NetworkSnapshot>;
  snapshot(): NetworkSnapshot;
  /**
   * Snapshots after each round that changed a peer's reachability, height or divergence, or a
   * node's health. Only the newest unread snapshot is kept per subscriber, so a slow reader skips
   * to the latest state instead of buffering. `return()` unsubscribes.
   */
  changes(): AsyncIterableIterator<NetworkSnapshot>;
  stop(): void;
}

export interface NetworkStatusDeps {
  readonly monitor: Pick<PeerMonitor, 'checkNow' | 'statuses' | 'stop'>;
  readonly targets: readonly PeerTarget[];
  readonly channels: readonly string[];
  readonly endpoints: readonly OperationsEndpoint[];
  readonly checkHealth: OperationsHealthCheck;
  readonly intervalMs: number;
  readonly log: Logger;
  /** Called after every round (metrics). */
  readonly onRound?: (snapshot: NetworkSnapshot) => void;
  readonly now?: () => Date;
}

/** The snapshot of the given peer statuses and node health (pure). */
export function buildSnapshot(input: {
  targets: readonly PeerTarget[];
  channels: readonly string[];
  peers: readonly PeerStatus[];
  nodes: readonly (NodeHealth & { kind: OperationsEndpoint['kind'] })[];
  checkedAt: Date | null;
}): NetworkSnapshot {
  const { targets, peers, nodes } = input;
  const channels = input.channels.map((name) => ({
    name,
    peerHeight: peers.reduce<bigint | null>((max, p) => (p.channel === name && p.reachable && p.height !== null && (max === null || p.height > max) ? p.height : max), null),
  }));
  const reachable = new Set(peers.filter((p) => p.reachable).map((p) => p.peer));
  const organisations = new Map<string, { mspId: string; peers: number; reachablePeers: number }>();
  for (const target of targets) {
    const org = organisations.get(target.mspId) ?? { mspId: target.mspId, peers: 0, reachablePeers: 0 };
    org.peers++;
    if (reachable.has(target.name)) org.reachablePeers++;
    organisations.set(target.mspId, org);
  }
  const health = ({ name, url, healthy, status, checkedAt }: NodeHealth): NodeHealth => ({ name, url, healthy, status, checkedAt });
  return {
    channels,
    organisations: [...organisations.values()].sort((a, b) => a.mspId.localeCompare(b.mspId)),
    peers: [...peers].sort((a, b) => a.channel.localeCompare(b.channel) || a.peer.localeCompare(b.peer)),
    orderers: nodes.filter((n) => n.kind === 'orderer').map(health),
    certificateAuthorities: nodes.filter((n) => n.kind === 'ca').map(health),
    checkedAt: input.checkedAt,
  };
}

/** What a subscriber is told about: reachability, height and divergence of peers, health of nodes. */
export function changeSignature(snapshot: NetworkSnapshot): string {
  return JSON.stringify([
    snapshot.peers.map((p) => [p.channel, p.peer, p.reachable, p.height?.toString() ?? null, p.diverged]),
    [...snapshot.orderers, ...snapshot.certificateAuthorities].map((n) => [n.name, n.healthy]),
  ]);
}

interface Subscriber {
  pending: NetworkSnapshot | undefined;
  wake: (() => void) | undefined;
  closed: boolean;
}

export function createNetworkStatus(deps: NetworkStatusDeps): NetworkStatus {
  const now = deps.now ?? (() => new Date());
  let nodes: (NodeHealth & { kind: OperationsEndpoint['kind'] })[] = deps.endpoints.map((e) => ({
    kind: e.kind,
    name: e.name,
    url: e.url,
    healthy: false,
    status: 'not checked yet',
    checkedAt: now(),
  }));
  let current = buildSnapshot({ targets: deps.targets, channels: deps.channels, peers: [], nodes, checkedAt: null });
  let signature = changeSignature(current);
  let round: Promise<NetworkSnapshot> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const subscribers = new Set<Subscriber>();

  async function checkNodes(): Promise<typeof nodes> {
    return Promise.all(
      deps.endpoints.map(async (endpoint) => {
        const health = await deps.checkHealth(endpoint).catch((error: unknown) => ({
          healthy: false,
          status: error instanceof Error ? error.message : String(error),
        }));
        return { kind: endpoint.kind, name: endpoint.name, url: endpoint.url, ...health, checkedAt: now() };
      }),
    );
  }

  function publish(snapshot: NetworkSnapshot): void {
    for (const subscriber of subscribers) {
      subscriber.pending = snapshot;
      subscriber.wake?.();
    }
  }

  async function runRound(): Promise<NetworkSnapshot> {
    const [peers, health] = await Promise.all([deps.monitor.checkNow(), checkNodes()]);
    nodes = health;
    current = buildSnapshot({ targets: deps.targets, channels: deps.channels, peers, nodes, checkedAt: now() });
    const next = changeSignature(current);
    if (next !== signature) {
      signature = next;
      publish(current);
    }
    deps.onRound?.(current);
    return current;
  }

  function refresh(): Promise<NetworkSnapshot> {
    round ??= runRound().finally(() => {
      round = undefined;
    });
    return round;
  }

  function changes(): AsyncIterableIterator<NetworkSnapshot> {
    const subscriber: Subscriber = { pending: undefined, wake: undefined, closed: false };
    subscribers.add(subscriber);
    const end = (): Promise<IteratorResult<NetworkSnapshot>> => {
      subscriber.closed = true;
      subscribers.delete(subscriber);
      subscriber.wake?.();
      return Promise.resolve({ value: undefined, done: true });
    };
    const iterator: AsyncIterableIterator<NetworkSnapshot> = {
      async next() {
        while (!subscriber.closed) {
          const value = subscriber.pending;
          if (value) {
            subscriber.pending = undefined;
            return { value, done: false };
          }
          await new Promise<void>((resolve) => {
            subscriber.wake = resolve;
          });
          subscriber.wake = undefined;
        }
        return { value: undefined, done: true };
      },
      return: end,
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  return {
    async start() {
      await refresh();
      timer = setInterval(() => {
        refresh().catch((error: unknown) => {
          deps.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'network status round failed');
        });
      }, deps.intervalMs);
      timer.unref();
    },
    refresh,
    snapshot: () => current,
    changes,
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      deps.monitor.stop();
      for (const subscriber of [...subscribers]) {
        subscriber.closed = true;
        subscriber.wake?.();
      }
      subscribers.clear();
    },
  };
}
