import { Client, fetchExchange, gql, subscriptionExchange, type OperationResult, type TypedDocumentNode } from '@urql/core';
import { Command } from 'commander';
import { createClient as createWebSocketClient, type Client as WebSocketClient } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * A portal as a real client would be written: `@urql/core` for queries and mutations over HTTP,
 * the `graphql-ws` client for subscriptions over WebSocket, nothing from this repository. It logs
 * in, shows the portal's screens (my assets, an asset's history, my balance and transfers), pays
 * `amount` tokens to another account with `transferTokens`, and waits for the `accountChanged`
 * event of its own account that the payment causes.
 *
 *   npm run example:client -- --url http://127.0.0.1:4000/graphql --username alice --password '…' [--to Org1MSP/bob] [--amount 5]
 *
 * Without --to it pays the owner of the first asset on the screen that is not the caller's.
 * test/fabric/portalClient.test.ts runs it against the real stack.
 */

// ---------------------------------------------------------------------------------------------
// The operations the portal sends, with the shapes it reads.

interface Me {
  readonly username: string;
  readonly role: string;
  readonly account: string;
}

interface AssetRow {
  readonly id: string;
  readonly kind: string;
  readonly version: number;
  readonly updatedAt: string | null;
  readonly owner: { readonly id: string };
}

interface HistoryEntry {
  readonly action: string;
  readonly version: number;
  readonly at: string | null;
  readonly owner: { readonly id: string };
  readonly transaction: { readonly id: string; readonly blockNumber: string; readonly creator: { readonly id: string } | null };
}

interface AssetDetail {
  readonly id: string;
  readonly kind: string;
  readonly attributes: unknown;
  readonly owner: { readonly id: string; readonly user: { readonly username: string } | null };
  readonly history: { readonly totalCount: number; readonly edges: readonly { readonly node: HistoryEntry }[] };
}

interface TransferRow {
  readonly kind: 'MINT' | 'TRANSFER';
  readonly from: string | null;
  readonly to: string;
  readonly amount: string;
  readonly at: string | null;
  readonly transaction: { readonly id: string };
}

interface AccountView {
  readonly id: string;
  readonly balance: string;
  readonly updatedBlock: string;
  readonly transfers: { readonly edges: readonly { readonly node: TransferRow }[] };
}

interface AccountEvent {
  readonly id: string;
  readonly balance: string;
  readonly updatedBlock: string;
}

const LOGIN: TypedDocumentNode<{ login: { token: string; user: Me } }, { username: string; password: string }> = gql`
  mutation Login($username: String!, $password: String!) {
    login(username: $username, password: $password) { token user { username role account } }
  }
`;

const ASSETS: TypedDocumentNode<{ mine: { totalCount: number; edges: { node: AssetRow }[] }; recent: { edges: { node: AssetRow }[] } }, { owner: string }> = gql`
  query Assets($owner: ID!) {
    mine: assets(first: 20, filter: { owner: $owner }) { totalCount edges { node { id kind version updatedAt owner { id } } } }
    recent: assets(first: 20, orderBy: { field: UPDATED_BLOCK, direction: DESC }) { edges { node { id kind version updatedAt owner { id } } } }
  }
`;

const ASSET_HISTORY: TypedDocumentNode<{ asset: AssetDetail | null }, { id: string }> = gql`
  query AssetHistory($id: ID!) {
    asset(id: $id) {
      id kind attributes owner { id user { username } }
      history(first: 10) { totalCount edges { node { action version at owner { id } transaction { id blockNumber creator { id } } } } }
    }
  }
`;

const ACCOUNT: TypedDocumentNode<{ account: AccountView | null }, { id: string }> = gql`
  query Account($id: ID!) {
    account(id: $id) {
      id balance updatedBlock
      transfers(first: 10) { edges { node { kind from to amount at transaction { id } } } }
    }
  }
`;

const TRANSFER: TypedDocumentNode<
  { transferTokens: { transactionId: string | null; blockNumber: string | null; indexed: boolean; account: { balance: string } | null } },
  { to: string; amount: string }
> = gql`
  mutation Pay($to: ID!, $amount: BigInt!) {
    transferTokens(input: { to: $to, amount: $amount }, options: { mode: SYNC }) { transactionId blockNumber indexed account { balance } }
  }
`;

