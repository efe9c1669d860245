import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

import { createIsolatedDatabase, type IsolatedDatabase } from '../db/isolatedDatabase';
import { startGatewayProcess, type GatewayProcess } from './gatewayProcess';
import { uniqueId } from './waiting';

/**
 * The key mutation cases through two real gateway processes (`serve --role all` and `serve --role
 * gateway` on one database, like two replicas behind a load balancer), over HTTP and WebSocket:
 * a SYNC write on one is read at once on the other, and the other's WebSocket subscribers get
 * the change and the ASYNC submission's progress.
 */
jest.setTimeout(300_000);

const PASSWORD = 'correct horse battery staple';

let db: IsolatedDatabase;
let one: GatewayProcess;
let two: GatewayProcess;
const clients: Client[] = [];
const tokens = { alice: '', bob: '' };
const names = { alice: uniqueId('halice').toLowerCase(), bob: uniqueId('hbob').toLowerCase() };

function wsClient(gateway: GatewayProcess, token: string): Client {
  const client = createClient({ url: gateway.websocketUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false });
  clients.push(client);
  return client;
}

/** Reads `iterator` until `done` says so, or fails after `timeoutMs`. */
async function until<T>(iterator: AsyncIterator<T>, done: (value: T) => boolean, timeoutMs = 90_000): Promise<T[]> {
  const seen: T[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => { r('timeout'); }, Math.max(0, deadline - Date.now()))));
    const next = await Promise.race([iterator.next(), timeout]).finally(() => { clearTimeout(timer); });
    if (next === 'timeout') throw new Error(`not done within ${timeoutMs} ms: ${JSON.stringify(seen)}`);
    if (next.done === true) throw new Error(`the stream ended: ${JSON.stringify(seen)}`);
    seen.push(next.value);
    if (done(next.value)) return seen;
  }
}

beforeAll(async () => {
  db = await createIsolatedDatabase('fabric_api_http');
  one = await startGatewayProcess({ databaseUrl: db.url, role: 'all' });
  two = await startGatewayProcess({ databaseUrl: db.url, role: 'gateway', walletKey: one.walletKey, jwtSecret: one.jwtSecret, adminUsername: one.admin.username });
  const admin = await one.login();
  for (const who of ['alice', 'bob'] as const) {
    const reply = await one.graphql('mutation($u: String!, $p: String!) { registerUser(input: { username: $u, password: $p }) { username } }', { u: names[who], p: PASSWORD }, admin);
    expect(reply.errors).toBeUndefined();
    tokens[who] = await two.login(names[who], PASSWORD);
  }
});

afterAll(async () => {
  for (const c of clients) await c.dispose();
  await two.stop();
  await one.stop();
  await db.drop();
});

test('SYNC createAsset on one gateway, read at once on the other; bob subscribed on the other sees alice’s update', async () => {
  const id = uniqueId('http');
  const created = await one.graphql<{ createAsset: { indexed: boolean; transactionId: string; blockNumber: string; asset: { version: number } } }>(
    'mutation($id: ID!) { createAsset(input: { id: $id, kind: "car", attributes: { colour: "red" } }) { indexed transactionId blockNumber asset { version } } }',
    { id },
    tokens.alice,
  );
  expect(created.errors).toBeUndefined();
  expect(created.data?.createAsset).toMatchObject({ indexed: true, asset: { version: 1 } });
  expect(created.data?.createAsset.transactionId).toMatch(/^[0-9a-f]{64}$/);
  const read = await two.graphql<{ asset: { version: number; attributes: unknown } }>('query($id: ID!) { asset(id: $id) { version attributes } }', { id }, tokens.bob);
  expect(read.data?.asset).toEqual({ version: 1, attributes: { colour: 'red' } });

  const changes = wsClient(two, tokens.bob).iterate<{ assetChanged: { version: number; attributes: unknown } }>({ query: 'subscription($id: ID!) { assetChanged(id: $id) { version attributes } }', variables: { id } });
  // The subscription is registered once the server has it; a short pause keeps the test simple.
  await new Promise((r) => setTimeout(r, 1000));
  const updated = await one.graphql('mutation($id: ID!) { updateAsset(input: { id: $id, attributes: { colour: "green" } }) { indexed } }', { id }, tokens.alice);
  expect(updated.errors).toBeUndefined();
  const [event] = await until(changes, () => true);
  expect(event?.data?.assetChanged).toEqual({ version: 2, attributes: { colour: 'green' } });
  await changes.return?.();

  const exists = await two.graphql('mutation($id: ID!) { createAsset(input: { id: $id, kind: "car", attributes: {} }) { indexed } }', { id }, tokens.alice);
  expect(exists.errors?.[0]?.extensions?.code).toBe('ASSET_EXISTS');
  const bad = await two.graphql('mutation { createAsset(input: { id: "bad id", kind: "car", attributes: {} }) { indexed } }', {}, tokens.alice);
  expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(bad.errors?.[0]?.message).toMatch(/^input\.id: /);
});

test('ASYNC on one gateway, followed to COMMITTED by submissionUpdated over WebSocket on the other', async () => {
  const id = uniqueId('hasync');
  const queued = await one.graphql<{ createAsset: { indexed: boolean; submission: { id: string; status: string } } }>(
    'mutation($id: ID!) { createAsset(input: { id: $id, kind: "car", attributes: {} }, options: { mode: ASYNC }) { indexed submission { id status } } }',
    { id },
    tokens.alice,
  );
  expect(queued.data?.createAsset).toMatchObject({ indexed: false, submission: { status: 'QUEUED' } });
  const submissionId = queued.data?.createAsset.submission.id ?? '';
  const updates = wsClient(two, tokens.alice).iterate<{ submissionUpdated: { status: string; transactionId: string | null } }>({
    query: 'subscription($id: ID!) { submissionUpdated(id: $id) { status transactionId } }',
    variables: { id: submissionId },
  });
  const seen = await until(updates, (e) => e.data?.submissionUpdated.status === 'COMMITTED', 120_000);
  expect(seen[seen.length - 1]?.data?.submissionUpdated.transactionId).toMatch(/^[0-9a-f]{64}$/);
  await updates.return?.();
});
