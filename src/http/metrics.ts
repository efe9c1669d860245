import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import type { FastifyInstance } from 'fastify';

import { ErrorCode } from '../common/errors';
import type { Metrics } from '../common';
import { expectedError } from './errors';

/**
 * `/metrics` (Prometheus text from the process's one registry) and the Apollo Server plugin that
 * records each GraphQL operation's latency and errors. Label values are bounded: an operation
 * without a name is `anonymous`, a request that never resolved to an operation (a parse or
 * validation failure) is `unknown`, names are cut to 64 characters of `[A-Za-z0-9_]`, and after
 * MAX_OPERATION_NAMES distinct names the rest share `other`, so a client cannot grow the series
 * without bound by inventing names.
 */
export const METRICS_PATH = '/metrics';
export const MAX_OPERATION_NAMES = 200;
const NAME_LENGTH = 64;

export function registerMetricsRoute(app: FastifyInstance, metrics: Pick<Metrics, 'render'>): void {
  app.get(METRICS_PATH, async (_request, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.header('content-type', contentType).send(body);
  });
}

/** A function from a client's operation name to a bounded label value. */
export function createOperationLabeler(max = MAX_OPERATION_NAMES): (name: string | null | undefined, resolved: boolean) => string {
  const seen = new Set<string>();
  return (name, resolved) => {
    if (!resolved) return 'unknown';
    if (name === null || name === undefined || name === '') return 'anonymous';
    const clean = name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, NAME_LENGTH);
    if (seen.has(clean)) return clean;
    if (seen.size >= max) return 'other';
    seen.add(clean);
    return clean;
  };
}

/** The `code` label of a GraphQL error: its code from the one list, or INTERNAL_SERVER_ERROR (masked). */
export function errorCodeLabel(error: unknown): string {
  return expectedError(error)?.code ?? ErrorCode.INTERNAL_SERVER_ERROR;
}

export function graphqlMetricsPlugin<T extends object>(metrics: Pick<Metrics, 'graphqlDuration' | 'graphqlErrors'>): ApolloServerPlugin<T> {
  const label = createOperationLabeler();
  const operationOf = (context: GraphQLRequestContext<T>): { operation: string; type: string } => ({
    operation: label(context.operationName ?? context.request.operationName, context.operation !== undefined),
    type: context.operation?.operation ?? 'unknown',
  });
  return {
    requestDidStart() {
      const started = performance.now();
      return Promise.resolve({
        didEncounterErrors(context) {
          const { operation } = operationOf(context);
          for (const error of context.errors) metrics.graphqlErrors.inc({ operation, code: errorCodeLabel(error) });
          return Promise.resolve();
        },
        willSendResponse(context) {
          metrics.graphqlDuration.observe(operationOf(context), (performance.now() - started) / 1000);
          return Promise.resolve();
        },
      });
    },
  };
}
