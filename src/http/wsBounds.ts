import { GraphQLError } from 'graphql';

import { ErrorCode } from '../common/errors';

/**
 * Bounds on what one client may hold open over WebSocket. The HTTP rate limit never sees a
 * subscription (one upgrade, then frames), so without these a single caller could open sockets and
 * subscriptions until the process ran out of memory or file descriptors.
 *
 * - Connections per client (signed-in user, or address when anonymous): one over the bound is
 *   closed with 4429 before connection_ack; graphql-ws clients do not retry that code.
 * - Subscriptions per connection: one over the bound gets an `error` message with RATE_LIMITED;
 *   the connection and its other subscriptions go on, and a new one is accepted once one completes.
 */
export const TOO_MANY_CONNECTIONS_CLOSE_CODE = 4429;

export interface ConnectionCounter {
  /** Counts a connection for `key`; false (nothing counted) when the client is at the bound. */
  acquire(key: string): boolean;
  release(key: string): void;
  /** Connections counted for `key` now. */
  count(key: string): number;
}

/** `max` 0: no bound (every acquire succeeds, nothing is kept). */
export function createConnectionCounter(max: number): ConnectionCounter {
  const open = new Map<string, number>();
  return {
    acquire(key) {
      if (max === 0) return true;
      const n = open.get(key) ?? 0;
      if (n >= max) return false;
      open.set(key, n + 1);
      return true;
    },
    release(key) {
      const n = open.get(key) ?? 0;
      // Entries at zero are dropped so that the map does not grow with every address ever seen.
      if (n <= 1) open.delete(key);
      else open.set(key, n - 1);
    },
    count: (key) => open.get(key) ?? 0,
  };
}

/** The error for a subscription that would be number `open` on its connection, or undefined within `max`. */
export function tooManySubscriptions(open: number, max: number): GraphQLError | undefined {
  if (open <= max) return undefined;
  return new GraphQLError(`too many subscriptions: at most ${max} at once on one connection; complete one first`, {
    extensions: { code: ErrorCode.RATE_LIMITED },
  });
}
