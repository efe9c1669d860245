import type { Principal, UsersService } from '../auth';
import { AppError, ErrorCode, type Logger } from '../common';
import { loadConfig, type GatewayConfig } from '../config';
import { createGraphqlSchema, type GatewayServices } from '../graphql';
import type { LedgerEvents, Loaders, ReadQueries } from '../store';
import type { SubmissionService } from '../submissions';
import { createHttpServer, type HttpServer } from './server';

/**
 * The server in process (Fastify's inject, no socket) over the real schema, with fakes at the
 * seams: a users service that knows one token, and reads that answer the `gateway` query.
 */
const ADMIN: Principal = { userId: 'u1', username: 'admin', role: 'ADMIN', mspId: 'Org1MSP', identityLabel: 'Org1MSP/admin' };

interface Logged {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger(into: Logged[], bound: Record<string, unknown> = {}): Logger {
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => {
    into.push({ level, fields: { ...bound, ...fields }, message });
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (f) => recordingLogger(into, { ...bound, ...f }) };
}

let indexedHeight: () => Promise<bigint | null> = () => Promise.resolve(7n);

const services = {
  domain: { channel: 'mychannel', chaincode: 'sample' },
  users: {
    authenticate: (token: string) => (token === 'good-token' ? Promise.resolve(ADMIN) : Promise.reject(new AppError(ErrorCode.UNAUTHENTICATED, 'the token has expired'))),
  } as unknown as UsersService,
  submissions: {} as SubmissionService,
  reads: { indexedHeight: () => indexedHeight() } as unknown as ReadQueries,
  ledgerEvents: {} as LedgerEvents,
  indexWaitMs: 1000,
} satisfies GatewayServices;

async function server(env: Record<string, string> = {}, logs: Logged[] = []): Promise<HttpServer> {
  const config: GatewayConfig = loadConfig({ PORT: '0', GATEWAY_RATE_LIMIT_MAX: '1000', ...env }, '/repo').gateway;
  return createHttpServer({
    config,
    log: recordingLogger(logs),
    role: 'gateway',
    graphql: { schema: createGraphqlSchema(), services, createLoaders: () => ({}) as Loaders },
    readiness: [{ name: 'postgres', check: () => Promise.resolve() }],
  });
}

const json = { 'content-type': 'application/json' };

interface Reply {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  json(): unknown;
}

/** Over a real socket (Fastify's inject pulls in an ESM-only module that jest cannot load). */
async function call(http: HttpServer, options: { method?: string; url: string; headers?: Record<string, string>; payload?: unknown }): Promise<Reply> {
  const base = urls.get(http) ?? (await http.listen()).url;
  urls.set(http, base);
  const body = options.payload === undefined ? undefined : typeof options.payload === 'string' || Buffer.isBuffer(options.payload) ? options.payload : JSON.stringify(options.payload);
  const response = await fetch(`${base}${options.url}`, { method: options.method ?? 'GET', headers: options.headers ?? {}, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return { statusCode: response.status, headers: Object.fromEntries(response.headers.entries()), body: text, json: () => JSON.parse(text) as unknown };
}
const urls = new Map<HttpServer, string>();
const GATEWAY = '{ gateway { channel chaincode indexedHeight } }';

describe('the HTTP server', () => {
  let http: HttpServer;
  beforeAll(async () => {
    http = await server();
  });
  afterAll(async () => {
    await http.close();
  });
  afterEach(() => {
    indexedHeight = () => Promise.resolve(7n);
  });

  it('answers an anonymous query, with a request id header (the caller’s when sane)', async () => {
    const response = await call(http, { method: 'POST', url: '/graphql', headers: { ...json, 'x-request-id': 'client-chosen-id-1' }, payload: { query: GATEWAY } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ data: { gateway: { channel: 'mychannel', chaincode: 'sample', indexedHeight: '7' } } });
    expect(response.headers['x-request-id']).toBe('client-chosen-id-1');
    const replaced = await call(http, { method: 'POST', url: '/graphql', headers: { ...json, 'x-request-id': 'bad id\twith tab' }, payload: { query: GATEWAY } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a bad or expired token with 401 UNAUTHENTICATED instead of serving it anonymously', async () => {
    for (const authorization of ['Bearer expired-token', 'Basic dXNlcjpwdw==']) {
      const response = await call(http, { method: 'POST', url: '/graphql', headers: { ...json, authorization }, payload: { query: GATEWAY } });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    }
    const good = await call(http, { method: 'POST', url: '/graphql', headers: { ...json, authorization: 'Bearer good-token' }, payload: { query: GATEWAY } });
    expect(good.statusCode).toBe(200);
  });

  it('masks an unexpected error and logs it with the request id', async () => {
    const logs: Logged[] = [];
    const own = await server({}, logs);
    indexedHeight = () => Promise.reject(new Error('connect ECONNREFUSED 10.1.2.3:5432'));
    const response = await call(own, { method: 'POST', url: '/graphql', headers: json, payload: { query: GATEWAY } });
    await own.close();
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ data: null, errors: [{ message: 'Internal server error', locations: [{ line: 1, column: 3 }], path: ['gateway'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    expect(response.body).not.toMatch(/ECONNREFUSED|at .*\.ts/);
    const logged = logs.find((l) => l.level === 'error');
    expect(logged?.fields).toMatchObject({ requestId: response.headers['x-request-id'], err: 'connect ECONNREFUSED 10.1.2.3:5432' });
  });

  it('keeps CSRF prevention on: a GET or text/plain request without a preflight header is refused', async () => {
    const get = await call(http, { method: 'GET', url: `/graphql?query=${encodeURIComponent(GATEWAY)}` });
    expect(get.statusCode).toBe(400);
    expect(get.body).toMatch(/Cross-Site Request Forgery/);
    const plain = await call(http, { method: 'POST', url: '/graphql', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify({ query: GATEWAY }) });
    expect(plain.statusCode).toBe(400);
    const preflighted = await call(http, { method: 'GET', url: `/graphql?query=${encodeURIComponent(GATEWAY)}`, headers: { 'apollo-require-preflight': 'true' } });
    expect(preflighted.statusCode).toBe(200);
  });

  it('refuses bad JSON and bodies over GATEWAY_BODY_LIMIT_BYTES as BAD_REQUEST', async () => {
    const bad = await call(http, { method: 'POST', url: '/graphql', headers: json, payload: '{"query": ' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
    const large = await call(http, { method: 'POST', url: '/graphql', headers: json, payload: { query: GATEWAY, variables: { pad: 'x'.repeat(110_000) } } });
    expect(large.statusCode).toBe(413);
    expect(large.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('refuses a JSON body that is not valid UTF-8 instead of running it with replacement characters', async () => {
    const broken = Buffer.concat([Buffer.from('{"query":"{ gateway { channel } }","variables":{"x":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}}')]);
    const response = await call(http, { method: 'POST', url: '/graphql', headers: json, payload: broken });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ errors: [{ message: 'the request body is not valid UTF-8', extensions: { code: 'BAD_REQUEST' } }] });
    const fine = await call(http, { method: 'POST', url: '/graphql', headers: json, payload: Buffer.from('{"query":"{ gateway { channel } }","variables":{"x":"Zürich ✓"}}') });
    expect(fine.statusCode).toBe(200);
  });

  it('bounds batched requests by GATEWAY_MAX_BATCH', async () => {
    const batch = (n: number): unknown[] => Array.from({ length: n }, () => ({ query: GATEWAY }));
    const ok = await call(http, { method: 'POST', url: '/graphql', headers: json, payload: batch(10) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toHaveLength(10);
    const over = await call(http, { method: 'POST', url: '/graphql', headers: json, payload: batch(11) });
    expect(over.statusCode).toBe(400);
    expect(over.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
    expect(over.body).toMatch(/at most 10 operations/);
  });

  it('rejects a document over a limit with 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const aliases = `{ gateway { ${Array.from({ length: 16 }, (_, i) => `c${i}: channel`).join(' ')} } }`;
    const response = await call(http, { method: 'POST', url: '/graphql', headers: json, payload: { query: aliases } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    const costly = '{ assets(first: 500) { edges { node { history(first: 500) { edges { node { action } } } } } } }';
    const cost = await call(http, { method: 'POST', url: '/graphql', headers: json, payload: { query: costly } });
    expect(cost.statusCode).toBe(400);
    expect(cost.json()).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    expect(cost.body).toMatch(/Query cost \d+ exceeds the limit of 20000/);
  });

  it('serves /healthz, /readyz and the GraphiQL page with its assets', async () => {
    expect((await call(http, { url: '/healthz' })).json()).toEqual({ status: 'ok', role: 'gateway' });
    expect((await call(http, { url: '/readyz' })).json()).toEqual({ status: 'ready', role: 'gateway', checks: { postgres: 'ok' } });
    const page = await call(http, { url: '/graphiql' });
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const scripts = [...page.body.matchAll(/src="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(scripts).toHaveLength(4);
    for (const src of scripts) {
      const asset = await call(http, { url: src });
      expect(asset.statusCode).toBe(200);
      expect(asset.headers['content-type']).toMatch(/javascript/);
    }
  });
});

describe('the HTTP server settings', () => {
  it('limit requests per caller with 429 RATE_LIMITED', async () => {
    const http = await server({ GATEWAY_RATE_LIMIT_MAX: '3', GATEWAY_RATE_LIMIT_WINDOW_MS: '60000' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await call(http, { method: 'POST', url: '/graphql', headers: json, payload: { query: GATEWAY } })).statusCode);
    }
    const limited = await call(http, { method: 'POST', url: '/graphql', headers: json, payload: { query: GATEWAY } });
    // Another caller (a signed-in user) has a budget of their own.
    const other = await call(http, { method: 'POST', url: '/graphql', headers: { ...json, authorization: 'Bearer good-token' }, payload: { query: GATEWAY } });
    await http.close();
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(limited.json()).toMatchObject({ errors: [{ extensions: { code: 'RATE_LIMITED' } }] });
    expect(limited.headers['retry-after']).toBeDefined();
    expect(other.statusCode).toBe(200);
  });

  it('turn introspection and GraphiQL off (the production defaults)', async () => {
    const http = await server({ NODE_ENV: 'production' });
    const introspection = await call(http, { method: 'POST', url: '/graphql', headers: json, payload: { query: '{ __schema { queryType { name } } }' } });
    const page = await call(http, { url: '/graphiql' });
    await http.close();
    expect(introspection.statusCode).toBe(400);
    expect(introspection.json()).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    expect(page.statusCode).toBe(404);
  });

  it('report a failing readiness check, and draining once closed', async () => {
    const http = await createHttpServer({
      config: loadConfig({ PORT: '0' }, '/repo').gateway,
      log: recordingLogger([]),
      role: 'sync',
      readiness: [{ name: 'postgres', check: () => Promise.reject(new Error('connection refused')) }],
    });
    const response = await call(http, { url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'not ready', role: 'sync', checks: { postgres: 'failed: connection refused' } });
    expect((await call(http, { url: '/graphql' })).statusCode).toBe(404);
    await http.close();
  });
});
