import { randomBytes } from 'node:crypto';

import { createFailureLimiter, createTokenService, createUsersService, createUsersServiceFromConfig, type UsersService } from '../../src/auth';
import { AppError, silentLogger } from '../../src/common';
import { ConfigError, loadConfig, Secret } from '../../src/config';
import { createPrismaClient, type PrismaClient } from '../../src/store';
import { fakeIdentities, type FakeIdentities } from './authFakes';
import { createIsolatedDatabase, type IsolatedDatabase } from './isolatedDatabase';

/**
 * Users against a real, freshly migrated PostgreSQL database; the Fabric side is a stand-in
 * (authFakes.ts), the real CA is exercised in test/fabric/identities.test.ts.
 */
jest.setTimeout(120_000);

const PASSWORD = 'correct horse battery staple';
const jwtSecret = new Secret(randomBytes(32));

let db: IsolatedDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  db = await createIsolatedDatabase('db_auth');
  prisma = createPrismaClient({ databaseUrl: db.url });
});

afterAll(async () => {
  await prisma.$disconnect();
  await db.drop();
});

interface Setup {
  users: UsersService;
  identities: FakeIdentities;
}

function setup(overrides: { bootstrapAdmin?: { username: string; password: string }; maxPerUser?: number; maxPerAddress?: number } = {}): Setup {
  const identities = fakeIdentities(prisma);
  const users = createUsersService({
    prisma,
    identities,
    log: silentLogger,
    tokens: createTokenService({ secret: jwtSecret, issuer: 'ledger-gateway', audience: 'ledger-gateway-api', ttlSeconds: 900 }),
    userLimiter: createFailureLimiter({ maxFailures: overrides.maxPerUser ?? 5, windowMs: 60_000 }),
    addressLimiter: createFailureLimiter({ maxFailures: overrides.maxPerAddress ?? 20, windowMs: 60_000 }),
    config: {
      passwordMinLength: 12,
      defaultMspId: 'Org1MSP',
      bootstrapAdmin: overrides.bootstrapAdmin ? { username: overrides.bootstrapAdmin.username, password: new Secret(overrides.bootstrapAdmin.password) } : undefined,
    },
  });
  return { users, identities };
}

let counter = 0;
const name = (base: string): string => `${base}${++counter}${randomBytes(2).toString('hex')}`;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return 'OK';
}

describe('bootstrap admin', () => {
  test('is created once, as an ADMIN with an admin identity, and a second start changes nothing', async () => {
    const username = name('root');
    const { users, identities } = setup({ bootstrapAdmin: { username, password: PASSWORD } });
    expect(await users.ensureBootstrapAdmin()).toBe('created');
    expect(await users.ensureBootstrapAdmin()).toBe('exists');
    // A second process (another replica, a restart) with the same settings.
    const again = setup({ bootstrapAdmin: { username, password: 'a different password!' } });
    expect(await again.users.ensureBootstrapAdmin()).toBe('exists');
    expect(identities.issued).toEqual([{ mspId: 'Org1MSP', enrollmentId: username, role: 'admin' }]);
    expect(again.identities.issued).toEqual([]);
    const rows = await prisma.user.findMany({ where: { username } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ role: 'ADMIN', disabled: false, mspId: 'Org1MSP' });
    // The first password stays; the changed setting does not overwrite it.
    expect((await users.login({ username, password: PASSWORD })).user.role).toBe('ADMIN');
    expect(await codeOf(users.login({ username, password: 'a different password!' }))).toBe('UNAUTHENTICATED');
  });

  test('two replicas starting at once create one admin', async () => {
    const username = name('root');
    const a = setup({ bootstrapAdmin: { username, password: PASSWORD } });
    const b = setup({ bootstrapAdmin: { username, password: PASSWORD } });
    const results = await Promise.all([a.users.ensureBootstrapAdmin(), b.users.ensureBootstrapAdmin()]);
    expect(results.sort()).toEqual(['created', 'exists']);
    expect(await prisma.user.count({ where: { username } })).toBe(1);
  });

  test('is skipped when not configured', async () => {
    expect(await setup().users.ensureBootstrapAdmin()).toBe('not-configured');
  });

  test('from the settings: AUTH_JWT_SECRET is required', () => {
    const config = loadConfig({ WALLET_KEY: randomBytes(32).toString('base64') }, '/repo');
    expect(() => createUsersServiceFromConfig({ config: config.auth, prisma, identities: fakeIdentities(prisma), log: silentLogger })).toThrow(ConfigError);
    expect(() => loadConfig({ AUTH_BOOTSTRAP_ADMIN_USERNAME: 'root' }, '/repo')).toThrow(/set both or neither/);
    expect(() => loadConfig({ AUTH_BOOTSTRAP_ADMIN_USERNAME: 'root', AUTH_BOOTSTRAP_ADMIN_PASSWORD: 'short' }, '/repo')).toThrow(/AUTH_BOOTSTRAP_ADMIN_PASSWORD/);
  });
});

