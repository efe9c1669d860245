/**
 * A bounded hand-off between a push-style producer (the SDK's block listener) and the sync
 * worker. `push` waits while the queue is full, which holds the listener and so the SDK's
 * delivery: memory stays bounded however far behind the worker is.
 */
export interface BlockQueue<T> {
  push(item: T): Promise<void>;
  /**
   * Waits for at least `atLeast()` items (one at the least, never more than `max` or the capacity)
   * or the end, then returns up to `max`. `atLeast` is asked again whenever the queue changes or
   * `wake` is called, so the producer can lower it (e.g. when a burst is over).
   */
  take(max: number, atLeast?: () => number): Promise<T[]>;
  /** Makes a waiting `take` look again at what it waits for. */
  wake(): void;
  /** Ends the queue; with an error, `take` rethrows it once the queue is drained. */
  close(error?: Error): void;
  readonly closed: boolean;
}

export function createBlockQueue<T>(capacity: number): BlockQueue<T> {
  const items: T[] = [];
  let closed = false;
  let failure: Error | undefined;
  let notifyTaker: (() => void) | undefined;
  const pushers: (() => void)[] = [];

  const wakeTaker = (): void => {
    const wake = notifyTaker;
    notifyTaker = undefined;
    wake?.();
  };

  return {
    get closed() {
      return closed;
    },
    async push(item) {
      while (items.length >= capacity && !closed) {
        await new Promise<void>((resolve) => pushers.push(resolve));
      }
      if (closed) return;
      items.push(item);
      wakeTaker();
    },
    async take(max, atLeast = () => 1) {
      while (items.length < Math.max(1, Math.min(atLeast(), max, capacity))) {
        if (closed) {
          if (items.length > 0) break;
          if (failure) throw failure;
          return [];
        }
        await new Promise<void>((resolve) => (notifyTaker = resolve));
      }
      const batch = items.splice(0, max);
      for (const wake of pushers.splice(0)) wake();
      return batch;
    },
    wake: wakeTaker,
    close(error) {
      if (closed) return;
      closed = true;
      failure = error;
      wakeTaker();
      for (const wake of pushers.splice(0)) wake();
    },
  };
}
