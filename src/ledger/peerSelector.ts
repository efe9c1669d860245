/**
 * Which peer answers the next evaluation: round-robin over the peers of the caller's organisation,
 * skipping those marked down. A peer that fails is marked down for a back-off period that doubles
 * with each consecutive failure (up to a cap) and resets when it answers again. Peers are known by
 * name (the endpoint discovery reports), shared by every pooled gateway.
 */
export interface PeerBackoffSettings {
  /** How long a peer is skipped after its first failure. */
  readonly initialMs: number;
  /** The cap for peers that keep failing. */
  readonly maxMs: number;
}

export const DEFAULT_PEER_BACKOFF: PeerBackoffSettings = { initialMs: 2000, maxMs: 30_000 };

export interface PeerHealth {
  readonly peer: string;
  readonly healthy: boolean;
  readonly downUntil?: number;
  readonly failures: number;
}

export interface PeerSelector {
  /**
   * The order in which to try `peers` for one evaluation (all of them): the healthy ones first,
   * starting at the next in the round-robin of `group`, then the ones marked down, those whose
   * back-off ends soonest first, as a last resort.
   */
  order(group: string, peers: readonly string[]): string[];
  markFailed(peer: string): void;
  markSucceeded(peer: string): void;
  health(): PeerHealth[];
}

interface State {
  failures: number;
  downUntil: number;
}

export function createPeerSelector(settings: PeerBackoffSettings = DEFAULT_PEER_BACKOFF, now: () => number = Date.now): PeerSelector {
  const states = new Map<string, State>();
  const cursors = new Map<string, number>();
  const isDown = (peer: string, at: number): boolean => (states.get(peer)?.downUntil ?? 0) > at;

  return {
    order(group, peers) {
      const sorted = [...peers].sort();
      if (sorted.length === 0) return [];
      const at = now();
      const cursor = cursors.get(group) ?? 0;
      cursors.set(group, (cursor + 1) % Number.MAX_SAFE_INTEGER);
      const rotated = sorted.map((_, i) => sorted[(cursor + i) % sorted.length] ?? '');
      const healthy = rotated.filter((p) => !isDown(p, at));
      const down = rotated.filter((p) => isDown(p, at)).sort((a, b) => (states.get(a)?.downUntil ?? 0) - (states.get(b)?.downUntil ?? 0));
      return [...healthy, ...down];
    },
    markFailed(peer) {
      const state = states.get(peer) ?? { failures: 0, downUntil: 0 };
      state.failures += 1;
      const backoff = Math.min(settings.maxMs, settings.initialMs * 2 ** (state.failures - 1));
      state.downUntil = now() + backoff;
      states.set(peer, state);
    },
    markSucceeded(peer) {
      states.delete(peer);
    },
    health() {
      const at = now();
      return [...states.entries()].map(([peer, s]) => ({ peer, healthy: s.downUntil <= at, downUntil: s.downUntil, failures: s.failures }));
    },
  };
}
