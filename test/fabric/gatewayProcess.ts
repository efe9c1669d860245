import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { startCliProcess, type CliProcess } from './cliProcess';
import { TEST_CHANNEL } from './testNetwork';

/**
 * `serve --role all` (or another role) as a real process against the test network, for API tests:
 *
 *   const gateway = await startGatewayProcess({ databaseUrl: db.url });
 *   const token = await gateway.login();                        // the bootstrap admin
 *   const { data, errors } = await gateway.graphql('{ me { username } }', {}, token);
 *   await gateway.stop();                                        // SIGTERM; resolves with the exit code
 *
 * It gets a free port, fresh WALLET_KEY and AUTH_JWT_SECRET, a bootstrap admin with a unique
 * name (user names are enrollment ids at the test network's CAs, shared by every test file), and
 * indexes TEST_CHANNEL. Two processes on the same database behave like two replicas (pass the
 * same `walletKey` and `jwtSecret`). `env` overrides any setting (e.g. GATEWAY_MAX_DEPTH).
 */
export interface GatewayProcess extends CliProcess {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly graphqlUrl: string;
  readonly websocketUrl: string;
  readonly admin: { readonly username: string; readonly password: string };
  readonly walletKey: string;
  readonly jwtSecret: string;
  /** POST /graphql with JSON; never throws on GraphQL errors or HTTP statuses. */
  graphql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphqlReply<T>>;
  /** Logs in (the bootstrap admin by default) through the `login` mutation; returns the token. */
  login(username?: string, password?: string): Promise<string>;
  /** SIGTERM, then waits for the exit; resolves with the exit code (null if killed by a signal). */
  stop(): Promise<number | null>;
}

export interface GraphqlReply<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly data?: T | null;
  readonly errors?: readonly { message: string; path?: readonly (string | number)[]; extensions?: { code?: string } & Record<string, unknown> }[];
}

export interface GatewayProcessOptions {
  readonly databaseUrl: string;
  readonly role?: 'gateway' | 'sync' | 'submitter' | 'all';
  readonly walletKey?: string;
  readonly jwtSecret?: string;
  readonly adminUsername?: string;
  readonly env?: Record<string, string>;
  /** How long to wait for /readyz (default 120 s: the first start enrolls the admin at the CA). */
  readonly readyTimeoutMs?: number;
  /** The port to listen on (default: a free one the OS picks, which may lie in the ephemeral range). */
  readonly port?: number;
  /** Runs the process inside this network namespace (`ip netns exec`; root only). Default: none. */
  readonly netns?: string;
  /** The address it listens on and is called at (e.g. its namespace's address). Default 127.0.0.1. */
  readonly host?: string;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const port = options.port ?? (await freePort());
  const walletKey = options.walletKey ?? randomBytes(32).toString('base64');
  const jwtSecret = options.jwtSecret ?? randomBytes(32).toString('base64');
  const host = options.host ?? '127.0.0.1';
  const admin = { username: options.adminUsername ?? `gwadmin${randomBytes(4).toString('hex')}`, password: randomBytes(12).toString('base64url') };
  const child = startCliProcess('serve', ['--role', options.role ?? 'all'], {
    DATABASE_URL: options.databaseUrl,
    PORT: String(port),
    HOST: host,
    WALLET_KEY: walletKey,
    AUTH_JWT_SECRET: jwtSecret,
    AUTH_BOOTSTRAP_ADMIN_USERNAME: admin.username,
    AUTH_BOOTSTRAP_ADMIN_PASSWORD: admin.password,
    SYNC_CHANNELS: TEST_CHANNEL,
    GATEWAY_CHANNEL: TEST_CHANNEL,
    SYNC_LOCK_POLL_MS: '300',
    ...options.env,
  }, options.netns === undefined ? [] : ['ip', 'netns', 'exec', options.netns]);
  const url = `http://${host}:${port}`;
  const graphqlUrl = `${url}/graphql`;
  const graphql = async <T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GraphqlReply<T>> => {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Omit<GraphqlReply<T>, 'status' | 'headers'>;
    return { status: response.status, headers: response.headers, ...body };
  };
  const gateway: GatewayProcess = {
    ...child,
    url,
    graphqlUrl,
    websocketUrl: `ws://${host}:${port}/graphql`,
    admin,
    walletKey,
    jwtSecret,
    graphql,
    async login(username = admin.username, password = admin.password) {
      const reply = await graphql<{ login: { token: string } }>('mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: username, p: password });
      const token = reply.data?.login.token;
      if (!token) throw new Error(`login as ${username} failed: ${JSON.stringify(reply.errors)}`);
      return token;
    },
    async stop() {
      if (child.child.exitCode !== null || child.child.signalCode !== null) return child.child.exitCode;
      const exited = once(child.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      child.child.kill('SIGTERM');
      const [code] = await exited;
      return code;
    },
  };
  try {
    await waitForReady(gateway, options.readyTimeoutMs ?? 120_000);
  } catch (error) {
    await child.kill();
    throw error;
  }
  return gateway;
}

async function waitForReady(gateway: GatewayProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gateway.child.exitCode !== null || gateway.child.signalCode !== null) {
      throw new Error(`the gateway process exited (${gateway.child.exitCode ?? gateway.child.signalCode}) before it was ready:\n${gateway.output().slice(-4000)}`);
    }
    const status = await fetch(`${gateway.url}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`the gateway was not ready within ${timeoutMs} ms:\n${gateway.output().slice(-4000)}`);
    await sleep(250);
  }
}
