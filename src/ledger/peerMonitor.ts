import type { Logger } from '../common';

/**
 * Every peer's ledger height, read from that peer itself (qscc GetChainInfo sent to it alone), on a
 * timer. Operators use it to find the peer that silently stopped committing (a height that lags
 * the others), readiness uses it for "at least one peer per organisation answers", and /metrics
 * exports it. The probe is the IO seam; everything else here is bookkeeping.
 */

/** A peer as the connection profiles name it. */
export interface PeerTarget {
  readonly name: string;
  readonly mspId: string;
  readonly url: string;
  readonly tlsCaPem: string | undefined;
  readonly hostnameOverride: string | undefined;
}

export type ProbeResult =
  | { readonly reachable: true; readonly height: bigint; readonly responseMs: number }
  | { readonly reachable: false; readonly error: string; readonly responseMs: number };

export interface PeerProbe {
  probe(target: PeerTarget, channel: string): Promise<ProbeResult>;
  close(): void;
}

export interface PeerStatus {
  readonly peer: string;
  readonly mspId: string;
  readonly url: string;
  readonly channel: string;
  readonly reachable: boolean;
  /** The last height the peer reported (kept while it is unreachable); null if it never answered. */
  readonly height: bigint | null;
  readonly responseMs: number | null;
  readonly error: string | null;
  /** When the peer last answered; null if it never did. */
  readonly lastSeen: Date | null;
  readonly checkedAt: Date;
  /** The peer lags the channel's highest peer by more than the allowed blocks, for longer than allowed. */
  readonly diverged: boolean;
  /** Since when it has lagged beyond the allowed blocks (null when it does not). */
  readonly laggingSince: Date | null;
}

export interface DivergenceSettings {
  /** Blocks a peer may lag the highest peer of the channel. */
  readonly maxLagBlocks: number;
  /** How long it may lag by more than that before it is flagged. */
  readonly graceMs: number;
}

export interface PeerMonitorDeps {
  readonly probe: PeerProbe;
  readonly targets: readonly PeerTarget[];
  readonly channels: readonly string[];
  readonly intervalMs: number;
  readonly divergence: DivergenceSettings;
  readonly log: Logger;
  /** Called after every round with the new statuses (metrics, subscriptions). */
  readonly onRound?: (statuses: readonly PeerStatus[]) => void;
  readonly now?: () => Date;
}

export interface PeerMonitor {
  /** Probes at once, then every interval until `stop`. */
  start(): Promise<void>;
  /** One round now (also what the timer runs); resolves with the statuses after it. */
  checkNow(): Promise<readonly PeerStatus[]>;
  /** The latest status of every (peer, channel). */
  statuses(): readonly PeerStatus[];
  stop(): void;
}

const key = (peer: string, channel: string): string => `${channel}\u0000${peer}`;

export function createPeerMonitor(deps: PeerMonitorDeps): PeerMonitor {
  const now = deps.now ?? (() => new Date());
  const current = new Map<string, PeerStatus>();
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<readonly PeerStatus[]> | undefined;

  async function runRound(): Promise<readonly PeerStatus[]> {
    const probes = deps.channels.flatMap((channel) => deps.targets.map(async (target) => ({ target, channel, result: await safeProbe(target, channel) })));
    const results = await Promise.all(probes);
    const checkedAt = now();
    for (const channel of deps.channels) {
      const ofChannel = results.filter((r) => r.channel === channel);
      const highest = ofChannel.reduce<bigint | null>((max, r) => (r.result.reachable && (max === null || r.result.height > max) ? r.result.height : max), null);
      for (const { target, result } of ofChannel) {
        const previous = current.get(key(target.name, channel));
        const status = nextStatus({ target, channel, result, previous, highest, checkedAt, divergence: deps.divergence });
        if (previous?.reachable !== status.reachable || previous.diverged !== status.diverged) {
          deps.log.info({ peer: target.name, channel, reachable: status.reachable, diverged: status.diverged, height: status.height?.toString() ?? null }, 'peer status changed');
        }
        current.set(key(target.name, channel), status);
      }
    }
    const statuses = [...current.values()];
    deps.onRound?.(statuses);
    return statuses;
  }

  async function safeProbe(target: PeerTarget, channel: string): Promise<ProbeResult> {
    try {
      return await deps.probe.probe(target, channel);
    } catch (error) {
      return { reachable: false, error: error instanceof Error ? error.message : String(error), responseMs: 0 };
    }
  }

  function checkNow(): Promise<readonly PeerStatus[]> {
    // Rounds never overlap: a slow peer makes the round late, not doubled.
    round ??= runRound().finally(() => {
      round = undefined;
    });
    return round;
  }

  return {
    async start() {
      await checkNow();
      timer = setInterval(() => {
        checkNow().catch((error: unknown) => {
          deps.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'peer monitor round failed');
        });
      }, deps.intervalMs);
      timer.unref();
    },
    checkNow,
    statuses: () => [...current.values()],
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      deps.probe.close();
    },
  };
}

