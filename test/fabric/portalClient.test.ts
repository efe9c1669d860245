import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { createIsolatedDatabase, type IsolatedDatabase } from '../db/isolatedDatabase';
import { startGatewayProcess, type GatewayProcess } from './gatewayProcess';
import { runPortalSession } from './portalClient';
import { TEST_STATE_DIR } from './testNetwork';
import { uniqueId } from './waiting';

/**
 * The example portal client (./portalClient.ts: @urql/core + the graphql-ws client) against the
 * real stack: `serve --role all` as a process on the test network and a fresh database. An admin
 * registers two users and mints tokens to the first, who owns an asset; the client, signed in as
 * that user, goes through the portal's screens, pays the second user and gets its own account's
 * `accountChanged` event. Then the script runs as a command (`npm run example:client`) for the
 * second user paying part of it back.
 */
jest.setTimeout(300_000);

const repoRoot = path.resolve(__dirname, '..', '..');
const PASSWORD = 'portal client password';
const run = promisify(execFile);

let db: IsolatedDatabase;
let gateway: GatewayProcess;
let adminToken: string;
const alice = { username: '', account: '' };
const bob = { username: '', account: '' };
let assetId: string;

async function ok<T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const reply = await gateway.graphql<T>(query, variables, token);
  if (reply.errors || !reply.data) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(reply.errors)}`);
  return reply.data;
}

async function register(username: string): Promise<string> {
  const data = await ok<{ registerUser: { account: string } }>(
    'mutation ($u: String!, $p: String!) { registerUser(input: { username: $u, password: $p }) { account } }',
    { u: username, p: PASSWORD },
    adminToken,
  );
  return data.registerUser.account;
}

beforeAll(async () => {
  db = await createIsolatedDatabase('portal_client');
  gateway = await startGatewayProcess({ databaseUrl: db.url });
  adminToken = await gateway.login();
  alice.username = uniqueId('alice');
  bob.username = uniqueId('bob');
  alice.account = await register(alice.username);
  bob.account = await register(bob.username);
  await ok('mutation ($a: ID!) { mintTokens(input: { account: $a, amount: "100" }) { indexed } }', { a: alice.account }, adminToken);
  const aliceToken = await gateway.login(alice.username, PASSWORD);
  assetId = uniqueId('bike');
  await ok('mutation ($id: ID!) { createAsset(input: { id: $id, kind: "bike", attributes: { colour: "red" } }) { indexed } }', { id: assetId }, aliceToken);
  await ok('mutation ($id: ID!) { updateAsset(input: { id: $id, attributes: { colour: "green" } }) { indexed } }', { id: assetId }, aliceToken);
});

afterAll(async () => {
  await gateway.stop();
  await db.drop();
});

test('a portal session: screens, a payment, and the account event it causes', async () => {
  const lines: string[] = [];
  const report = await runPortalSession({ url: gateway.graphqlUrl, username: alice.username, password: PASSWORD, to: bob.account, amount: '7', log: (l) => lines.push(l) });

  expect(report.me).toEqual({ username: alice.username, role: 'USER', account: alice.account });
  expect(report.myAssets).toEqual({ totalCount: 1, ids: [assetId] });
  expect(report.history?.id).toBe(assetId);
  expect(report.history?.owner).toEqual({ id: alice.account, user: { username: alice.username } });
  expect(report.history?.history.edges.map((e) => [e.node.action, e.node.version, e.node.transaction.creator?.id])).toEqual([
    ['UPDATED', 2, alice.account],
    ['CREATED', 1, alice.account],
  ]);
  expect(report.accountBefore?.balance).toBe('100');
  expect(report.accountBefore?.transfers.edges.map((e) => [e.node.kind, e.node.from, e.node.amount])).toEqual([['MINT', null, '100']]);

  expect(report.payment).toMatchObject({ to: bob.account, amount: '7', indexed: true, balance: '93' });
  expect(report.event).toEqual({ id: alice.account, balance: '93', updatedBlock: report.payment.blockNumber });
  expect(report.accountAfter?.balance).toBe('93');
  expect(report.accountAfter?.transfers.edges[0]?.node).toMatchObject({ kind: 'TRANSFER', from: alice.account, to: bob.account, amount: '7', transaction: { id: report.payment.transactionId } });
  expect(lines.some((l) => l.startsWith('accountChanged:'))).toBe(true);
});

test('runnable alone: the command pays back and prints the event', async () => {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'test', 'fabric', 'portalClient.ts'), '--url', gateway.graphqlUrl, '--username', bob.username, '--password', PASSWORD, '--to', alice.account, '--amount', '2'],
    { cwd: repoRoot, env: { ...process.env, FABRIC_STATE_DIR: TEST_STATE_DIR }, timeout: 120_000 },
  );
  expect(stdout).toContain(`signed in as ${bob.username} (USER), account ${bob.account}`);
  expect(stdout).toContain('balance: 7');
  expect(stdout).toMatch(new RegExp(`paid 2 to ${alice.account}: .* indexed true, balance now 5`));
  expect(stdout).toMatch(new RegExp(`accountChanged: ${bob.account} balance 5 at block \\d+`));
});
