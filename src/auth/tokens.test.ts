import { createHmac, randomBytes } from 'node:crypto';

import { isAppError } from '../common';
import { Secret } from '../config';
import { createTokenService, type TokenService } from './tokens';

const secret = new Secret(randomBytes(32));
const user = { id: '0b8f5f5e-8c1e-4c38-9d4e-8b8a2a3b1c01', username: 'alice', role: 'USER' as const, mspId: 'Org1MSP' };
const options = { secret, issuer: 'ledger-gateway', audience: 'ledger-gateway-api', ttlSeconds: 900 };

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

async function reasonOf(service: TokenService, token: string): Promise<unknown> {
  try {
    await service.verify(token);
  } catch (error) {
    if (isAppError(error, 'UNAUTHENTICATED')) return error.details.reason;
    throw error;
  }
  return 'accepted';
}

describe('JWT access tokens', () => {
  const service = createTokenService(options);

  test('a valid token verifies to its claims', async () => {
    const { token, expiresAt } = await service.issue(user);
    const claims = await service.verify(token);
    expect(claims).toMatchObject({ userId: user.id, username: 'alice', role: 'USER', mspId: 'Org1MSP' });
    expect(claims.expiresAt.getTime()).toBe(expiresAt.getTime());
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(890_000);
    expect(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
  });

  test('an expired token is refused', async () => {
    const past = createTokenService({ ...options, ttlSeconds: 60, now: () => new Date(Date.now() - 3_600_000) });
    const { token } = await past.issue(user);
    expect(await reasonOf(service, token)).toBe('expired');
  });

  test('a token for another audience is refused', async () => {
    const { token } = await createTokenService({ ...options, audience: 'someone-else' }).issue(user);
    expect(await reasonOf(service, token)).toBe('invalid');
  });

  test('a token from another issuer is refused', async () => {
    const { token } = await createTokenService({ ...options, issuer: 'evil' }).issue(user);
    expect(await reasonOf(service, token)).toBe('invalid');
  });

  test('a token signed with another key is refused', async () => {
    const { token } = await createTokenService({ ...options, secret: new Secret(randomBytes(32)) }).issue(user);
    expect(await reasonOf(service, token)).toBe('invalid');
  });

  test('alg none is refused', async () => {
    const { token } = await service.issue(user);
    const payload = token.split('.')[1] ?? '';
    expect(await reasonOf(service, `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`)).toBe('invalid');
    expect(await reasonOf(service, `${b64url({ alg: 'none' })}.${payload}`)).toBe('invalid');
  });

  test('another HMAC algorithm with the right key is refused (HS256 only)', async () => {
    const { token } = await service.issue(user);
    const header = b64url({ alg: 'HS512', typ: 'JWT' });
    const payload = token.split('.')[1] ?? '';
    const signature = createHmac('sha512', secret.reveal()).update(`${header}.${payload}`).digest('base64url');
    expect(await reasonOf(service, `${header}.${payload}.${signature}`)).toBe('invalid');
  });

  test('a tampered payload is refused', async () => {
    const { token } = await service.issue(user);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const forged = b64url({ ...claims, role: 'ADMIN' });
    expect(await reasonOf(service, `${header ?? ''}.${forged}.${signature ?? ''}`)).toBe('invalid');
  });

  test('garbage is refused as invalid, not as a crash', async () => {
    expect(await reasonOf(service, 'not-a-token')).toBe('invalid');
    expect(await reasonOf(service, '')).toBe('invalid');
  });

  test('a token not yet valid (issued in the future) is refused', async () => {
    const future = createTokenService({ ...options, now: () => new Date(Date.now() + 3_600_000) });
    const { token } = await future.issue(user);
    expect(await reasonOf(service, token)).toBe('invalid');
  });
});
