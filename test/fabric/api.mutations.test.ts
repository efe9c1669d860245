import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { execute, parse, subscribe, type ExecutionResult, type GraphQLError } from 'graphql';
import { Pool } from 'pg';

import { createFailureLimiter, createTokenService, createUsersService, type Principal, type UsersService } from '../../src/auth';
import { isAppError, silentLogger, type Logger } from '../../src/common';
import { Secret, type SubmissionsConfig } from '../../src/config';
import { createGraphqlSchema, type GatewayServices, type GraphqlContext } from '../../src/graphql';
import { createFabricLedgerClient, type FabricLedgerClient } from '../../src/ledger';
import { caEndpointsFromProfiles, createCertificateAuthorities, createIdentityService, createWallet, createWalletCipher, type IdentityService } from '../../src/ledger/identities';
import { createLedgerEvents, createLoaders, createPrismaClient, createReadQueries, createSqlReader, type LedgerEvents, type PrismaClient, type SqlReader } from '../../src/store';
import { createSubmissionExecutor, createSubmissionQueue, createSubmissionService, type SubmissionQueue } from '../../src/submissions';
import { createIsolatedDatabase, type IsolatedDatabase } from '../db/isolatedDatabase';
import { dappConnectionProfiles } from './dappIdentities';
import { startSubmissionProcess } from './submissionProcess';
import { startSyncProcess, type SyncProcess } from './syncProcess';
import { testNetwork, TEST_CHAINCODE, TEST_CHANNEL, TEST_STATE_DIR } from './testNetwork';
import { uniqueId } from './waiting';

/**
 * Mutations, read-your-writes and subscriptions on the real stack: the Fabric network, the CAs
 * (users and their identities made by the users service), PostgreSQL, the sync worker and the
 * submitter as real processes. Operations run on the real executable schema in-process (graphql-js
 * execute/subscribe with a real context), two "gateway instances" each with its own database pool,
 * LedgerEvents and submission service.
 */
jest.setTimeout(300_000);

const PASSWORD = 'correct horse battery staple';
const walletKey = randomBytes(32);
const network = testNetwork();

const settings: SubmissionsConfig = {
  queueBound: 100,
  concurrency: 4,
  jobExpireSeconds: 60,
  retryLimit: 5,
  retryDelaySeconds: 1,
  maintenanceSeconds: 5,
  pollingSeconds: 1,
  inflightGraceMs: 45_000,
  duplicateWaitMs: 60_000,
};

interface Instance {
  readonly prisma: PrismaClient;
  readonly reader: SqlReader;
  readonly pool: Pool;
  readonly ledgerEvents: LedgerEvents;
  readonly queue: SubmissionQueue;
  readonly services: GatewayServices;
}

let db: IsolatedDatabase;
let adminPrisma: PrismaClient;
let identities: IdentityService;
let users: UsersService;
let ledger: FabricLedgerClient;
const instances: Instance[] = [];
const processes: (SyncProcess  )[] = [];
const timings: { committedMs: number; indexWaitMs: number }[] = [];
const schema = createGraphqlSchema();
const names = { admin: '', alice: '', bob: '' };
const principals: Record<'admin' | 'alice' | 'bob', Principal | undefined> = { admin: undefined, alice: undefined, bob: undefined };

/** Collects the commit / wait-for-index split that SYNC writes log. */
const timingLog: Logger = {
  debug: () => undefined,
  info: (fields) => {
    if (typeof fields.committedMs === 'number' && typeof fields.indexWaitMs === 'number') timings.push({ committedMs: fields.committedMs, indexWaitMs: fields.indexWaitMs });
  },
  warn: () => undefined,
  error: () => undefined,
  child: () => timingLog,
};

async function startInstance(): Promise<Instance> {
  const prisma = createPrismaClient({ databaseUrl: db.url, maxConnections: 4 });
  const reader = createSqlReader({ databaseUrl: db.url, maxConnections: 4 });
  const pool = new Pool({ connectionString: db.url, max: 6 });
  pool.on('error', () => undefined);
  const ledgerEvents = await createLedgerEvents({ databaseUrl: db.url, prisma });
  const queue = await createSubmissionQueue({ databaseUrl: db.url, config: settings, supervise: false });
  const executor = createSubmissionExecutor({ pool, ledger, loadIdentity: (label) => identities.load(label), inflightGraceMs: settings.inflightGraceMs });
  const domain = { channel: TEST_CHANNEL, chaincode: TEST_CHAINCODE };
  const services: GatewayServices = {
    domain,
    users,
    submissions: createSubmissionService({ pool, queue, executor, config: settings }),
    reads: createReadQueries({ sql: reader }),
    ledgerEvents,
    indexWaitMs: 20_000,
  };
  return { prisma, reader, pool, ledgerEvents, queue, services };
}

