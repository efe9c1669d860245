/**
 * Users, passwords, tokens, roles and guards. Fabric identities come from the ledger layer's
 * identity service (passed in as `identities`); this part imports no Fabric SDK.
 */
import type { Logger } from '../common';
import { requireSetting, type AuthConfig } from '../config';
import type { PrismaClient } from '../store';
import { createFailureLimiter } from './rateLimiter';
import { createTokenService } from './tokens';
import { createUsersService, type UserIdentities, type UsersService } from './users';

export { bearerToken, requireRole, requireUser } from './guards';
export { hashPassword, passwordProblem, verifyPassword, PASSWORD_MAX_LENGTH } from './passwords';
export { createFailureLimiter } from './rateLimiter';
export type { FailureLimiter, FailureLimiterOptions } from './rateLimiter';
export { createTokenService } from './tokens';
export type { IssuedToken, Role, TokenClaims, TokenService, TokenServiceOptions } from './tokens';
export { createUsersService, USERNAME_PATTERN } from './users';
export type { LoginResult, Principal, UserIdentities, UsersService, UsersServiceDeps, UserView } from './users';

/** The users service from the settings; a missing AUTH_JWT_SECRET is a configuration error at start-up. */
export function createUsersServiceFromConfig({
  config,
  prisma,
  identities,
  log,
}: {
  config: AuthConfig;
  prisma: PrismaClient;
  identities: UserIdentities;
  log: Logger;
}): UsersService {
  const secret = requireSetting(config.jwtSecret, 'AUTH_JWT_SECRET', '32 random bytes in base64, e.g. `openssl rand -base64 32`');
  const windowMs = config.failureWindowSeconds * 1000;
  return createUsersService({
    prisma,
    identities,
    log,
    config,
    tokens: createTokenService({ secret, issuer: config.jwtIssuer, audience: config.jwtAudience, ttlSeconds: config.jwtTtlSeconds }),
    userLimiter: createFailureLimiter({ maxFailures: config.maxFailuresPerUser, windowMs }),
    addressLimiter: createFailureLimiter({ maxFailures: config.maxFailuresPerAddress, windowMs }),
  });
}
