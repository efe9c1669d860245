/**
 * Who may see what (README "GraphQL API" → "Who may see what"): the read-side rules in one place.
 * Anonymous callers see only `gateway`; any signed-in user sees assets, their history and events,
 * balances, blocks and transactions; an account's transfers (and the token-balance writes of a
 * transaction) only its owner and admins; the user list only admins.
 */
import { requireRole, requireUser, type Principal } from '../auth';
import { AppError, ErrorCode } from '../common';
import type { GraphqlContext } from './context';

export { requireRole, requireUser };

/** The caller's owner string on the ledger, `<MSP ID>/<username>` (the username is the enrollment id). */
export function ownerOf(principal: Pick<Principal, 'mspId' | 'username'>): string {
  return `${principal.mspId}/${principal.username}`;
}

export function isAdmin(principal: Principal | undefined): boolean {
  return principal?.role === 'ADMIN';
}

/** An account's transfers: only its owner and admins; another user gets FORBIDDEN. */
export function requireAccountAccess(principal: Principal | undefined, account: string): Principal {
  const caller = requireUser(principal);
  if (caller.role !== 'ADMIN' && ownerOf(caller) !== account) {
    throw new AppError(ErrorCode.FORBIDDEN, "only the account's owner and admins may see its transfers", { account });
  }
  return caller;
}

/** A user's last login time: only the user and admins. */
export function seesLoginTimes(principal: Principal | undefined, userId: string): boolean {
  return principal !== undefined && (principal.role === 'ADMIN' || principal.userId === userId);
}

const BALANCE_PREFIX = 'balance:';

/**
 * The writes of a transaction as the caller may see them: a USER sees token-balance writes only of
 * transactions that touched one of their own accounts (the same rule as an account's transfers).
 */
export function visibleWrites<W extends { namespace: string; key: string }>(ctx: Pick<GraphqlContext, 'principal' | 'services'>, writes: W[]): W[] {
  const caller = requireUser(ctx.principal);
  if (caller.role === 'ADMIN') return writes;
  const isBalance = (w: W): boolean => w.namespace === ctx.services.domain.chaincode && w.key.startsWith(BALANCE_PREFIX);
  const own = `${BALANCE_PREFIX}${ownerOf(caller)}`;
  if (writes.some((w) => isBalance(w) && w.key === own)) return writes;
  return writes.filter((w) => !isBalance(w));
}