function context(principal: Principal | undefined, instance = instances[0]): GraphqlContext {
  if (!instance) throw new Error('no gateway instance');
  const { services } = instance;
  return { requestId: uniqueId('req'), log: timingLog, principal, loaders: createLoaders({ reads: services.reads, domain: services.domain }), services, clientAddress: '127.0.0.1' };
}

async function run(principal: Principal | undefined, query: string, variables: Record<string, unknown> = {}, instance = instances[0]): Promise<ExecutionResult> {
  return (await execute({ schema, document: parse(query), variableValues: variables, contextValue: context(principal, instance) }));
}

/** The data of a successful operation (fails the test with the errors otherwise). */
async function ok<T = Record<string, unknown>>(principal: Principal | undefined, query: string, variables: Record<string, unknown> = {}, instance = instances[0]): Promise<T> {
  const result = await run(principal, query, variables, instance);
  if (result.errors) throw new Error(`unexpected errors: ${result.errors.map((e) => `${e.message} (${String((e.originalError as { code?: string } | undefined)?.code)})`).join('; ')}`);
  return result.data as T;
}

async function failure(principal: Principal | undefined, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLError> {
  const result = await run(principal, query, variables);
  expect(result.errors).toHaveLength(1);
  return (result.errors ?? [])[0] as GraphQLError;
}

const codeOf = (error: GraphQLError | undefined): string | undefined => (error?.originalError as { code?: string } | undefined)?.code;

async function subscribeAs(principal: Principal | undefined, query: string, variables: Record<string, unknown> = {}): Promise<AsyncGenerator<ExecutionResult>> {
  const result = await subscribe({ schema, document: parse(query), variableValues: variables, contextValue: context(principal) });
  if (!(Symbol.asyncIterator in result)) throw Object.assign(new Error(`subscription refused: ${result.errors?.map((e) => e.message).join('; ') ?? ''}`), { result });
  return result;
}

/** The next `n` events, or a failure after `timeoutMs`. */
async function nextEvents(iterator: AsyncGenerator<ExecutionResult>, n: number, timeoutMs = 90_000, until?: (e: ExecutionResult) => boolean): Promise<ExecutionResult[]> {
  const out: ExecutionResult[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => { r('timeout'); }, Math.max(0, deadline - Date.now()))));
    const next = await Promise.race([iterator.next(), timeout]).finally(() => { clearTimeout(timer); });
    if (next === 'timeout') throw new Error(`${out.length} of ${n} events within ${timeoutMs} ms: ${JSON.stringify(out.map((e) => e.data))}`);
    if (next.done === true) break;
    out.push(next.value);
    if (until?.(next.value)) break;
  }
  return out;
}

const LOGIN = 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token expiresAt user { username role } } }';
const ASSET_FIELDS = 'submission { id status mode idempotencyKey transactionId blockNumber } transactionId blockNumber indexed asset { id kind version attributes deleted updatedBlock owner { id } }';
const CREATE = `mutation($id: ID!, $attributes: JSON!, $options: SubmitOptions) { createAsset(input: { id: $id, kind: "car", attributes: $attributes }, options: $options) { ${ASSET_FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $attributes: JSON!, $options: SubmitOptions) { updateAsset(input: { id: $id, attributes: $attributes }, options: $options) { ${ASSET_FIELDS} } }`;
const ACCOUNT_FIELDS = 'submission { id status } transactionId blockNumber indexed account { id balance }';

interface AssetPayload {
  submission: { id: string; status: string; mode: string; idempotencyKey: string | null; transactionId: string | null; blockNumber: string | null };
  transactionId: string | null;
  blockNumber: string | null;
  indexed: boolean;
  asset: { id: string; kind: string; version: number; attributes: unknown; deleted: boolean; updatedBlock: string; owner: { id: string } } | null;
}

