import { AppError, ErrorCode } from '../common';
import type { Role } from './tokens';
import type { Principal } from './users';

/** The caller, or UNAUTHENTICATED when the request carried no valid token. */
export function requireUser(principal: Principal | undefined): Principal {
  if (!principal) throw new AppError(ErrorCode.UNAUTHENTICATED, 'sign in first', {});
  return principal;
}

/** The caller if they have `role` (ADMIN includes USER), else FORBIDDEN. */
export function requireRole(principal: Principal | undefined, role: Role): Principal {
  const user = requireUser(principal);
  if (role === 'ADMIN' && user.role !== 'ADMIN') throw new AppError(ErrorCode.FORBIDDEN, 'only an ADMIN may do this', { role: user.role });
  return user;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
