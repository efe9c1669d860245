import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A plain TCP relay for the partition scenario (`netns.ts`): each route listens on one address and
 * port and pipes every connection to another. The Fabric nodes and PostgreSQL listen on 127.0.0.1
 * only, so a process in a network namespace reaches them through two of these: one inside the
 * namespace (its 127.0.0.1:P to the host's end of a veth pair) and one on the host (that end to
 * the host's 127.0.0.1:P). Bytes pass untouched: TLS and gRPC run end to end.
 *
 *   const relay = await startForwarder([{ listen: { host: '10.231.1.1', port: 24020 }, to: { host: '127.0.0.1', port: 24020 } }]);
 *   await relay.close();
 *
 * As a command (run inside the namespace by `ip netns exec`): `node --import tsx forwarder.ts
 * 127.0.0.1:24020=10.231.1.1:24020 ...`; it prints READY once every route listens.
 */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface Route {
  readonly listen: Endpoint;
  readonly to: Endpoint;
}

export interface Forwarder {
  /** Stops listening and cuts every relayed connection. */
  close(): Promise<void>;
}

export const READY_LINE = 'READY';

export async function startForwarder(routes: readonly Route[]): Promise<Forwarder> {
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const relay = (route: Route) => (client: Socket) => {
    // Half-open both ways: a side that has finished sending may still be owed an answer.
    const upstream = connect({ ...route.to, allowHalfOpen: true });
    track(client);
    track(upstream);
    // gRPC sends many small frames; Nagle's algorithm would hold them back behind delayed ACKs.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    // Either side failing or gone ends both: the caller then sees its connection end, as with no relay.
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => {
              resolve();
            });
          }),
      ),
    );
  };
  try {
    for (const route of routes) {
      const server = createServer({ allowHalfOpen: true }, relay(route));
      servers.push(server);
      server.listen(route.listen.port, route.listen.host);
      await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { close };
}

/** `127.0.0.1:24020=10.231.1.1:24020` as a route. */
export function parseRoute(text: string): Route {
  const match = /^([\d.]+):(\d+)=([\d.]+):(\d+)$/.exec(text);
  if (!match) throw new Error(`not a route (listenHost:port=toHost:port): ${text}`);
  const [, listenHost = '', listenPort = '', toHost = '', toPort = ''] = match;
  return { listen: { host: listenHost, port: Number(listenPort) }, to: { host: toHost, port: Number(toPort) } };
}

export const formatRoute = (route: Route): string => `${route.listen.host}:${route.listen.port}=${route.to.host}:${route.to.port}`;

if (require.main === module) {
  startForwarder(process.argv.slice(2).map(parseRoute)).then(
    (forwarder) => {
      process.stdout.write(`${READY_LINE}\n`);
      process.on('SIGTERM', () => void forwarder.close().then(() => process.exit(0)));
    },
    (error: unknown) => {
      process.stderr.write(`forwarder: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