beforeAll(async () => {
  db = await createIsolatedDatabase('fabric_api_mutations');
  adminPrisma = createPrismaClient({ databaseUrl: db.url, maxConnections: 3 });
  const endpoints = await caEndpointsFromProfiles(['org1', 'org2'].map((org) => path.join(TEST_STATE_DIR, `connection-${org}.json`)));
  const cas = createCertificateAuthorities({ endpoints, registrarId: 'admin', registrarSecret: new Secret('adminpw'), log: silentLogger });
  const wallet = createWallet({ prisma: adminPrisma, cipher: createWalletCipher({ version: 1, key: new Secret(walletKey) }) });
  identities = createIdentityService({ wallet, cas, log: silentLogger, renewWithinMs: 30 * 86_400_000 });
  users = createUsersService({
    prisma: adminPrisma,
    identities,
    log: silentLogger,
    tokens: createTokenService({ secret: new Secret(randomBytes(32)), issuer: 'ledger-gateway', audience: 'ledger-gateway-api', ttlSeconds: 900 }),
    userLimiter: createFailureLimiter({ maxFailures: 5, windowMs: 60_000 }),
    addressLimiter: createFailureLimiter({ maxFailures: 50, windowMs: 60_000 }),
    config: { passwordMinLength: 12, defaultMspId: 'Org1MSP', bootstrapAdmin: undefined },
  });
  ledger = createFabricLedgerClient({
    connectionProfiles: dappConnectionProfiles(network),
    asLocalhost: true,
    timeouts: { endorseMs: 20_000, orderMs: 10_000, commitMs: 60_000, evaluateMs: 10_000, connectMs: 5000 },
  });
  processes.push(startSyncProcess({ databaseUrl: db.url, channels: [TEST_CHANNEL] }));
  processes.push(startSubmissionProcess({ databaseUrl: db.url, walletKey: walletKey.toString('base64'), env: { SUBMITTER_POLLING_SECONDS: '1', SUBMITTER_CONCURRENCY: '4' } }));
  instances.push(await startInstance(), await startInstance());

  // The first admin comes from the users service (as the bootstrap admin would); the rest through the API.
  names.admin = uniqueId('root').toLowerCase();
  names.alice = uniqueId('alice').toLowerCase();
  names.bob = uniqueId('bob').toLowerCase();
  await users.createUser({ username: names.admin, password: PASSWORD, role: 'ADMIN' });
  const login = async (username: string): Promise<Principal> => {
    const data = await ok<{ login: { token: string } }>(undefined, LOGIN, { u: username, p: PASSWORD });
    return users.authenticate(data.login.token);
  };
  principals.admin = await login(names.admin);
  for (const who of ['alice', 'bob'] as const) {
    const created = await ok<{ registerUser: { username: string; role: string; account: string } }>(
      principals.admin,
      'mutation($u: String!, $p: String!) { registerUser(input: { username: $u, password: $p }) { username role account } }',
      { u: names[who], p: PASSWORD },
    );
    expect(created.registerUser).toEqual({ username: names[who], role: 'USER', account: `Org1MSP/${names[who]}` });
    principals[who] = await login(names[who]);
  }
});

afterAll(async () => {
  for (const p of processes) await p.kill('SIGTERM');
  for (const i of instances) {
    await i.ledgerEvents.close();
    await i.queue.stop();
    await i.pool.end();
    await i.prisma.$disconnect();
    await i.reader.end();
  }
  await ledger.close();
  await adminPrisma.$disconnect();
  await db.drop();
  if (timings.length > 0) {
    const sorted = (k: 'committedMs' | 'indexWaitMs'): number[] => timings.map((t) => t[k]).sort((a, b) => a - b);
    const median = (xs: number[]): number => xs[Math.floor(xs.length / 2)] ?? NaN;
    process.stderr.write(
      `[api.mutations] SYNC writes: ${timings.length}; commit median ${median(sorted('committedMs'))} ms (max ${Math.max(...sorted('committedMs'))}), ` +
        `wait-for-index median ${median(sorted('indexWaitMs'))} ms (max ${Math.max(...sorted('indexWaitMs'))})\n`,
    );
  }
});

test('login and registerUser: a bad password is UNAUTHENTICATED; registerUser needs an ADMIN', async () => {
  expect(codeOf(await failure(undefined, LOGIN, { u: names.alice, p: 'wrong password, long enough' }))).toBe('UNAUTHENTICATED');
  const data = await ok<{ login: { user: { username: string; role: string } } }>(undefined, LOGIN, { u: names.alice, p: PASSWORD });
  expect(data.login.user).toEqual({ username: names.alice, role: 'USER' });
  expect(codeOf(await failure(principals.alice, 'mutation { registerUser(input: { username: "mallory-x", password: "correct horse battery" }) { id } }'))).toBe('FORBIDDEN');
});

