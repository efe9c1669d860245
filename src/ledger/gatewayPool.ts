/**
 * Connected gateways kept per identity, so that many users don't mean many live connection sets:
 * at most `maxSize` entries (least recently used evicted first) and none idle longer than
 * `idleMs`. An evicted gateway is disconnected as soon as nobody uses it any more; a lease in
 * flight keeps it alive until released.
 *
 * Generic over the gateway type so that it is unit-tested with a fake factory.
 */
export interface PoolSettings {
  readonly maxSize: number;
  readonly idleMs: number;
}

export const DEFAULT_POOL: PoolSettings = { maxSize: 100, idleMs: 5 * 60_000 };

export interface PoolFactory<K, G> {
  create(key: string, input: K): Promise<G>;
  destroy(gateway: G): void;
}

export interface Lease<G> {
  readonly gateway: G;
  release(): void;
}

export interface GatewayPool<K, G> {
  acquire(key: string, input: K): Promise<Lease<G>>;
  /** Drops the entry (e.g. after a broken connection); disconnected once its leases are released. */
  discard(key: string): void;
  /** Evicts the entries idle for longer than `idleMs`. Called by a timer; callable by tests. */
  sweep(): void;
  size(): number;
  keys(): string[];
  close(): void;
}

interface Entry<G> {
  readonly key: string;
  readonly ready: Promise<G>;
  gateway?: G;
  leases: number;
  lastUsed: number;
  evicted: boolean;
}

export function createGatewayPool<K, G>(factory: PoolFactory<K, G>, settings: PoolSettings, now: () => number = Date.now): GatewayPool<K, G> {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const entries = new Map<string, Entry<G>>();
  let closed = false;

  const destroyIfUnused = (entry: Entry<G>): void => {
    if (entry.evicted && entry.leases === 0 && entry.gateway !== undefined) {
      const g = entry.gateway;
      entry.gateway = undefined;
      factory.destroy(g);
    }
  };
  const evict = (entry: Entry<G>): void => {
    if (entries.get(entry.key) === entry) entries.delete(entry.key);
    entry.evicted = true;
    destroyIfUnused(entry);
  };
  const trim = (): void => {
    for (const entry of entries.values()) {
      if (entries.size <= settings.maxSize) break;
      evict(entry);
    }
  };

  return {
    async acquire(key, input) {
      if (closed) throw new Error('the gateway pool is closed');
      let entry = entries.get(key);
      if (entry) {
        entries.delete(key);
        entries.set(key, entry);
      } else {
        const ready = factory.create(key, input);
        const created: Entry<G> = { key, ready, leases: 0, lastUsed: now(), evicted: false };
        entry = created;
        entries.set(key, created);
        ready.then(
          (g) => {
            created.gateway = g;
            destroyIfUnused(created);
          },
          () => {
            if (entries.get(key) === created) entries.delete(key);
          },
        );
        trim();
      }
      entry.leases += 1;
      entry.lastUsed = now();
      const current = entry;
      let gateway: G;
      try {
        gateway = await current.ready;
      } catch (error) {
        current.leases -= 1;
        throw error;
      }
      let released = false;
      return {
        gateway,
        release() {
          if (released) return;
          released = true;
          current.leases -= 1;
          current.lastUsed = now();
          destroyIfUnused(current);
        },
      };
    },
    discard(key) {
      const entry = entries.get(key);
      if (entry) evict(entry);
    },
    sweep() {
      const cutoff = now() - settings.idleMs;
      for (const entry of [...entries.values()]) {
        if (entry.leases === 0 && entry.lastUsed <= cutoff) evict(entry);
      }
    },
    size: () => entries.size,
    keys: () => [...entries.keys()],
    close() {
      closed = true;
      for (const entry of [...entries.values()]) evict(entry);
    },
  };
}

/** At most one rediscovery per identity within this time: a cut-off organisation makes no reconnect storm. */
export const DEFAULT_REDISCOVER_EVERY_MS = 10_000;

export interface RediscoveryDeps {
  readonly pool: Pick<GatewayPool<unknown, unknown>, 'discard'>;
  /** Whether a failure says the connection's view of the network is stale (e.g. `needsRediscovery`). */
  readonly isStale: (error: unknown) => boolean;
  readonly minIntervalMs: number;
  readonly now?: () => number;
}

export interface Rediscovery {
  /**
   * After a failed call with `key`'s gateway: when the failure says that connection is stale, drops
   * it from the pool (disconnected once its leases end) so the next lease connects and discovers
   * afresh. Returns whether it did; a second stale failure within `minIntervalMs` is left alone.
   */
  afterFailure(key: string, error: unknown): boolean;
}

export function createRediscovery(deps: RediscoveryDeps): Rediscovery {
  const now = deps.now ?? Date.now;
  const lastDropped = new Map<string, number>();
  return {
    afterFailure(key, error) {
      if (!deps.isStale(error)) return false;
      const at = now();
      const last = lastDropped.get(key);
      if (last !== undefined && at - last < deps.minIntervalMs) return false;
      // Forget keys whose window has passed, so the map stays as small as the recent failures.
      for (const [k, t] of lastDropped) if (at - t >= deps.minIntervalMs) lastDropped.delete(k);
      lastDropped.set(key, at);
      deps.pool.discard(key);
      return true;
    },
  };
}
