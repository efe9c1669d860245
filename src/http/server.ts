import type { AddressInfo } from 'node:net';

import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { GraphQLSchema } from 'graphql';

import { bearerToken, type Principal } from '../auth';
import { AppError, ErrorCode } from '../common/errors';
import type { Logger, Metrics } from '../common';
import type { GatewayConfig } from '../config';
import type { GatewayServices, GraphqlContext } from '../graphql';
import type { Loaders } from '../store';
import { formatGraphqlError, httpFailure, logIfUnexpected } from './errors';
import { EXPLORER_PATH, registerExplorer } from './explorer';
import { GRAPHIQL_PATH, registerGraphiql } from './graphiql';
import { registerHealth, type ReadinessCheck } from './health';
import { createDocumentLimits } from './limits';
import { graphqlMetricsPlugin, METRICS_PATH, registerMetricsRoute } from './metrics';
import { REQUEST_ID_HEADER, requestIdFrom } from './requestId';
import { attachSubscriptions, type Subscriptions } from './websocket';

/**
 * One HTTP server per process, on one port: `/healthz` and `/readyz` always; with a GraphQL
 * endpoint (the gateway role) also `/graphql` (Apollo Server over Fastify, subscriptions over
 * WebSocket with graphql-ws on the same path), the explorer web UI at `/explorer` and, when enabled, `/graphiql`.
 */
export const GRAPHQL_PATH = '/graphql';

export interface GraphqlEndpoint {
  readonly schema: GraphQLSchema;
  readonly services: GatewayServices;
  /** Fresh DataLoaders for one request or one subscription. */
  readonly createLoaders: () => Loaders;
}

export interface HttpServerDeps {
  readonly config: GatewayConfig;
  readonly log: Logger;
  /** What /healthz and /readyz report as the process's role. */
  readonly role: string;
  /** Absent for roles without the API (sync, submitter): health only. */
  readonly graphql?: GraphqlEndpoint;
  readonly readiness?: readonly ReadinessCheck[];
  /** The process's registry: served at /metrics, and GraphQL operations recorded in it. */
  readonly metrics?: Metrics;
}

export interface HttpServer {
  readonly fastify: FastifyInstance;
  /** Starts listening on HOST:PORT (PORT 0: any free port); resolves with the base URL. */
  listen(): Promise<{ url: string; port: number }>;
  /** Adds a /readyz check (issue #7: peers, sync lag, …). */
  addReadinessCheck(check: ReadinessCheck): void;
  /**
   * Graceful stop: /readyz turns 503, WebSockets are closed (1001), no new connection is
   * accepted, requests in flight finish (connections still open after GATEWAY_SHUTDOWN_GRACE_MS
   * are cut), then Apollo Server stops. Idempotent.
   */
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

/**
 * JSON bodies must be valid UTF-8: Node would otherwise decode broken bytes as U+FFFD and the
 * request would run with arguments the client never sent. Fastify's own parser (with its
 * prototype-poisoning checks) does the rest.
 */
function acceptOnlyUtf8Json(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(Object.assign(new AppError(ErrorCode.BAD_REQUEST, 'the request body is not valid UTF-8'), { statusCode: 400 }), undefined);
      return;
    }
    void parseJson(request, text, done);
  });
}

export async function createHttpServer(deps: HttpServerDeps): Promise<HttpServer> {
  const { config, log } = deps;
  const app = Fastify({
    bodyLimit: config.bodyLimitBytes,
    logger: false,
    requestIdHeader: false,
    genReqId: (request) => requestIdFrom(request.headers[REQUEST_ID_HEADER]),
    return503OnClosing: true,
  });
  app.decorateRequest('principal', undefined);
  acceptOnlyUtf8Json(app);
  app.addHook('onSend', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.url.startsWith('/healthz') || request.url.startsWith('/readyz') || request.url.startsWith(METRICS_PATH) || request.url.startsWith(`${GRAPHIQL_PATH}/`) || request.url.startsWith(`${EXPLORER_PATH}/assets/`)) return;
    log.info({ requestId: request.id, method: request.method, url: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  app.setErrorHandler((error, request, reply) => {
    const failure = httpFailure(error);
    if (!failure.expected) logIfUnexpected(error, log.child({ requestId: request.id }), `${request.method} ${request.url.split('?')[0]}`);
    return reply.code(failure.status).send(failure.body);
  });

  const readiness = registerHealth(app, deps.role, deps.readiness ?? []);
  if (deps.metrics) registerMetricsRoute(app, deps.metrics);
  const graphql = deps.graphql ? await mountGraphql(app, deps, deps.graphql) : undefined;

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    readiness.drain();
    await graphql?.subscriptions.dispose();
    const cut = setTimeout(() => {
      log.warn({ graceMs: config.shutdownGraceMs }, 'requests still in flight after the grace period: closing their connections');
      app.server.closeAllConnections();
    }, config.shutdownGraceMs);
    try {
      await app.close();
    } finally {
      clearTimeout(cut);
    }
    await graphql?.apollo.stop();
  };
  return {
    fastify: app,
    async listen() {
      await app.listen({ port: config.port, host: config.host });
      const { port } = app.server.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
      return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port };
    },
    addReadinessCheck: (check) => {
      readiness.add(check);
    },
    close: () => (closing ??= close()),
  };
}

