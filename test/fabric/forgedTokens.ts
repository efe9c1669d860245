import { randomBytes } from 'node:crypto';

import { SignJWT } from 'jose';

/**
 * JWTs for the attack suites (HTTP and WebSocket): one made like the gateway's own with its real
 * key, and the ones it must refuse, each claiming to be `who` with the ADMIN role.
 *
 *   const tokens = forgedTokens(gateway.jwtSecret, { id: alice.id, username: alice.username });
 *   await tokens.sign();                       // valid: the gateway's key, issuer and audience
 *   for (const [name, make] of tokens.refused) ... await make() ...
 */
export interface ForgedTokens {
  sign(options?: { key?: Uint8Array; iss?: string; aud?: string; exp?: number }): Promise<string>;
  /** [name, make]: forged (another key), expired, wrong audience, wrong issuer, `alg: none`, garbage. */
  readonly refused: readonly (readonly [string, () => Promise<string>])[];
}

export function forgedTokens(jwtSecret: string, who: { id: string; username: string }): ForgedTokens {
  const key = new Uint8Array(Buffer.from(jwtSecret, 'base64'));
  // The role claim is a lie on purpose: the gateway must take the role from its database.
  const claims = { username: who.username, role: 'ADMIN', msp: 'Org1MSP' };
  const now = (): number => Math.floor(Date.now() / 1000);
  const sign: ForgedTokens['sign'] = (options = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(who.id)
      .setJti(randomBytes(8).toString('hex'))
      .setIssuedAt(now() - 3600)
      .setIssuer(options.iss ?? 'ledger-gateway')
      .setAudience(options.aud ?? 'ledger-gateway-api')
      .setExpirationTime(options.exp ?? now() + 600)
      .sign(options.key ?? key);
  const algNone = (): Promise<string> => {
    const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const body = { ...claims, sub: who.id, jti: 'x', iat: now(), exp: now() + 600, iss: 'ledger-gateway', aud: 'ledger-gateway-api' };
    return Promise.resolve(`${part({ alg: 'none', typ: 'JWT' })}.${part(body)}.`);
  };
  return {
    sign,
    refused: [
      ['forged (another key)', () => sign({ key: randomBytes(32) })],
      ['expired', () => sign({ exp: now() - 60 })],
      ['wrong audience', () => sign({ aud: 'another-api' })],
      ['wrong issuer', () => sign({ iss: 'evil' })],
      ['alg: none', algNone],
      ['garbage', () => Promise.resolve('not.a.jwt')],
    ],
  };
}
