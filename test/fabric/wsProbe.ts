import WebSocket from 'ws';

/**
 * A raw graphql-ws (graphql-transport-ws) client for attack tests: it sends whatever it is told,
 * well-formed or not, and keeps every frame the server sent and how the socket closed, so a test
 * can assert both what was refused and that nothing else arrived.
 *
 *   const probe = await openProbe(gateway.websocketUrl);
 *   const acked = await probe.init({ authorization: `Bearer ${token}` });  // true, or the close code
 *   probe.send({ id: '1', type: 'subscribe', payload: { query } });
 *   const first = await probe.next('1');                                    // its first frame
 */
export interface Frame {
  readonly id?: string;
  readonly type: string;
  readonly payload?: unknown;
}

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

export interface Probe {
  /** Every frame the server sent, in order. */
  readonly frames: readonly Frame[];
  /** Resolves when the socket closes. */
  readonly closed: Promise<Closed>;
  /** An object is sent as JSON; a string or buffer as it is. */
  send(message: object | string | Buffer): void;
  /** connection_init with this payload; true once acknowledged, else the close code. */
  init(payload?: Record<string, unknown>): Promise<true | number>;
  /** Subscribes (`subscribe` frame) without waiting for anything. */
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  /** The `index`-th frame for `id` (0: the first), once it has arrived; rejects if the socket closes first. */
  next(id: string, index?: number): Promise<Frame>;
  /** The frames for `id` so far. */
  framesFor(id: string): Frame[];
  close(): Promise<void>;
}

export const GRAPHQL_WS_PROTOCOL = 'graphql-transport-ws';

/** Opens a socket; `protocol` other than graphql-ws's own to test the refusal. */
export async function openProbe(url: string, protocol = GRAPHQL_WS_PROTOCOL): Promise<Probe> {
  const socket = new WebSocket(url, protocol);
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  socket.on('message', (data: Buffer) => {
    frames.push(JSON.parse(data.toString()) as Frame);
    wake();
  });
  const closed = new Promise<Closed>((resolve) => {
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      wake();
    });
  });
  // A socket refused during the handshake reports an error, then closes: the close is what tests assert.
  socket.on('error', () => undefined);
  // events.once would reject on that error: wait for the socket to open or to close instead.
  await Promise.race([new Promise((resolve) => socket.once('open', resolve)), closed]);

  /** Waits until `found` returns a value, or rejects once the socket is closed without it. */
  const until = <T>(found: () => T | undefined, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const value = found();
        if (value !== undefined) {
          waiters.delete(check);
          resolve(value);
        } else if (socket.readyState === WebSocket.CLOSED) {
          waiters.delete(check);
          reject(new Error(`the socket closed before ${what}; frames: ${JSON.stringify(frames)}`));
        }
      };
      waiters.add(check);
      check();
    });

  const framesFor = (id: string): Frame[] => frames.filter((f) => f.id === id);
  const probe: Probe = {
    frames,
    closed,
    send(message) {
      socket.send(typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message));
    },
    async init(payload = {}) {
      probe.send({ type: 'connection_init', payload });
      const acked = await until(() => (frames.some((f) => f.type === 'connection_ack') ? true : undefined), 'connection_ack').catch(() => false);
      return acked ? true : (await closed).code;
    },
    subscribe(id, query, variables = {}) {
      probe.send({ id, type: 'subscribe', payload: { query, variables } });
    },
    next: (id, index = 0) => until(() => framesFor(id)[index], `frame ${index} for ${id}`),
    framesFor,
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return;
      socket.close(1000);
      await closed;
    },
  };
  return probe;
}

/** The outcome of a subscription's first frame: its type, the first error code, and the data it carried. */
export function outcomeOf(frame: Frame): { type: string; code?: string; data?: unknown } {
  const errors = frame.type === 'error' ? (frame.payload as { extensions?: { code?: string } }[]) : (frame.payload as { errors?: { extensions?: { code?: string } }[] } | undefined)?.errors;
  const data = frame.type === 'next' ? (frame.payload as { data?: unknown }).data : undefined;
  const code = errors?.[0]?.extensions?.code;
  return { type: frame.type, ...(code !== undefined ? { code } : {}), ...(data !== undefined ? { data } : {}) };
}