async function mountGraphql(app: FastifyInstance, deps: HttpServerDeps, endpoint: GraphqlEndpoint): Promise<{ apollo: ApolloServer<GraphqlContext>; subscriptions: Subscriptions }> {
  const { config, log } = deps;
  const limits = createDocumentLimits(endpoint.schema, config.limits, { blockFieldSuggestions: !config.introspection });
  const errorLog: ApolloServerPlugin<GraphqlContext> = {
    requestDidStart() {
      return Promise.resolve({
        didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) logIfUnexpected(error, contextValue.log, 'a GraphQL request');
          return Promise.resolve();
        },
      });
    },
  };
  const apollo = new ApolloServer<GraphqlContext>({
    schema: endpoint.schema,
    introspection: config.introspection,
    csrfPrevention: true,
    allowBatchedHttpRequests: config.limits.maxBatch > 0,
    includeStacktraceInErrorResponses: false,
    persistedQueries: false,
    stopOnTerminationSignals: false,
    parseOptions: limits.parseOptions,
    validationRules: [...limits.validationRules],
    formatError: formatGraphqlError,
    logger: apolloLogger(log),
    plugins: [...limits.plugins, errorLog, ...(deps.metrics ? [graphqlMetricsPlugin<GraphqlContext>(deps.metrics)] : []), ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled()],
  });
  await apollo.start();

  if (config.rateLimit.max > 0) {
    await app.register(rateLimit, {
      global: false,
      hook: 'preHandler',
      max: config.rateLimit.max,
      timeWindow: config.rateLimit.windowMs,
      keyGenerator: (request) => (request.principal ? `user:${request.principal.userId}` : `ip:${request.ip}`),
      errorResponseBuilder: (_request, context) =>
        Object.assign(new AppError(ErrorCode.RATE_LIMITED, `too many requests: at most ${context.max} per ${context.after}; try again later`), { statusCode: 429 }),
    });
  }
  const authenticate = async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (header === undefined || header === '') return;
    const token = bearerToken(header);
    if (!token) throw new AppError(ErrorCode.UNAUTHENTICATED, 'the Authorization header must be "Bearer <token>"');
    request.principal = await endpoint.services.users.authenticate(token);
  };
  const boundBatch = (request: FastifyRequest): Promise<void> => {
    const max = config.limits.maxBatch;
    if (max > 0 && Array.isArray(request.body) && request.body.length > max) {
      return Promise.reject(new AppError(ErrorCode.BAD_REQUEST, `a batched request may hold at most ${max} operations, this one has ${request.body.length}`));
    }
    return Promise.resolve();
  };
  app.route({
    url: GRAPHQL_PATH,
    method: ['GET', 'POST', 'OPTIONS'],
    onRequest: authenticate,
    preValidation: boundBatch,
    ...(config.rateLimit.max > 0 ? { config: { rateLimit: {} } } : {}),
    handler: fastifyApolloHandler<GraphqlContext>(apollo, {
      context: (request) => {
        const requestId = request.id;
        return Promise.resolve({
          requestId,
          log: log.child({ requestId }),
          principal: request.principal,
          loaders: endpoint.createLoaders(),
          services: endpoint.services,
          clientAddress: request.ip,
        });
      },
    }),
  });
  if (config.graphiql) registerGraphiql(app);
  registerExplorer(app);
  const subscriptions = attachSubscriptions({ server: app.server, path: GRAPHQL_PATH, endpoint, limits, config, log });
  return { apollo, subscriptions };
}

/** Apollo Server's own messages through our logger. */
function apolloLogger(log: Logger): ConstructorParameters<typeof ApolloServer>[0]['logger'] {
  const apolloLog = log.child({ component: 'apollo' });
  const text = (args: unknown[]): string => args.map(String).join(' ');
  return {
    debug: (...args: unknown[]) => {
      apolloLog.debug({}, text(args));
    },
    info: (...args: unknown[]) => {
      apolloLog.info({}, text(args));
    },
    warn: (...args: unknown[]) => {
      apolloLog.warn({}, text(args));
    },
    error: (...args: unknown[]) => {
      apolloLog.error({}, text(args));
    },
  };
}
