import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';

import { GraphQLError, OperationTypeNode, getOperationAST, parse, specifiedRules, validate, type DocumentNode, type ExecutionArgs } from 'graphql';
import { CloseCode, type FormattedExecutionResult } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';

import { bearerToken, type Principal } from '../auth';
import { ErrorCode, isAppError } from '../common/errors';
import type { Logger } from '../common';
import type { GatewayConfig } from '../config';
import type { GraphqlContext } from '../graphql';
import { formatGraphqlError, logIfUnexpected } from './errors';
import type { DocumentLimits } from './limits';
import type { GraphqlEndpoint } from './server';
import { createConnectionCounter, tooManySubscriptions, TOO_MANY_CONNECTIONS_CLOSE_CODE } from './wsBounds';

/**
 * Subscriptions over WebSocket (graphql-ws protocol) on the HTTP server's port and path. The
 * caller is authenticated from the connection_init payload `{ authorization: 'Bearer …' }`: no
 * token is an anonymous connection, a bad one is refused (close 4403, graphql-ws's "Forbidden").
 * A subscription lives as long as its connection, so the token and its user are checked again at
 * each `subscribe` and every GATEWAY_WS_REAUTH_SECONDS: an expired token, a disabled or deleted
 * user closes the connection with 4403 (the client signs in again and reconnects), and a changed
 * role applies to what is subscribed next. A check that cannot reach the database keeps the
 * connection (an outage must not cut every subscriber at once).
 * Only subscriptions are accepted here (queries and mutations go over HTTP, through the rate
 * limit); each passes the same document limits as HTTP. A client that does not read its messages
 * is closed (1008) once the socket's unsent data passes GATEWAY_WS_MAX_BUFFERED_BYTES. One client
 * holds at most GATEWAY_WS_MAX_CONNECTIONS_PER_CLIENT connections and each connection at most
 * GATEWAY_WS_MAX_SUBSCRIPTIONS subscriptions (wsBounds.ts).
 */
export const SLOW_CLIENT_CLOSE_CODE = 1008;

interface ConnectionExtra extends Record<PropertyKey, unknown> {
  principal?: Principal;
  /** The connection's bearer token, checked again while the connection lives. */
  token?: string;
  recheck?: NodeJS.Timeout;
  /** The key this connection is counted under (set once counted, so that only counted ones are released). */
  clientKey?: string;
}

export interface Subscriptions {
  /** Closes every connection (1001 "Going away") and stops accepting new ones. */
  dispose(): Promise<void>;
}

