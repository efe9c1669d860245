import { AppError, ErrorCode, type Logger } from '../common';
import type { AuthConfig } from '../config';
import { Prisma, type PrismaClient } from '../store';
import { hashPassword, passwordProblem, verifyAgainstNothing, verifyPassword } from './passwords';
import type { FailureLimiter } from './rateLimiter';
import type { IssuedToken, Role, TokenService } from './tokens';

/**
 * Users: created with a password and their own Fabric identity (registered and enrolled with their
 * organisation's CA, `role=admin` in the certificate for admins), logged in with short-lived JWTs,
 * disabled (tokens refused at once, the identity revoked at the CA).
 */

/** What the users service needs from the identities part of the ledger layer. */
export interface UserIdentities {
  readonly mspIds: readonly string[];
  /** With `adoptUnclaimed`, an identity left unclaimed by an interrupted creation is reused. */
  issue(request: { mspId: string; enrollmentId: string; role: 'admin' | 'user'; adoptUnclaimed?: boolean }): Promise<{ id: string; label: string }>;
  infoById(id: string): Promise<{ label: string; revoked: boolean } | undefined>;
  revoke(label: string, reason?: string): Promise<void>;
}

/** The caller of a request, after `authenticate`. Role and status are read from the database, not the token. */
export interface Principal {
  readonly userId: string;
  readonly username: string;
  readonly role: Role;
  readonly mspId: string;
  /** Wallet label of the user's Fabric identity, what the ledger client signs with. */
  readonly identityLabel: string | undefined;
}

export interface UserView {
  readonly id: string;
  readonly username: string;
  readonly role: Role;
  readonly mspId: string;
  readonly disabled: boolean;
  readonly identityLabel: string | undefined;
  readonly createdAt: Date;
  readonly lastLoginAt: Date | undefined;
}

export interface LoginResult extends IssuedToken {
  readonly user: UserView;
}

export interface UsersService {
  createUser(input: { username: string; password: string; role?: Role; mspId?: string }): Promise<UserView>;
  getUser(username: string): Promise<UserView | undefined>;
  /** Refuses the user's tokens from now on and revokes their Fabric identity. Idempotent. */
  disableUser(username: string, reason?: string): Promise<UserView>;
  /** Checks the password; failures count against the username and the client address. */
  login(input: { username: string; password: string; address?: string }): Promise<LoginResult>;
  /** The principal of a bearer token: valid signature, not expired, right issuer and audience, user enabled. */
  authenticate(token: string): Promise<Principal>;
  /** Creates the bootstrap admin of the settings if it does not exist yet. */
  ensureBootstrapAdmin(): Promise<'created' | 'exists' | 'not-configured'>;
}

export interface UsersServiceDeps {
  readonly prisma: PrismaClient;
  readonly identities: UserIdentities;
  readonly tokens: TokenService;
  readonly userLimiter: FailureLimiter;
  readonly addressLimiter: FailureLimiter;
  readonly config: Pick<AuthConfig, 'passwordMinLength' | 'defaultMspId' | 'bootstrapAdmin'>;
  readonly log: Logger;
}

/** How long a start waits for another replica's bootstrap, and may take for its own (CA calls included). */
const BOOTSTRAP_WAIT_MS = 120_000;

export const USERNAME_PATTERN = /^[a-z][a-z0-9._-]{2,63}$/;

const WITH_IDENTITY = { fabricIdentity: { select: { label: true } } } as const;
type UserRow = Prisma.UserGetPayload<{ include: typeof WITH_IDENTITY }>;

function view(row: UserRow): UserView {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    mspId: row.mspId,
    disabled: row.disabled,
    identityLabel: row.fabricIdentity?.label,
    createdAt: row.createdAt,
    lastLoginAt: row.lastLoginAt ?? undefined,
  };
}

const normalise = (username: string): string => username.trim().toLowerCase();

