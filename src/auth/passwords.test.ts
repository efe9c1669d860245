import { AppError } from '../common';
import { bearerToken, requireRole } from './guards';
import { hashPassword, passwordProblem, verifyPassword } from './passwords';
import type { Principal } from './users';

describe('passwords', () => {
  test('argon2id hashes, salted, verified', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(a, 'correct horse battery stapl')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });

  test('length rules', () => {
    expect(passwordProblem('short', 12)).toMatch(/at least 12/);
    expect(passwordProblem('x'.repeat(12), 12)).toBeUndefined();
    expect(passwordProblem('x'.repeat(2000), 12)).toMatch(/at most/);
  });
});

describe('guards', () => {
  const user: Principal = { userId: 'u', username: 'alice', role: 'USER', mspId: 'Org1MSP', identityLabel: 'Org1MSP/alice' };
  test('roles', () => {
    expect(() => requireRole(undefined, 'USER')).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }) as AppError);
    expect(requireRole(user, 'USER')).toBe(user);
    expect(() => requireRole(user, 'ADMIN')).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }) as AppError);
    expect(requireRole({ ...user, role: 'ADMIN' }, 'USER').role).toBe('ADMIN');
  });
  test('bearer header', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
