import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { Client, fetchExchange, mapExchange, subscriptionExchange } from 'urql';

/**
 * One urql client per signed-in session: queries and mutations over HTTP POST to /graphql with
 * the bearer token, subscriptions over graphql-ws on the same path with the token in the
 * connection_init payload. No document cache: every page asks the gateway, whose reads come from
 * the PostgreSQL cache anyway, and refreshes when a subscription says something changed.
 */
export interface ApiClient {
  readonly client: Client;
  /** Closes the WebSocket (sign-out, or a new session). */
  dispose(): void;
}

export interface ApiOptions {
  readonly token: string | null;
  /** Called when the gateway answers UNAUTHENTICATED (token expired or revoked). */
  readonly onUnauthenticated: () => void;
  /** WebSocket state for the page's "live" indicator. */
  readonly onSocketState?: (state: 'connecting' | 'connected' | 'closed') => void;
}

export function graphqlUrl(location: Pick<Location, 'href'>): { http: string; ws: string } {
  const http = new URL('/graphql', location.href).toString();
  return { http, ws: http.replace(/^http/, 'ws') };
}

export function createApiClient(options: ApiOptions): ApiClient {
  const urls = graphqlUrl(window.location);
  const authorization = options.token ? `Bearer ${options.token}` : undefined;
  const socket: WsClient = createWsClient({
    url: urls.ws,
    lazy: true,
    connectionParams: authorization ? { authorization } : {},
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    on: {
      connecting: () => options.onSocketState?.('connecting'),
      connected: () => options.onSocketState?.('connected'),
      closed: () => options.onSocketState?.('closed'),
    },
  });
  const client = new Client({
    url: urls.http,
    preferGetMethod: false,
    requestPolicy: 'network-only',
    fetchOptions: (): RequestInit => (authorization ? { headers: { authorization } } : {}),
    exchanges: [
      mapExchange({
        onError(error) {
          if (error.graphQLErrors.some((e) => e.extensions['code'] === 'UNAUTHENTICATED')) options.onUnauthenticated();
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const operation = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = socket.subscribe(operation, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return {
    client,
    dispose: () => {
      void socket.dispose();
    },
  };
}

/** The message of an urql error without its "[GraphQL]" / "[Network]" prefix, for the page. */
export function errorMessage(error: { readonly message: string; readonly graphQLErrors?: readonly { readonly message: string }[] }): string {
  const first = error.graphQLErrors?.[0];
  return first ? first.message : error.message.replace(/^\[(GraphQL|Network)\]\s*/, '');
}