const ACCOUNT_CHANGED: TypedDocumentNode<{ accountChanged: AccountEvent }, { id: string }> = gql`
  subscription AccountChanged($id: ID!) { accountChanged(id: $id) { id balance updatedBlock } }
`;

// ---------------------------------------------------------------------------------------------

export interface PortalSessionOptions {
  /** The GraphQL endpoint over HTTP, e.g. http://127.0.0.1:4000/graphql; WebSocket uses the same path. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** The account to pay; default: the owner of the first listed asset that is not the caller's. */
  readonly to?: string;
  /** Tokens to pay (a decimal string), default 1. */
  readonly amount?: string;
  /** How long to wait for the subscription event after the payment (default 30 s). */
  readonly eventTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface PortalSessionReport {
  readonly me: Me;
  readonly myAssets: { readonly totalCount: number; readonly ids: readonly string[] };
  readonly history: AssetDetail | null;
  readonly accountBefore: AccountView | null;
  readonly payment: { readonly to: string; readonly amount: string; readonly transactionId: string; readonly blockNumber: string; readonly indexed: boolean; readonly balance: string | null };
  /** The `accountChanged` event of the caller's account for the payment's block. */
  readonly event: AccountEvent;
  readonly accountAfter: AccountView | null;
}

/** The data of a result, or an error naming each GraphQL error's code. */
function dataOf<T>(operation: string, result: OperationResult<T>): T {
  if (result.error) {
    const details = result.error.graphQLErrors.map((e) => `${typeof e.extensions.code === 'string' ? e.extensions.code : 'NO_CODE'}: ${e.message}`);
    const network = result.error.networkError ? [`network: ${result.error.networkError.message}`] : [];
    throw new Error(`${operation} failed: ${[...details, ...network].join('; ')}`);
  }
  if (result.data === undefined) throw new Error(`${operation} returned no data`);
  return result.data;
}

/** One urql client for HTTP and WebSocket, authenticated with `token()` (null before login). */
function portalClient(url: string, token: () => string | null): { client: Client; websocket: WebSocketClient } {
  const bearer = (): Record<string, string> => {
    const current = token();
    return current === null ? {} : { authorization: `Bearer ${current}` };
  };
  const websocket = createWebSocketClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    lazy: true,
    // Read at every (re)connect, so a new token is used after a new login.
    connectionParams: bearer,
  });
  const client = new Client({
    url,
    // No document cache: every screen shows what the gateway has now.
    requestPolicy: 'network-only',
    preferGetMethod: false,
    fetchOptions: () => ({ headers: bearer() }),
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: websocket.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  return { client, websocket };
}

/** The first result of a subscription as a promise (rejects on a GraphQL error or after `timeoutMs`). */
function firstEvent<T>(
  source: { subscribe(onResult: (result: OperationResult<T>) => void): { unsubscribe(): void } },
  timeoutMs: number,
): { event: Promise<T>; cancel: () => void } {
  let cancel: () => void = () => undefined;
  const event = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cancel();
      reject(new Error(`no subscription event within ${timeoutMs} ms`));
    }, timeoutMs);
    const subscription = source.subscribe((result) => {
      cancel();
      try {
        resolve(dataOf('subscription', result));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    cancel = () => {
      clearTimeout(timer);
      subscription.unsubscribe();
    };
  });
  return { event, cancel };
}

type Log = (line: string) => void;

/** Screen "my assets", and the latest changes of anyone's assets (to find someone to pay). */
async function assetsScreen(client: Client, me: Me, log: Log): Promise<{ mine: AssetRow[]; totalCount: number; recent: AssetRow[] }> {
  const assets = dataOf('assets', await client.query(ASSETS, { owner: me.account }).toPromise());
  const mine = assets.mine.edges.map((e) => e.node);
  log(`my assets: ${assets.mine.totalCount}${mine.length > 0 ? ` (${mine.map((a) => `${a.id} v${a.version}`).join(', ')})` : ''}`);
  return { mine, totalCount: assets.mine.totalCount, recent: assets.recent.edges.map((e) => e.node) };
}

/** Screen "asset history". */
async function historyScreen(client: Client, id: string, log: Log): Promise<AssetDetail | null> {
  const { asset } = dataOf('asset', await client.query(ASSET_HISTORY, { id }).toPromise());
  if (!asset) return null;
  log(`history of ${asset.id} (${asset.kind}, owner ${asset.owner.id}), ${asset.history.totalCount} changes:`);
  for (const { node } of asset.history.edges) {
    log(`  v${node.version} ${node.action} by ${node.transaction.creator?.id ?? '?'} in block ${node.transaction.blockNumber} (${node.transaction.id.slice(0, 12)}…)`);
  }
  return asset;
}

