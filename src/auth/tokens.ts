import { randomUUID } from 'node:crypto';

import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

import { AppError, ErrorCode } from '../common';
import type { Secret } from '../config';

/**
 * Short-lived access tokens: JWTs signed with HS256 (jose) under AUTH_JWT_SECRET. Verification
 * accepts HS256 only (so `alg: none` and every other algorithm are refused), and checks the
 * signature, expiry, not-before, issuer and audience. Whether the user still exists and is enabled
 * is checked by the users service, not here.
 */
export type Role = 'ADMIN' | 'USER';

export interface TokenClaims {
  /** The user's id (`sub`). */
  readonly userId: string;
  readonly username: string;
  readonly role: Role;
  readonly mspId: string;
  readonly tokenId: string;
  readonly expiresAt: Date;
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: Date;
}

export interface TokenService {
  issue(user: { id: string; username: string; role: Role; mspId: string }): Promise<IssuedToken>;
  /** The token's claims, or UNAUTHENTICATED (details.reason: expired | invalid). */
  verify(token: string): Promise<TokenClaims>;
}

export interface TokenServiceOptions {
  readonly secret: Secret<Buffer>;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  /** Allowed clock difference between replicas, in seconds. */
  readonly clockToleranceSeconds?: number;
  readonly now?: () => Date;
}

const ALGORITHM = 'HS256';
const ROLES: readonly string[] = ['ADMIN', 'USER'];

export function createTokenService({ secret, issuer, audience, ttlSeconds, clockToleranceSeconds = 5, now = () => new Date() }: TokenServiceOptions): TokenService {
  const key = new Uint8Array(secret.reveal());
  return {
    async issue(user) {
      const issuedAt = Math.floor(now().getTime() / 1000);
      const expiresAt = issuedAt + ttlSeconds;
      const token = await new SignJWT({ username: user.username, role: user.role, msp: user.mspId })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
        .setSubject(user.id)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(issuedAt)
        .setNotBefore(issuedAt)
        .setExpirationTime(expiresAt)
        .setJti(randomUUID())
        .sign(key);
      return { token, expiresAt: new Date(expiresAt * 1000) };
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [ALGORITHM],
          issuer,
          audience,
          clockTolerance: clockToleranceSeconds,
          currentDate: now(),
          requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        });
        const { sub, username, role, msp, jti, exp } = payload;
        if (typeof sub !== 'string' || typeof username !== 'string' || typeof role !== 'string' || !ROLES.includes(role) || typeof msp !== 'string' || typeof jti !== 'string' || exp === undefined) {
          throw new AppError(ErrorCode.UNAUTHENTICATED, 'invalid token', { reason: 'invalid' });
        }
        return { userId: sub, username, role: role as Role, mspId: msp, tokenId: jti, expiresAt: new Date(exp * 1000) };
      } catch (error) {
        if (error instanceof AppError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw new AppError(ErrorCode.UNAUTHENTICATED, 'the token has expired', { reason: 'expired' });
        throw new AppError(ErrorCode.UNAUTHENTICATED, 'invalid token', { reason: 'invalid', check: error instanceof joseErrors.JOSEError ? error.code : 'malformed' });
      }
    },
  };
}
