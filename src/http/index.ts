/**
 * The HTTP side of every process: the GraphQL API (gateway role) and health endpoints (all roles).
 */
export { createHttpServer, GRAPHQL_PATH } from './server';
export type { GraphqlEndpoint, HttpServer, HttpServerDeps } from './server';
export type { Readiness, ReadinessCheck } from './health';
export { GRAPHIQL_PATH } from './graphiql';
export { METRICS_PATH } from './metrics';
export { REQUEST_ID_HEADER } from './requestId';
export { SLOW_CLIENT_CLOSE_CODE } from './websocket';
