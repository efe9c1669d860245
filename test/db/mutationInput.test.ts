import { execute, parse, type ExecutionResult, type GraphQLError } from 'graphql';
import { Pool } from 'pg';

import type { Principal, UsersService } from '../../src/auth';
import { isAppError, silentLogger } from '../../src/common';
import { createGraphqlSchema, type GraphqlContext } from '../../src/graphql';
import { createLedgerEvents, createLoaders, createPrismaClient, createReadQueries, createSqlReader, type LedgerEvents, type PrismaClient, type SqlReader } from '../../src/store';
import { createSubmissionService, type SubmissionExecutor, type SubmissionRow } from '../../src/submissions';
import { createIsolatedDatabase, type IsolatedDatabase } from './isolatedDatabase';

/**
 * Mutation arguments on the real executable schema and a real submissions table: every bad
 * argument is BAD_USER_INPUT naming the field, and nothing is recorded. The ledger is not reached
 * (the executor stands in: it records a chaincode refusal, to show the error mapping).
 */
jest.setTimeout(60_000);

const domain = { channel: 'mychannel', chaincode: 'sample' };
const alice: Principal = { userId: 'u-alice', username: 'alice', role: 'USER', mspId: 'Org1MSP', identityLabel: 'Org1MSP/alice' };
const admin: Principal = { ...alice, userId: 'u-admin', username: 'root', role: 'ADMIN', identityLabel: 'Org1MSP/root' };
const noIdentity: Principal = { ...alice, userId: 'u-none', identityLabel: undefined };

let db: IsolatedDatabase;
let pool: Pool;
let prisma: PrismaClient;
let reader: SqlReader;
let ledgerEvents: LedgerEvents;
let executed = 0;
const schema = createGraphqlSchema();

/** Refuses every submission the way the chaincode refuses an id in use. */
const executor: SubmissionExecutor = {
  async execute(id) {
    executed += 1;
    const r = await pool.query<SubmissionRow>(
      `UPDATE submissions SET status = 'FAILED', error_code = 'ASSET_EXISTS', error_message = $2, completed_at = now() WHERE id = $1 RETURNING *`,
      [id, 'endorsement failed: chaincode response 500, ASSET_EXISTS: asset a1 already exists'],
    );
    return r.rows[0] as SubmissionRow;
  },
  settleAbandoned: () => Promise.reject(new Error('not used')),
};

async function run(principal: Principal | undefined, query: string, variables: Record<string, unknown> = {}): Promise<ExecutionResult> {
  const reads = createReadQueries({ sql: reader });
  const context: GraphqlContext = {
    requestId: 'test',
    log: silentLogger,
    principal,
    loaders: createLoaders({ reads, domain }),
    services: {
      domain,
      users: {} as UsersService,
      submissions: createSubmissionService({ pool, queue: { enqueue: () => Promise.resolve() }, executor, config: { queueBound: 10, duplicateWaitMs: 1000 } }),
      reads,
      ledgerEvents,
      indexWaitMs: 500,
    },
  };
  return (await execute({ schema, document: parse(query), variableValues: variables, contextValue: context }));
}

function onlyError(result: ExecutionResult): GraphQLError {
  expect(result.errors).toHaveLength(1);
  return (result.errors ?? [])[0] as GraphQLError;
}

async function recorded(): Promise<number> {
  return (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM submissions')).rows[0]?.n ?? -1;
}

const CREATE = 'mutation($id: ID!, $kind: String!, $attributes: JSON!, $key: String) { createAsset(input: { id: $id, kind: $kind, attributes: $attributes }, options: { idempotencyKey: $key }) { indexed } }';
const good = { id: 'a1', kind: 'car', attributes: { colour: 'blue' } };

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 0; i < depth; i++) value = { d: value };
  return value;
}

beforeAll(async () => {
  db = await createIsolatedDatabase('mutation_input');
  pool = new Pool({ connectionString: db.url, max: 4 });
  prisma = createPrismaClient({ databaseUrl: db.url, maxConnections: 2 });
  reader = createSqlReader({ databaseUrl: db.url, maxConnections: 2 });
  ledgerEvents = await createLedgerEvents({ databaseUrl: db.url, prisma });
});

afterAll(async () => {
  await ledgerEvents.close();
  await prisma.$disconnect();
  await reader.end();
  await pool.end();
  await db.drop();
});