/** Screen "balance and transfers". */
async function accountScreen(client: Client, me: Me, log: Log): Promise<AccountView | null> {
  const { account } = dataOf('account', await client.query(ACCOUNT, { id: me.account }).toPromise());
  log(`balance: ${account?.balance ?? '0 (no account yet)'}`);
  for (const { node } of account?.transfers.edges ?? []) log(`  ${node.kind} ${node.amount} ${node.from ?? '(mint)'} -> ${node.to}`);
  return account;
}

/** Pays `amount` to `to` (SYNC) while watching the caller's account; the event that follows. */
async function payAndWatch(client: Client, me: Me, to: string, amount: string, timeoutMs: number, log: Log): Promise<Pick<PortalSessionReport, 'payment' | 'event'>> {
  // Subscribed before paying; the gateway has registered it long before the payment's block is
  // indexed, since a SYNC write first waits for an orderer batch.
  const watched = firstEvent(client.subscription(ACCOUNT_CHANGED, { id: me.account }), timeoutMs);
  let paid: { transactionId: string | null; blockNumber: string | null; indexed: boolean; account: { balance: string } | null };
  try {
    paid = dataOf('transferTokens', await client.mutation(TRANSFER, { to, amount }).toPromise()).transferTokens;
  } catch (error) {
    watched.cancel();
    throw error;
  }
  if (paid.transactionId === null || paid.blockNumber === null) throw new Error('transferTokens returned no transaction');
  const payment = { to, amount, transactionId: paid.transactionId, blockNumber: paid.blockNumber, indexed: paid.indexed, balance: paid.account?.balance ?? null };
  log(`paid ${amount} to ${to}: transaction ${payment.transactionId.slice(0, 12)}… in block ${payment.blockNumber}, indexed ${payment.indexed}, balance now ${payment.balance ?? '?'}`);
  const event = (await watched.event).accountChanged;
  log(`accountChanged: ${event.id} balance ${event.balance} at block ${event.updatedBlock}`);
  return { payment, event };
}

export async function runPortalSession(options: PortalSessionOptions): Promise<PortalSessionReport> {
  const log = options.log ?? (() => undefined);
  let token: string | null = null;
  const { client, websocket } = portalClient(options.url, () => token);
  try {
    const login = dataOf('login', await client.mutation(LOGIN, { username: options.username, password: options.password }).toPromise()).login;
    token = login.token;
    const me = login.user;
    log(`signed in as ${me.username} (${me.role}), account ${me.account}`);
    const assets = await assetsScreen(client, me, log);
    // My first asset, else the most recently changed one.
    const shown = assets.mine[0] ?? assets.recent[0];
    const history = shown ? await historyScreen(client, shown.id, log) : null;
    const accountBefore = await accountScreen(client, me, log);
    const to = options.to ?? assets.recent.map((a) => a.owner.id).find((owner) => owner !== me.account);
    if (to === undefined) throw new Error('nobody to pay: no listed asset has another owner; pass --to <MSP ID>/<user>');
    const { payment, event } = await payAndWatch(client, me, to, options.amount ?? '1', options.eventTimeoutMs ?? 30_000, log);
    const accountAfter = await accountScreen(client, me, log);
    return { me, myAssets: { totalCount: assets.totalCount, ids: assets.mine.map((a) => a.id) }, history, accountBefore, payment, event, accountAfter };
  } finally {
    await websocket.dispose();
  }
}

async function main(argv: string[]): Promise<void> {
  const options = new Command('portal-client')
    .description('A portal session through @urql/core and graphql-ws: sign in, screens, a payment, its subscription event')
    .requiredOption('--url <url>', 'GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql')
    .requiredOption('--username <name>')
    .requiredOption('--password <password>')
    .option('--to <account>', 'account to pay, <MSP ID>/<user> (default: the owner of a listed asset that is not yours)')
    .option('--amount <n>', 'tokens to pay', '1')
    .parse(argv)
    .opts<{ url: string; username: string; password: string; to?: string; amount: string }>();
  await runPortalSession({ ...options, log: (line) => {
    console.log(line);
  } });
}

if (require.main === module) {
  main(process.argv).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