test('createAsset SYNC: committed and indexed, the asset read back with tx id and block; the same id again is ASSET_EXISTS', async () => {
  const id = uniqueId('car');
  const started = Date.now();
  const { createAsset } = await ok<{ createAsset: AssetPayload }>(principals.alice, CREATE, { id, attributes: { colour: 'blue' } });
  const elapsed = Date.now() - started;
  expect(createAsset).toMatchObject({
    indexed: true,
    submission: { status: 'COMMITTED', mode: 'SYNC' },
    asset: { id, kind: 'car', version: 1, attributes: { colour: 'blue' }, deleted: false, owner: { id: `Org1MSP/${names.alice}` } },
  });
  expect(createAsset.transactionId).toMatch(/^[0-9a-f]{64}$/);
  expect(createAsset.asset?.updatedBlock).toBe(createAsset.blockNumber);
  expect(createAsset.submission.transactionId).toBe(createAsset.transactionId);
  process.stderr.write(`[api.mutations] createAsset SYNC round trip ${elapsed} ms\n`);

  const again = await failure(principals.alice, CREATE, { id, attributes: {} });
  expect(codeOf(again)).toBe('ASSET_EXISTS');
  expect(again.message).toMatch(/^ASSET_EXISTS: /);
});

test('read-your-writes across two gateway instances: a SYNC update on one is seen at once by the other', async () => {
  const id = uniqueId('ryw');
  await ok(principals.alice, CREATE, { id, attributes: { n: 0 } }, instances[0]);
  for (let n = 1; n <= 3; n++) {
    const { updateAsset } = await ok<{ updateAsset: AssetPayload }>(principals.alice, UPDATE, { id, attributes: { n } }, instances[0]);
    expect(updateAsset.indexed).toBe(true);
    const seen = await ok<{ asset: { version: number; attributes: unknown } }>(principals.bob, 'query($id: ID!) { asset(id: $id) { version attributes } }', { id }, instances[1]);
    expect(seen.asset).toEqual({ version: n + 1, attributes: { n } });
  }
});

test('idempotency: the same key twice is one transaction and one submission', async () => {
  const id = uniqueId('idem');
  const options = { idempotencyKey: `create-${id}` };
  const first = await ok<{ createAsset: AssetPayload }>(principals.alice, CREATE, { id, attributes: { k: 1 }, options });
  const second = await ok<{ createAsset: AssetPayload }>(principals.alice, CREATE, { id, attributes: { k: 1 }, options }, instances[1]);
  expect(second.createAsset.submission.id).toBe(first.createAsset.submission.id);
  expect(second.createAsset.transactionId).toBe(first.createAsset.transactionId);
  expect(second.createAsset.asset?.version).toBe(1);
  const history = await adminPrisma.assetHistory.count({ where: { channel: TEST_CHANNEL, assetId: id } });
  expect(history).toBe(1);
  // The same key with other arguments is a CONFLICT.
  expect(codeOf(await failure(principals.alice, CREATE, { id, attributes: { k: 2 }, options }))).toBe('CONFLICT');
});

test('ASYNC: the submission at once, then submissionUpdated to COMMITTED (owner only; another user NOT_FOUND)', async () => {
  const id = uniqueId('async');
  await ok(principals.alice, CREATE, { id, attributes: {} });
  const { updateAsset } = await ok<{ updateAsset: AssetPayload }>(principals.alice, UPDATE, { id, attributes: { async: true }, options: { mode: 'ASYNC' } });
  expect(updateAsset).toMatchObject({ indexed: false, asset: null, transactionId: null, submission: { status: 'QUEUED', mode: 'ASYNC' } });
  const submissionId = updateAsset.submission.id;

  const other = await subscribe({ schema, document: parse('subscription($id: ID!) { submissionUpdated(id: $id) { id } }'), variableValues: { id: submissionId }, contextValue: context(principals.bob) });
  expect(Symbol.asyncIterator in other ? undefined : codeOf(other.errors?.[0])).toBe('NOT_FOUND');

  const updates = await subscribeAs(principals.alice, 'subscription($id: ID!) { submissionUpdated(id: $id) { id status transactionId blockNumber } }', { id: submissionId });
  const events = await nextEvents(updates, 10, 120_000, (e) => (e.data as { submissionUpdated: { status: string } }).submissionUpdated.status === 'COMMITTED');
  const statuses = events.map((e) => (e.data as { submissionUpdated: { status: string } }).submissionUpdated.status);
  expect(statuses[statuses.length - 1]).toBe('COMMITTED');
  // The stream ends after the final status.
  await expect(updates.next()).resolves.toMatchObject({ done: true });
  const final = await ok<{ submission: { status: string; transactionId: string } }>(principals.alice, 'query($id: ID!) { submission(id: $id) { status transactionId } }', { id: submissionId });
  expect(final.submission.status).toBe('COMMITTED');
  expect(codeOf(await failure(principals.bob, 'query($id: ID!) { submission(id: $id) { status } }', { id: submissionId }))).toBe('NOT_FOUND');
  await ok(principals.admin, 'query($id: ID!) { submission(id: $id) { status } }', { id: submissionId });
});

