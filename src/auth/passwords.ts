import { hash, verify } from '@node-rs/argon2';

/**
 * Password hashing with argon2id (@node-rs/argon2: Rust, prebuilt binaries, no install script).
 * Parameters: OWASP's recommendation for argon2id, 19 MiB of memory, 2 passes, 1 lane. They are
 * stored in each hash (PHC string), so raising them later keeps old hashes verifiable.
 */
// The library's default algorithm is argon2id (its Algorithm enum is a const enum, which
// isolatedModules cannot read); the unit tests check that hashes are $argon2id$.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

export const PASSWORD_MAX_LENGTH = 1024;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** False for a wrong password and for a hash that is not argon2 (never throws on bad input). */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Verifies against a hash of a random password, so that a login for an unknown user costs what a
 * wrong password costs and response times don't tell which usernames exist.
 */
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummy ??= hashPassword(`no user ${String(Math.random())}`);
  await verifyPassword(await dummy, password);
  return false;
}

/** Why a new password is refused, or undefined if it is acceptable. */
export function passwordProblem(password: string, minLength: number): string | undefined {
  if (password.length < minLength) return `the password must have at least ${minLength} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `the password must have at most ${PASSWORD_MAX_LENGTH} characters`;
  return undefined;
}