describe('users', () => {
  test('a new user gets an argon2id hash (never the password) and a Fabric identity with role=user', async () => {
    const { users, identities } = setup();
    const username = name('alice');
    const created = await users.createUser({ username: username.toUpperCase(), password: PASSWORD });
    expect(created).toMatchObject({ username, role: 'USER', mspId: 'Org1MSP', disabled: false, identityLabel: `Org1MSP/${username}` });
    const row = await prisma.user.findUniqueOrThrow({ where: { username } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.passwordHash).not.toContain(PASSWORD);
    expect(identities.issued).toEqual([{ mspId: 'Org1MSP', enrollmentId: username, role: 'user' }]);
    expect(JSON.stringify(created)).not.toContain('argon2');
  });

  test('bad input is refused and creates nothing', async () => {
    const { users, identities } = setup();
    expect(await codeOf(users.createUser({ username: 'x', password: PASSWORD }))).toBe('BAD_USER_INPUT');
    expect(await codeOf(users.createUser({ username: 'has space', password: PASSWORD }))).toBe('BAD_USER_INPUT');
    expect(await codeOf(users.createUser({ username: name('bob'), password: 'short' }))).toBe('BAD_USER_INPUT');
    expect(await codeOf(users.createUser({ username: name('bob'), password: PASSWORD, mspId: 'NopeMSP' }))).toBe('BAD_USER_INPUT');
    expect(identities.issued).toEqual([]);
  });

  test('a taken username is a CONFLICT, also when two requests race', async () => {
    const { users } = setup();
    const username = name('carol');
    await users.createUser({ username, password: PASSWORD });
    expect(await codeOf(users.createUser({ username, password: PASSWORD }))).toBe('CONFLICT');
    const racer = name('dave');
    const codes = await Promise.all([codeOf(users.createUser({ username: racer, password: PASSWORD })), codeOf(users.createUser({ username: racer, password: PASSWORD }))]);
    expect(codes.sort()).toEqual(['CONFLICT', 'OK']);
    expect(await prisma.user.count({ where: { username: racer } })).toBe(1);
  });
});

describe('interrupted creations', () => {
  test('an identity issued by a creation that failed before its user row is adopted by the retry, if the role matches', async () => {
    const { users, identities } = setup();
    const username = name('judy');
    await identities.issue({ mspId: 'Org1MSP', enrollmentId: username, role: 'user' }); // then the database went away
    const created = await users.createUser({ username, password: PASSWORD });
    expect(created.identityLabel).toBe(`Org1MSP/${username}`);
    expect(await prisma.fabricIdentity.count({ where: { label: `Org1MSP/${username}` } })).toBe(1);
    const other = name('kim');
    await identities.issue({ mspId: 'Org1MSP', enrollmentId: other, role: 'user' });
    expect(await codeOf(users.createUser({ username: other, password: PASSWORD, role: 'ADMIN' }))).toBe('CONFLICT');
    expect(await prisma.user.count({ where: { username: other } })).toBe(0);
  });
});

describe('login and tokens', () => {
  test('the right password gives a token that authenticates; a wrong one or an unknown user does not', async () => {
    const { users } = setup();
    const username = name('erin');
    await users.createUser({ username, password: PASSWORD, role: 'ADMIN' });
    const login = await users.login({ username, password: PASSWORD, address: '10.0.0.1' });
    expect(login.user.lastLoginAt).toBeInstanceOf(Date);
    const principal = await users.authenticate(login.token);
    expect(principal).toEqual({ userId: login.user.id, username, role: 'ADMIN', mspId: 'Org1MSP', identityLabel: `Org1MSP/${username}` });
    expect(await codeOf(users.login({ username, password: `${PASSWORD}!` }))).toBe('UNAUTHENTICATED');
    expect(await codeOf(users.login({ username: name('nobody'), password: PASSWORD }))).toBe('UNAUTHENTICATED');
    expect(await codeOf(users.authenticate(`${login.token}x`))).toBe('UNAUTHENTICATED');
  });

  test("a disabled user's still-valid token is refused, their login too, and their identity is revoked", async () => {
    const { users, identities } = setup();
    const username = name('frank');
    await users.createUser({ username, password: PASSWORD });
    const { token } = await users.login({ username, password: PASSWORD });
    await users.authenticate(token);
    const disabled = await users.disableUser(username);
    expect(disabled.disabled).toBe(true);
    expect(identities.revoked).toEqual([`Org1MSP/${username}`]);
    expect(await codeOf(users.authenticate(token))).toBe('UNAUTHENTICATED');
    expect(await codeOf(users.login({ username, password: PASSWORD }))).toBe('UNAUTHENTICATED');
    // Idempotent: nothing is revoked twice.
    await users.disableUser(username);
    expect(identities.revoked).toHaveLength(1);
  });

  test('when the CA is down, disabling still refuses tokens at once, and a retry revokes', async () => {
    const { users, identities } = setup();
    const username = name('grace');
    await users.createUser({ username, password: PASSWORD });
    const { token } = await users.login({ username, password: PASSWORD });
    identities.failNextRevoke = true;
    expect(await codeOf(users.disableUser(username))).toBe('LEDGER_UNAVAILABLE');
    expect(await codeOf(users.authenticate(token))).toBe('UNAUTHENTICATED');
    await users.disableUser(username);
    expect(identities.revoked).toEqual([`Org1MSP/${username}`]);
  });

  test('failed logins are limited per username, even with the right password afterwards', async () => {
    const { users } = setup({ maxPerUser: 3 });
    const username = name('heidi');
    await users.createUser({ username, password: PASSWORD });
    for (let i = 0; i < 3; i++) expect(await codeOf(users.login({ username, password: 'wrong password!!', address: `10.1.0.${i}` }))).toBe('UNAUTHENTICATED');
    let caught: unknown;
    try {
      await users.login({ username, password: PASSWORD, address: '10.1.0.99' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: expect.any(Number) as number } });
  });

  test('failed logins are limited per address across usernames; a success resets the username only', async () => {
    const { users } = setup({ maxPerUser: 3, maxPerAddress: 4 });
    const username = name('ivan');
    await users.createUser({ username, password: PASSWORD });
    const address = '192.0.2.7';
    for (let i = 0; i < 2; i++) expect(await codeOf(users.login({ username, password: 'wrong password!!', address }))).toBe('UNAUTHENTICATED');
    await users.login({ username, password: PASSWORD, address }); // resets ivan's count, not the address's
    for (let i = 0; i < 2; i++) expect(await codeOf(users.login({ username: name('ghost'), password: 'whatever', address }))).toBe('UNAUTHENTICATED');
    expect(await codeOf(users.login({ username, password: PASSWORD, address }))).toBe('RATE_LIMITED');
    expect(await codeOf(users.login({ username, password: PASSWORD, address: '192.0.2.8' }))).toBe('OK');
  });
});