export function createUsersService({ prisma, identities, tokens, userLimiter, addressLimiter, config, log }: UsersServiceDeps): UsersService {
  const findRow = (username: string): Promise<UserRow | null> => prisma.user.findUnique({ where: { username: normalise(username) }, include: WITH_IDENTITY });

  /** Refuses bad input before anything is written or asked of the CA. */
  const checkNewUser = (username: string, password: string, mspId: string): void => {
    if (!USERNAME_PATTERN.test(username)) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, 'the username must have 3-64 characters: a letter, then letters, digits, ".", "_" or "-"', { field: 'username' });
    }
    const problem = passwordProblem(password, config.passwordMinLength);
    if (problem) throw new AppError(ErrorCode.BAD_USER_INPUT, problem, { field: 'password' });
    if (!identities.mspIds.includes(mspId)) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `unknown organisation ${mspId} (known: ${identities.mspIds.join(', ')})`, { field: 'mspId' });
    }
  };

  /** Lost a race for the username: if the winner's identity is another one (another organisation), ours belongs to nobody. */
  const releaseLosingIdentity = async (username: string, label: string): Promise<void> => {
    const winner = await findRow(username);
    if (!winner || winner.fabricIdentity?.label === label) return;
    await identities.revoke(label, 'superseded').catch((error: unknown) => {
      log.warn({ identity: label, err: error instanceof Error ? error.message : String(error) }, 'could not revoke an unused identity');
    });
  };

  const createUser: UsersService['createUser'] = async ({ username: rawName, password, role = 'USER', mspId = config.defaultMspId }) => {
    const username = normalise(rawName);
    checkNewUser(username, password, mspId);
    if (await findRow(username)) throw new AppError(ErrorCode.CONFLICT, `the username "${username}" is taken`, { username });
    const passwordHash = await hashPassword(password);
    // No user has this name, so an identity of that name in the wallet is one an earlier creation
    // issued and then failed to link (e.g. the database went away): take it over.
    const identity = await identities.issue({ mspId, enrollmentId: username, role: role === 'ADMIN' ? 'admin' : 'user', adoptUnclaimed: true });
    try {
      const row = await prisma.user.create({ data: { username, passwordHash, role, mspId, fabricIdentityId: identity.id }, include: WITH_IDENTITY });
      log.info({ userId: row.id, username, role, mspId, identity: identity.label }, 'user created');
      return view(row);
    } catch (error) {
      // Any other failure leaves the identity in the wallet, to be adopted by a retry.
      if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')) throw error;
      await releaseLosingIdentity(username, identity.label);
      throw new AppError(ErrorCode.CONFLICT, `the username "${username}" is taken`, { username });
    }
  };

  const unauthenticated = (reason: string): AppError => new AppError(ErrorCode.UNAUTHENTICATED, 'invalid username or password', { reason });

  const checkLimits = (userKey: string, addressKey: string | undefined): void => {
    const wait = Math.max(userLimiter.retryAfterMs(userKey), addressKey === undefined ? 0 : addressLimiter.retryAfterMs(addressKey));
    if (wait > 0) {
      const retryAfterSeconds = Math.ceil(wait / 1000);
      throw new AppError(ErrorCode.RATE_LIMITED, `too many failed logins; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
  };

  return {
    createUser,
    async getUser(username) {
      const row = await findRow(username);
      return row ? view(row) : undefined;
    },
    async disableUser(username, reason = 'user disabled') {
      const row = await findRow(username);
      if (!row) throw new AppError(ErrorCode.NOT_FOUND, `no user "${normalise(username)}"`, { username });
      // The flag first: from here on, every token of the user is refused, whatever the CA says.
      const updated = row.disabled
        ? row
        : await prisma.user.update({ where: { id: row.id }, data: { disabled: true, disabledAt: new Date() }, include: WITH_IDENTITY });
      if (row.fabricIdentityId) {
        const identity = await identities.infoById(row.fabricIdentityId);
        if (identity && !identity.revoked) await identities.revoke(identity.label, reason);
      }
      log.info({ userId: row.id, username: row.username }, 'user disabled');
      return view(updated);
    },
    async login({ username: rawName, password, address }) {
      const username = normalise(rawName);
      const userKey = `user:${username}`;
      const addressKey = address === undefined ? undefined : `address:${address}`;
      checkLimits(userKey, addressKey);
      const row = await findRow(username);
      const ok = row ? await verifyPassword(row.passwordHash, password) : await verifyAgainstNothing(password);
      if (!row || !ok || row.disabled) {
        userLimiter.recordFailure(userKey);
        if (addressKey !== undefined) addressLimiter.recordFailure(addressKey);
        const reason = !row ? 'unknown user' : !ok ? 'wrong password' : 'disabled';
        log.info({ username, address, reason }, 'login refused');
        throw unauthenticated(reason);
      }
      userLimiter.reset(userKey);
      const updated = await prisma.user.update({ where: { id: row.id }, data: { lastLoginAt: new Date() }, include: WITH_IDENTITY });
      const issued = await tokens.issue({ id: row.id, username: row.username, role: row.role, mspId: row.mspId });
      return { ...issued, user: view(updated) };
    },
    async authenticate(token) {
      const claims = await tokens.verify(token);
      const row = await prisma.user.findUnique({ where: { id: claims.userId }, include: WITH_IDENTITY });
      if (!row) throw new AppError(ErrorCode.UNAUTHENTICATED, 'the token belongs to no user', { reason: 'unknown user' });
      if (row.disabled) throw new AppError(ErrorCode.UNAUTHENTICATED, 'the user is disabled', { reason: 'disabled' });
      return { userId: row.id, username: row.username, role: row.role, mspId: row.mspId, identityLabel: row.fabricIdentity?.label };
    },
    async ensureBootstrapAdmin() {
      const admin = config.bootstrapAdmin;
      if (!admin) return 'not-configured';
      // Replicas starting together take turns: the lock lives as long as this transaction, which
      // only holds it (the user is created on other connections) and so never conflicts.
      return prisma.$transaction(
        async (tx) => {
          await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('ledger-gateway:bootstrap-admin'))`;
          const existing = await findRow(admin.username);
          if (existing) {
            if (existing.role !== 'ADMIN' || existing.disabled) {
              log.warn({ username: existing.username, role: existing.role, disabled: existing.disabled }, 'the bootstrap admin exists but is not an enabled ADMIN; left as it is');
            }
            return 'exists' as const;
          }
          await createUser({ username: admin.username, password: admin.password.reveal(), role: 'ADMIN' });
          log.info({ username: admin.username }, 'bootstrap admin created');
          return 'created' as const;
        },
        { maxWait: BOOTSTRAP_WAIT_MS, timeout: BOOTSTRAP_WAIT_MS },
      );
    },
  };
}
