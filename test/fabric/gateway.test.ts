import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Script } from 'node:vm';

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { createIsolatedDatabase, type IsolatedDatabase } from '../db/isolatedDatabase';
import { startGatewayProcess, type GatewayProcess } from './gatewayProcess';

/**
 * The server as a real process (`serve --role all`) against the test network and a scratch
 * database: login over HTTP, the anonymous `gateway` query, refused tokens (HTTP and WebSocket),
 * limits, GraphiQL with its assets, request ids, and a SIGTERM that drains and exits 0.
 */
jest.setTimeout(300_000);

let db: IsolatedDatabase;
let gateway: GatewayProcess;

beforeAll(async () => {
  db = await createIsolatedDatabase('fabric_gateway');
  gateway = await startGatewayProcess({ databaseUrl: db.url, env: { GATEWAY_MAX_DEPTH: '8', GATEWAY_BODY_LIMIT_BYTES: '20000', GATEWAY_MAX_BATCH: '3' } });
});

afterAll(async () => {
  await gateway.kill();
  await db.drop();
});

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Response> =>
  fetch(gateway.graphqlUrl, { method: 'POST', headers, body });

describe('the gateway process', () => {
  it('logs the bootstrap admin in, and answers the anonymous gateway query from the cache', async () => {
    const token = await gateway.login();
    const me = await gateway.graphql<{ me: { username: string; role: string } }>('{ me { username role } }', {}, token);
    expect(me.data?.me).toEqual({ username: gateway.admin.username, role: 'ADMIN' });
    const info = await gateway.graphql<{ gateway: { channel: string; chaincode: string; indexedHeight: string | null } }>('{ gateway { channel chaincode indexedHeight } }');
    expect(info.status).toBe(200);
    expect(info.data?.gateway).toMatchObject({ channel: 'mychannel', chaincode: 'sample' });
  });

  it('refuses a bad token with 401 UNAUTHENTICATED and a wrong password with UNAUTHENTICATED', async () => {
    const bad = await gateway.graphql('{ gateway { channel } }', {}, 'not.a.token');
    expect(bad.status).toBe(401);
    expect(bad.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await expect(gateway.login(gateway.admin.username, 'wrong password!')).rejects.toThrow(/UNAUTHENTICATED/);
  });

  it('returns the request id it was given, or one of its own', async () => {
    const given = await post(JSON.stringify({ query: '{ gateway { channel } }' }), { 'content-type': 'application/json', 'x-request-id': 'test-request-0001' });
    expect(given.headers.get('x-request-id')).toBe('test-request-0001');
    const own = await post(JSON.stringify({ query: '{ gateway { channel } }' }));
    expect(own.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('enforces the limits over HTTP: depth, page size, body size, CSRF, batch size', async () => {
    const token = await gateway.login();
    const deep = await gateway.graphql('{ assets(first: 1) { edges { node { history(first: 1) { edges { node { transaction { creator { user { id } } } } } } } } } }', {}, token);
    expect(deep.status).toBe(400);
    expect(deep.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(deep.errors?.[0]?.message).toMatch(/depth limit of 8/);
    const page = await gateway.graphql('{ assets(first: 501) { totalCount } }', {}, token);
    expect(page.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const large = await post(JSON.stringify({ query: '{ gateway { channel } }', variables: { pad: 'x'.repeat(25_000) } }));
    expect(large.status).toBe(413);
    expect(await large.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
    const csrf = await fetch(`${gateway.graphqlUrl}?query=${encodeURIComponent('{ gateway { channel } }')}`);
    expect(csrf.status).toBe(400);
    expect(await csrf.text()).toMatch(/Cross-Site Request Forgery/);
    const batch = (n: number): string => JSON.stringify(Array.from({ length: n }, () => ({ query: '{ gateway { channel } }' })));
    expect((await post(batch(3))).status).toBe(200);
    const over = await post(batch(4));
    expect(over.status).toBe(400);
    expect(await over.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('serves GraphiQL with its assets from npm', async () => {
    const page = await fetch(`${gateway.url}/graphiql`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(scripts.map((s) => s.split('/').pop())).toEqual(['react.production.min.js', 'react-dom.production.min.js', 'graphiql.min.js', 'start.js']);
    const graphiql = await fetch(`${gateway.url}${scripts[2] ?? ''}`);
    expect(graphiql.headers.get('content-type')).toMatch(/javascript/);
    const js = await graphiql.text();
    expect(js.length).toBeGreaterThan(500_000);
    expect(js).toMatch(/createFetcher/);
    expect(() => new Script(js)).not.toThrow(); // parses as JavaScript
    const css = await fetch(`${gateway.url}/graphiql/assets/graphiql.min.css`);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
  });

  it('refuses a WebSocket connection with a bad token (4403) and accepts an anonymous one', async () => {
    const closed = await new Promise<number>((resolve) => {
      const client = createClient({ url: gateway.websocketUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, connectionParams: { authorization: 'Bearer not.a.token' }, onNonLazyError: () => undefined });
      client.on('closed', (event) => {
        resolve((event as { code: number }).code);
        void client.dispose();
      });
    });
    expect(closed).toBe(4403);
    const socket = new WebSocket(gateway.websocketUrl, 'graphql-transport-ws');
    await once(socket, 'open');
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    const [ack] = (await once(socket, 'message')) as [Buffer];
    expect(JSON.parse(ack.toString())).toEqual({ type: 'connection_ack' });
    socket.close();
  });
});

describe('SIGTERM', () => {
  it('lets a request in flight finish, then exits 0', async () => {
    const other = await startGatewayProcess({ databaseUrl: db.url, role: 'gateway', adminUsername: gateway.admin.username, walletKey: gateway.walletKey, jwtSecret: gateway.jwtSecret });
    // A login verifies an argon2id hash: slow enough to be in flight when the signal arrives.
    const started = Date.now();
    await other.login(gateway.admin.username, gateway.admin.password);
    const loginMs = Date.now() - started;
    const inFlight = other.login(gateway.admin.username, gateway.admin.password);
    await sleep(Math.min(loginMs / 3, 100));
    const signalled = Date.now();
    const code = await other.stop();
    const stopMs = Date.now() - signalled;
    await expect(inFlight).resolves.toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect({ code, output: code === 0 ? '' : other.output().slice(-3000) }).toEqual({ code: 0, output: '' });
    expect(other.output()).toMatch(/stopping: draining/);
    process.stderr.write(`SIGTERM to exit: ${stopMs} ms (login takes ${loginMs} ms)\n`);
  });
});