test('tokens: mint (ADMIN; FORBIDDEN for a USER), transfer, INSUFFICIENT_FUNDS; accountChanged for the owner only', async () => {
  const aliceAccount = `Org1MSP/${names.alice}`;
  const bobAccount = `Org1MSP/${names.bob}`;
  const mint = `mutation($a: ID!, $n: BigInt!) { mintTokens(input: { account: $a, amount: $n }) { ${ACCOUNT_FIELDS} } }`;
  const transfer = `mutation($to: ID!, $n: BigInt!) { transferTokens(input: { to: $to, amount: $n }) { ${ACCOUNT_FIELDS} } }`;
  expect(codeOf(await failure(principals.alice, mint, { a: aliceAccount, n: '100' }))).toBe('FORBIDDEN');

  const watching = await subscribeAs(principals.bob, 'subscription($id: ID!) { accountChanged(id: $id) { id balance } }', { id: bobAccount });
  await expect(subscribeAs(principals.alice, 'subscription($id: ID!) { accountChanged(id: $id) { id balance } }', { id: bobAccount })).rejects.toThrow(/owner and admins/);

  const minted = await ok<{ mintTokens: { indexed: boolean; account: { id: string; balance: string } } }>(principals.admin, mint, { a: aliceAccount, n: '100' });
  expect(minted.mintTokens).toMatchObject({ indexed: true, account: { id: aliceAccount, balance: '100' } });
  const sent = await ok<{ transferTokens: { indexed: boolean; account: { id: string; balance: string } } }>(principals.alice, transfer, { to: bobAccount, n: '30' });
  expect(sent.transferTokens).toMatchObject({ indexed: true, account: { id: aliceAccount, balance: '70' } });
  const [event] = await nextEvents(watching, 1);
  expect(event?.data).toEqual({ accountChanged: { id: bobAccount, balance: '30' } });
  await watching.return(undefined);

  const refused = await failure(principals.alice, transfer, { to: bobAccount, n: '71' });
  expect(codeOf(refused)).toBe('INSUFFICIENT_FUNDS');
});

test("assetChanged: bob sees alice's change; the chaincode refuses bob's own update (FORBIDDEN); blockIndexed gives the block", async () => {
  const id = uniqueId('watched');
  await ok(principals.alice, CREATE, { id, attributes: { v: 1 } });
  const changes = await subscribeAs(principals.bob, 'subscription($id: ID!) { assetChanged(id: $id) { id version attributes owner { id } } }', { id });
  const blocks = await subscribeAs(principals.bob, 'subscription { blockIndexed { channel number txCount } }');
  const { updateAsset } = await ok<{ updateAsset: AssetPayload }>(principals.alice, UPDATE, { id, attributes: { v: 2 } });
  const [event] = await nextEvents(changes, 1);
  expect(event?.data).toEqual({ assetChanged: { id, version: 2, attributes: { v: 2 }, owner: { id: `Org1MSP/${names.alice}` } } });
  const blockEvents = await nextEvents(blocks, 50, 60_000, (e) => (e.data as { blockIndexed: { number: string } }).blockIndexed.number === updateAsset.blockNumber);
  expect(blockEvents[blockEvents.length - 1]?.data).toMatchObject({ blockIndexed: { channel: TEST_CHANNEL, number: updateAsset.blockNumber } });
  expect((blockEvents[blockEvents.length - 1]?.data as { blockIndexed: { txCount: number } }).blockIndexed.txCount).toBeGreaterThanOrEqual(1);

  const refused = await failure(principals.bob, UPDATE, { id, attributes: { v: 'bob' } });
  expect(codeOf(refused)).toBe('FORBIDDEN');
  expect(isAppError(refused.originalError)).toBe(true);
  await changes.return(undefined);
  await blocks.return(undefined);
  // Anonymous subscriptions are refused by the resolver too.
  await expect(subscribeAs(undefined, 'subscription { blockIndexed { number } }')).rejects.toThrow(/sign in/);
});
