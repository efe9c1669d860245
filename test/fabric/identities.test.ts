import { createPrivateKey, createPublicKey, randomBytes, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { inspect } from 'node:util';

import { Gateway, Wallets } from 'fabric-network';

import { createFailureLimiter, createTokenService, createUsersService, type UsersService } from '../../src/auth';
import type { Logger } from '../../src/common';
import { Secret } from '../../src/config';
import {
  caEndpointsFromProfiles,
  certificateAttributes,
  createCertificateAuthorities,
  createIdentityService,
  createWallet,
  createWalletCipher,
  type CertificateAuthorities,
  type IdentityService,
  type WalletIdentity,
} from '../../src/ledger/identities';
import { createPrismaClient, type PrismaClient } from '../../src/store';
import { createIsolatedDatabase, type IsolatedDatabase } from '../db/isolatedDatabase';
import { TEST_CHAINCODE, TEST_CHANNEL, TEST_STATE_DIR } from './testNetwork';
import { uniqueId } from './waiting';

/**
 * Users' Fabric identities against the real network's CAs and a real database: registration and
 * enrollment through the registrar, the wallet holding only ciphertext, the role attribute in the
 * certificate deciding what the chaincode allows, re-enrollment, and revocation on disable.
 */
jest.setTimeout(180_000);

const PASSWORD = 'correct horse battery staple';
const walletKey = randomBytes(32);

/** Every log line of the test, to prove that no key reaches the logs. */
const logLines: string[] = [];
const capturingLog: Logger = {
  debug: (fields, message) => logLines.push(`${message} ${inspect(fields, { depth: 5 })}`),
  info: (fields, message) => logLines.push(`${message} ${inspect(fields, { depth: 5 })}`),
  warn: (fields, message) => logLines.push(`${message} ${inspect(fields, { depth: 5 })}`),
  error: (fields, message) => logLines.push(`${message} ${inspect(fields, { depth: 5 })}`),
  child: () => capturingLog,
};

let db: IsolatedDatabase;
let prisma: PrismaClient;
let cas: CertificateAuthorities;
let identities: IdentityService;
let users: UsersService;
const gateways: Gateway[] = [];

const profilePath = (org: 'org1' | 'org2'): string => path.join(TEST_STATE_DIR, `connection-${org}.json`);

beforeAll(async () => {
  db = await createIsolatedDatabase('fabric_identities');
  prisma = createPrismaClient({ databaseUrl: db.url });
  const endpoints = await caEndpointsFromProfiles([profilePath('org1'), profilePath('org2')]);
  cas = createCertificateAuthorities({ endpoints, registrarId: 'admin', registrarSecret: new Secret('adminpw'), log: capturingLog });
  const wallet = createWallet({ prisma, cipher: createWalletCipher({ version: 1, key: new Secret(walletKey) }) });
  identities = createIdentityService({ wallet, cas, log: capturingLog, renewWithinMs: 30 * 86_400_000 });
  users = createUsersService({
    prisma,
    identities,
    log: capturingLog,
    tokens: createTokenService({ secret: new Secret(randomBytes(32)), issuer: 'ledger-gateway', audience: 'ledger-gateway-api', ttlSeconds: 900 }),
    userLimiter: createFailureLimiter({ maxFailures: 5, windowMs: 60_000 }),
    addressLimiter: createFailureLimiter({ maxFailures: 20, windowMs: 60_000 }),
    config: { passwordMinLength: 12, defaultMspId: 'Org1MSP', bootstrapAdmin: undefined },
  });
});

afterAll(async () => {
  for (const g of gateways) g.disconnect();
  await prisma.$disconnect();
  await db.drop();
});

/** fabric-network used directly, in the test only, to sign as a wallet identity. */
async function contractAs(identity: WalletIdentity, contractName: 'assets' | 'tokens'): Promise<ReturnType<Awaited<ReturnType<Gateway['getNetwork']>>['getContract']>> {
  const org = identity.mspId === 'Org1MSP' ? 'org1' : 'org2';
  const profile = JSON.parse(await readFile(profilePath(org), 'utf8')) as Record<string, unknown>;
  const wallet = await Wallets.newInMemoryWallet();
  await wallet.put(identity.label, identity.toX509Identity());
  const gateway = new Gateway();
  gateways.push(gateway);
  await gateway.connect(profile, {
    wallet,
    identity: identity.label,
    discovery: { enabled: true, asLocalhost: true },
    eventHandlerOptions: { commitTimeout: 60, endorseTimeout: 30 },
  });
  return (await gateway.getNetwork(TEST_CHANNEL)).getContract(TEST_CHAINCODE, contractName);
}

const newName = (base: string): string => uniqueId(base).toLowerCase();

describe('a user created through the users service', () => {
  let username: string;
  let identity: WalletIdentity;

  beforeAll(async () => {
    username = newName('alice');
    await users.createUser({ username, password: PASSWORD });
    identity = await identities.load(`Org1MSP/${username}`);
  });

  test('is registered and enrolled with the CA: a certificate for the user, with role=user in it, from the org CA', async () => {
    const cert = new X509Certificate(identity.certificate);
    expect(cert.subject).toContain(`CN=${username}`);
    expect(cert.issuer).toContain('ca.org1.example.com');
    expect(certificateAttributes(identity.certificate)).toMatchObject({ role: 'user', 'hf.EnrollmentID': username });
    // The key in the wallet is the certificate's key.
    const fromKey = createPublicKey(createPrivateKey(identity.privateKey)).export({ type: 'spki', format: 'der' });
    expect(Buffer.from(fromKey).equals(Buffer.from(cert.publicKey.export({ type: 'spki', format: 'der' })))).toBe(true);
    const user = await prisma.user.findUniqueOrThrow({ where: { username }, include: { fabricIdentity: true } });
    expect(user.fabricIdentity?.notAfter.getTime()).toBe(new Date(cert.validTo).getTime());
  });

  test('the database holds the private key only as AES-256-GCM ciphertext', async () => {
    const row = await prisma.fabricIdentity.findUniqueOrThrow({ where: { label: `Org1MSP/${username}` } });
    const stored = Buffer.from(row.keyCiphertext).toString('latin1');
    expect(stored).not.toContain('PRIVATE KEY');
    expect(stored).not.toContain(identity.privateKey.split('\n')[1] ?? 'x');
    expect(row.keyIv).toHaveLength(12);
    expect(row.keyAuthTag).toHaveLength(16);
    expect(row.keyVersion).toBe(1);
    expect(row.certificate).toBe(identity.certificate);
    // Nothing else in the row holds it either.
    expect(JSON.stringify({ ...row, keyCiphertext: undefined })).not.toContain('PRIVATE KEY');
  });

  test('signs transactions: the chaincode sees the owner Org1MSP/<username>, and refuses it a Mint', async () => {
    const assets = await contractAs(identity, 'assets');
    const id = uniqueId('id-asset');
    await assets.submitTransaction('CreateAsset', id, 'bike', '{}');
    const asset = JSON.parse((await assets.evaluateTransaction('ReadAsset', id)).toString()) as { owner: string };
    expect(asset.owner).toBe(`Org1MSP/${username}`);
    const tokens = await contractAs(identity, 'tokens');
    await expect(tokens.submitTransaction('Mint', `Org1MSP/${username}`, '10')).rejects.toThrow(/FORBIDDEN/);
  });

  test('re-enrollment of expiring certificates gives a new key and certificate that keep the role and still sign', async () => {
    // Everything expires "within" two years: the CA's certificates last one.
    const report = await identities.renewExpiring({ withinMs: 2 * 365 * 86_400_000 });
    expect(report.failed).toEqual([]);
    expect(report.renewed).toContain(`Org1MSP/${username}`);
    const renewed = await identities.load(`Org1MSP/${username}`);
    expect(renewed.certificate).not.toBe(identity.certificate);
    expect(renewed.privateKey).not.toBe(identity.privateKey);
    expect(certificateAttributes(renewed.certificate)).toMatchObject({ role: 'user', 'hf.EnrollmentID': username });
    expect(new X509Certificate(renewed.certificate).subject).toContain(`CN=${username}`);
    const assets = await contractAs(renewed, 'assets');
    const id = uniqueId('id-renewed');
    await assets.submitTransaction('CreateAsset', id, 'bike', '{}');
    expect((JSON.parse((await assets.evaluateTransaction('ReadAsset', id)).toString()) as { owner: string }).owner).toBe(`Org1MSP/${username}`);
    // Nothing is due within a day.
    expect((await identities.renewExpiring({ withinMs: 86_400_000 })).renewed).toEqual([]);
    identity = renewed;
  });

  test('disabling the user revokes the identity at the CA: re-enrollment is refused, the wallet refuses to load it', async () => {
    const before = identity;
    const normalise = (pem: string): string => new X509Certificate(pem).serialNumber;
    const active = await cas.activeCertificates({ mspId: 'Org1MSP', enrollmentId: username });
    expect(active.map(normalise)).toContain(normalise(before.certificate));
    const { token } = await users.login({ username, password: PASSWORD });
    await users.disableUser(username);
    await expect(users.authenticate(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await identities.info(`Org1MSP/${username}`)).toMatchObject({ revoked: true });
    await expect(identities.load(`Org1MSP/${username}`)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // The CA itself: it lists no unrevoked certificate for the user any more, and refuses to
    // re-enroll with the revoked one (its log says "a revoked certificate"; the client is told
    // "Authentication failure").
    expect(await cas.activeCertificates({ mspId: 'Org1MSP', enrollmentId: username })).toEqual([]);
    await expect(cas.reenroll(before)).rejects.toThrow(/Authentication failure/);
    // Disabling again does not call the CA a second time (and does not fail).
    await users.disableUser(username);
    // A crash between the CA and the database leaves the row unrevoked: revoking again finishes it.
    await prisma.fabricIdentity.update({ where: { label: `Org1MSP/${username}` }, data: { revoked: false } });
    await identities.revoke(`Org1MSP/${username}`);
    expect(await identities.info(`Org1MSP/${username}`)).toMatchObject({ revoked: true });
  });
});

describe('admins', () => {
  test('an ADMIN user gets role=admin in the certificate and may Mint', async () => {
    const username = newName('admin');
    await users.createUser({ username, password: PASSWORD, role: 'ADMIN' });
    const identity = await identities.load(`Org1MSP/${username}`);
    expect(certificateAttributes(identity.certificate)).toMatchObject({ role: 'admin' });
    const tokens = await contractAs(identity, 'tokens');
    const account = `Org1MSP/${newName('holder')}`;
    expect((await tokens.submitTransaction('Mint', account, '25')).toString()).toBe('25');
    expect((await tokens.evaluateTransaction('BalanceOf', account)).toString()).toBe('25');
  });
});

describe('organisations and errors', () => {
  test('an Org2 user is enrolled by the Org2 CA and owns as Org2MSP/<username>', async () => {
    const username = newName('olga');
    await users.createUser({ username, password: PASSWORD, mspId: 'Org2MSP' });
    const identity = await identities.load(`Org2MSP/${username}`);
    expect(new X509Certificate(identity.certificate).issuer).toContain('ca.org2.example.com');
    const assets = await contractAs(identity, 'assets');
    const id = uniqueId('id-org2');
    await assets.submitTransaction('CreateAsset', id, 'bike', '{}');
    expect((JSON.parse((await assets.evaluateTransaction('ReadAsset', id)).toString()) as { owner: string }).owner).toBe(`Org2MSP/${username}`);
  });

  test('an enrollment id the CA already has is a CONFLICT and creates no user', async () => {
    // user1 is registered by the network itself.
    await expect(users.createUser({ username: 'user1', password: PASSWORD })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await prisma.user.count({ where: { username: 'user1' } })).toBe(0);
  });

  test('a creation interrupted after the CA step is finished by a retry, which adopts the identity', async () => {
    const username = newName('ivy');
    const orphan = await identities.issue({ mspId: 'Org1MSP', enrollmentId: username, role: 'user' }); // no user row: as if the database failed
    const user = await users.createUser({ username, password: PASSWORD });
    expect(user.identityLabel).toBe(orphan.label);
    expect((await identities.load(orphan.label)).certificate).toBe(orphan.certificate);
  });

  test('no private key and no wallet key ever reached the logs', () => {
    const all = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(3);
    expect(all).not.toContain('PRIVATE KEY');
    expect(all).not.toContain(walletKey.toString('base64'));
    expect(all).not.toContain('adminpw');
  });
});