/** A peer's status after a probe, from its previous one and the channel's highest height this round. */
function nextStatus(input: {
  target: PeerTarget;
  channel: string;
  result: ProbeResult;
  previous: PeerStatus | undefined;
  highest: bigint | null;
  checkedAt: Date;
  divergence: DivergenceSettings;
}): PeerStatus {
  const { target, channel, result, previous, highest, checkedAt, divergence } = input;
  const seen = result.reachable
    ? { height: result.height, error: null, lastSeen: checkedAt }
    : { height: previous?.height ?? null, error: result.error, lastSeen: previous?.lastSeen ?? null };
  const { height } = seen;
  const lagging = highest !== null && (height === null || highest - height > BigInt(divergence.maxLagBlocks));
  const laggingSince = lagging ? (previous?.laggingSince ?? checkedAt) : null;
  return {
    peer: target.name,
    mspId: target.mspId,
    url: target.url,
    channel,
    reachable: result.reachable,
    ...seen,
    responseMs: result.responseMs,
    checkedAt,
    laggingSince,
    diverged: laggingSince !== null && checkedAt.getTime() - laggingSince.getTime() >= divergence.graceMs,
  };
}

/** Organisations none of whose peers answered in the last round (readiness fails while any exists). */
export function organisationsWithoutPeers(statuses: readonly PeerStatus[]): string[] {
  const byMsp = new Map<string, boolean>();
  for (const s of statuses) byMsp.set(s.mspId, (byMsp.get(s.mspId) ?? false) || s.reachable);
  return [...byMsp].filter(([, up]) => !up).map(([msp]) => msp).sort();
}

interface ProfileShape {
  organizations?: Record<string, { mspid?: string; peers?: string[] }>;
  peers?: Record<string, { url?: string; tlsCACerts?: { pem?: string }; grpcOptions?: Record<string, unknown> }>;
}

function targetOf(name: string, mspId: string, url: string, peer: NonNullable<ProfileShape['peers']>[string]): PeerTarget {
  const override = peer.grpcOptions?.['ssl-target-name-override'];
  return { name, mspId, url, tlsCaPem: peer.tlsCACerts?.pem, hostnameOverride: typeof override === 'string' ? override : undefined };
}

/** Every peer named by the connection profiles (one per organisation, usually), once each. */
export function peerTargetsFromProfiles(profiles: readonly unknown[]): PeerTarget[] {
  const targets = new Map<string, PeerTarget>();
  for (const raw of profiles) {
    const profile = raw as ProfileShape;
    for (const org of Object.values(profile.organizations ?? {})) {
      for (const name of org.peers ?? []) {
        const peer = profile.peers?.[name];
        if (!peer?.url || !org.mspid || targets.has(name)) continue;
        targets.set(name, targetOf(name, org.mspid, peer.url, peer));
      }
    }
  }
  return [...targets.values()].sort((a, b) => a.name.localeCompare(b.name));
}