test.each([
  ['input.id', CREATE, { ...good, id: 'has space' }],
  ['input.id', CREATE, { ...good, id: 'x'.repeat(65) }],
  ['input.kind', CREATE, { ...good, kind: '' }],
  ['input.attributes', CREATE, { ...good, attributes: [1, 2] }],
  ['input.attributes', CREATE, { ...good, attributes: 'text' }],
  ['input.attributes', CREATE, { ...good, attributes: null }],
  ['input.attributes', CREATE, { ...good, attributes: { big: 'x'.repeat(16 * 1024) } }],
  ['input.attributes', CREATE, { ...good, attributes: nested(40) }],
  ['options.idempotencyKey', CREATE, { ...good, key: 'k'.repeat(201) }],
  ['options.idempotencyKey', CREATE, { ...good, key: '' }],
  ['input.newOwner', 'mutation { transferAsset(input: { id: "a1", newOwner: "nobody" }) { indexed } }', {}],
  ['input.newOwner', 'mutation { transferAsset(input: { id: "a1", newOwner: "Org1MSP/a/b" }) { indexed } }', {}],
  ['input.to', 'mutation { transferTokens(input: { to: "Org1MSP/alice", amount: "5" }) { indexed } }', {}],
  ['input.amount', 'mutation { transferTokens(input: { to: "Org1MSP/bob", amount: "0" }) { indexed } }', {}],
  ['input.amount', 'mutation { transferTokens(input: { to: "Org1MSP/bob", amount: "-3" }) { indexed } }', {}],
  ['input.id', 'mutation { deleteAsset(input: { id: "" }) { indexed } }', {}],
])('%s refused (case %#)', async (field, query, variables) => {
  const result = await run(alice, query, variables);
  const error = onlyError(result);
  // null for a non-null JSON argument is refused by GraphQL itself, before any resolver.
  if ('attributes' in variables && variables.attributes === null) {
    expect(error.message).toMatch(/\$attributes/);
  } else {
    expect(isAppError(error.originalError, 'BAD_USER_INPUT')).toBe(true);
    expect((error.originalError as { details?: { field?: string } }).details?.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  }
  expect(await recorded()).toBe(0);
  expect(executed).toBe(0);
});

test('an amount beyond 64 bits is refused by the BigInt scalar (BAD_USER_INPUT), nothing recorded', async () => {
  const result = await run(admin, 'mutation($a: BigInt!) { mintTokens(input: { account: "Org1MSP/bob", amount: $a }) { indexed } }', { a: '18446744073709551616' });
  expect(onlyError(result).extensions.code).toBe('BAD_USER_INPUT');
  expect(await recorded()).toBe(0);
});

test('who may write: anonymous UNAUTHENTICATED, no identity FORBIDDEN, mint by a USER FORBIDDEN; nothing recorded', async () => {
  const expectCode = async (principal: Principal | undefined, query: string, code: string, message?: RegExp): Promise<void> => {
    const error = onlyError(await run(principal, query, good));
    expect(isAppError(error.originalError, code as never)).toBe(true);
    if (message) expect(error.message).toMatch(message);
  };
  await expectCode(undefined, CREATE, 'UNAUTHENTICATED');
  await expectCode(noIdentity, CREATE, 'FORBIDDEN', /no Fabric identity/);
  await expectCode(alice, 'mutation { mintTokens(input: { account: "Org1MSP/alice", amount: "5" }) { indexed } }', 'FORBIDDEN');
  await expectCode(alice, 'mutation { registerUser(input: { username: "bob", password: "long enough password" }) { id } }', 'FORBIDDEN');
  await expectCode(undefined, 'query { submission(id: "7b0c5a36-0a36-4a52-9c7b-0d6c5a9f3e11") { id } }', 'UNAUTHENTICATED');
  expect(await recorded()).toBe(0);
});

test('good input is recorded and sent; a chaincode refusal comes back as its code, from the code on', async () => {
  const error = onlyError(await run(alice, CREATE, { ...good, key: 'k1' }));
  expect(isAppError(error.originalError, 'ASSET_EXISTS')).toBe(true);
  expect(error.message).toBe('ASSET_EXISTS: asset a1 already exists');
  expect(await recorded()).toBe(1);
  expect(executed).toBe(1);
  const row = (await pool.query<{ id: string; function: string; arguments: string[] }>('SELECT id, function, arguments FROM submissions')).rows[0];
  expect(row).toMatchObject({ function: 'CreateAsset', arguments: ['a1', 'car', '{"colour":"blue"}'] });

  // Its caller sees it; another user gets NOT_FOUND, as for an id that does not exist; an admin sees it.
  const q = `query { submission(id: "${row?.id ?? ''}") { id status errorCode function chaincode transactionId } }`;
  expect((await run(alice, q)).data).toEqual({ submission: { id: row?.id, status: 'FAILED', errorCode: 'ASSET_EXISTS', function: 'assets:CreateAsset', chaincode: 'sample', transactionId: null } });
  expect(isAppError(onlyError(await run({ ...alice, userId: 'u-bob' }, q)).originalError, 'NOT_FOUND')).toBe(true);
  expect((await run(admin, q)).data).toMatchObject({ submission: { id: row?.id } });
  expect(isAppError(onlyError(await run(alice, 'query { submission(id: "nope") { id } }')).originalError, 'NOT_FOUND')).toBe(true);
});