export function attachSubscriptions(options: {
  server: Server;
  path: string;
  endpoint: GraphqlEndpoint;
  limits: DocumentLimits;
  config: GatewayConfig;
  log: Logger;
}): Subscriptions {
  const { endpoint, limits, config, log } = options;
  const wss = new WebSocketServer({ server: options.server, path: options.path, maxPayload: config.bodyLimitBytes });
  const rules = [...specifiedRules, ...limits.validationRules];
  const connections = createConnectionCounter(config.wsMaxConnectionsPerClient);
  /** Counts the connection for its client (the user, or the address when anonymous); false when over the bound. */
  const admit = (ctx: { extra: Extra & ConnectionExtra }): boolean => {
    // Closed while its token was being checked: onClose has run (or will, finding no key), so counting it would never be undone.
    if (ctx.extra.socket.readyState !== WebSocket.OPEN) return false;
    const key = ctx.extra.principal ? `user:${ctx.extra.principal.userId}` : `ip:${ctx.extra.request.socket.remoteAddress ?? '?'}`;
    if (!connections.acquire(key)) {
      log.warn({ client: key.startsWith('user:') ? key : 'anonymous', bound: config.wsMaxConnectionsPerClient }, 'refusing a WebSocket connection: the client has too many open');
      // Closed here with its own code; graphql-ws's 4403 after `false` then finds the socket closing and sends nothing.
      ctx.extra.socket.close(TOO_MANY_CONNECTIONS_CLOSE_CODE, `RATE_LIMITED: at most ${config.wsMaxConnectionsPerClient} connections per client`);
      return false;
    }
    ctx.extra.clientKey = key;
    return true;
  };
  /** The principal the connection's token stands for now; undefined (and the socket closed with 4403) once it stands for nobody. */
  const reauthenticate = async (extra: Extra & ConnectionExtra): Promise<Principal | undefined> => {
    if (extra.token === undefined) return undefined;
    try {
      extra.principal = await endpoint.services.users.authenticate(extra.token);
      return extra.principal;
    } catch (error) {
      if (!isAppError(error, ErrorCode.UNAUTHENTICATED)) {
        log.warn({ err: messageOf(error) }, 'could not check a WebSocket connection\'s token again; keeping it until the next check');
        return extra.principal;
      }
      const reason = error.details.reason;
      log.info({ user: extra.principal?.userId, reason: typeof reason === 'string' ? reason : error.message }, 'closing a WebSocket connection: its token or user is no longer valid');
      extra.principal = undefined;
      extra.token = undefined;
      clearInterval(extra.recheck);
      extra.socket.close(CloseCode.Forbidden, 'Forbidden: sign in again');
      return undefined;
    }
  };
  const disposable = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      schema: endpoint.schema,
      connectionInitWaitTimeout: 5000,
      async onConnect(ctx) {
        const params = ctx.connectionParams ?? {};
        const header = params.authorization ?? params.Authorization;
        if (header === undefined || header === '') return admit(ctx);
        const token = typeof header === 'string' ? bearerToken(header) : undefined;
        if (!token) return false;
        try {
          ctx.extra.principal = await endpoint.services.users.authenticate(token);
          if (!admit(ctx)) return false;
          ctx.extra.token = token;
          const extra = ctx.extra;
          extra.recheck = setInterval(() => void reauthenticate(extra), config.wsReauthMs);
          extra.recheck.unref();
          return true;
        } catch (error) {
          if (!isAppError(error, ErrorCode.UNAUTHENTICATED)) log.error({ err: messageOf(error) }, 'WebSocket authentication failed unexpectedly');
          return false;
        }
      },
      onClose(ctx) {
        clearInterval(ctx.extra.recheck);
        if (ctx.extra.clientKey !== undefined) connections.release(ctx.extra.clientKey);
      },
      async onSubscribe(ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> {
        // graphql-ws registers this subscription's id before calling the hook, so it is counted
        // here; before the first await, while the ids of later messages are not registered yet.
        const tooMany = tooManySubscriptions(Object.keys(ctx.subscriptions).length, config.wsMaxSubscriptions);
        if (tooMany) return [tooMany];
        if (ctx.extra.token !== undefined && !(await reauthenticate(ctx.extra))) {
          return [new GraphQLError('the token is no longer valid: sign in again', { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query, limits.parseOptions);
        } catch (error) {
          return withCode([error instanceof GraphQLError ? error : new GraphQLError('the document could not be parsed')], ErrorCode.GRAPHQL_PARSE_FAILED);
        }
        const errors = validate(endpoint.schema, document, rules);
        if (errors.length > 0) return withCode(errors, ErrorCode.GRAPHQL_VALIDATION_FAILED);
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== OperationTypeNode.SUBSCRIPTION) {
          return [new GraphQLError('only subscriptions go over WebSocket; send queries and mutations over HTTP', { extensions: { code: ErrorCode.BAD_REQUEST } })];
        }
        const costError = limits.costError(document, payload.operationName ?? undefined, payload.variables ?? undefined);
        if (costError) return [costError];
        const requestId = randomUUID();
        const contextValue: GraphqlContext = {
          requestId,
          log: log.child({ requestId, transport: 'ws' }),
          principal: ctx.extra.principal,
          loaders: endpoint.createLoaders(),
          services: endpoint.services,
          clientAddress: ctx.extra.request.socket.remoteAddress,
        };
        return { schema: endpoint.schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
      onNext(ctx, _id, _payload, args, result): FormattedExecutionResult {
        const socket = ctx.extra.socket;
        if (socket.bufferedAmount > config.wsMaxBufferedBytes) {
          log.warn({ buffered: socket.bufferedAmount, bound: config.wsMaxBufferedBytes }, 'closing a WebSocket client that does not keep up');
          socket.close(SLOW_CLIENT_CLOSE_CODE, 'client too slow');
          setTimeout(() => {
            socket.terminate();
          }, 1000).unref();
        }
        if (!result.errors) return result;
        const opLog = (args.contextValue as GraphqlContext | undefined)?.log ?? log;
        for (const error of result.errors) logIfUnexpected(error, opLog, 'a subscription');
        return { ...result, errors: result.errors.map((e) => formatGraphqlError(e.toJSON(), e)) };
      },
      onError(_ctx, _id, _payload, errors) {
        for (const error of errors) logIfUnexpected(error, log, 'a subscription');
        return errors.map((e) => formatGraphqlError(e.toJSON(), e));
      },
    },
    wss,
  );
  return {
    async dispose() {
      await disposable.dispose();
    },
  };
}

/**
 * The codes Apollo Server gives the same errors over HTTP. Without them a syntax or schema error
 * had no code (masked as INTERNAL_SERVER_ERROR) and graphql-armor's limits kept its own
 * BAD_USER_INPUT, so one document was refused differently over the two transports.
 */
function withCode(errors: readonly GraphQLError[], code: ErrorCode): GraphQLError[] {
  return errors.map(
    (e) => new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, originalError: e.originalError, extensions: { ...e.extensions, code } }),
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
