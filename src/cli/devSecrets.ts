import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The secrets `npm start` needs on a developer's machine (WALLET_KEY, AUTH_JWT_SECRET and a
 * bootstrap admin), generated once and kept in the local network's state folder (mode 0600), so
 * a second start reuses them: the wallet stays readable and tokens stay valid. A value set in the
 * environment always wins. Never for production: there the keys come from a secret store.
 */
export const DEV_SECRETS_FILE = 'dev-secrets.json';
/** Not `admin`: user names are enrollment ids at the CA, whose registrar is already `admin`. */
export const DEV_ADMIN_USERNAME = 'gatewayadmin';

export interface DevSecrets {
  /** Settings to put into the environment before the configuration is read. */
  readonly env: Readonly<Record<string, string>>;
  readonly file: string;
  /** The bootstrap admin's user name, and where its password is (undefined when the environment chose it). */
  readonly adminUsername: string;
  readonly adminPasswordIn: string | undefined;
}

type Stored = Partial<Record<'WALLET_KEY' | 'AUTH_JWT_SECRET' | 'AUTH_BOOTSTRAP_ADMIN_USERNAME' | 'AUTH_BOOTSTRAP_ADMIN_PASSWORD', string>>;

function readStored(file: string): Stored {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Stored;
  } catch {
    return {};
  }
}

function generated(stored: Stored): Required<Stored> {
  return {
    WALLET_KEY: stored.WALLET_KEY ?? randomBytes(32).toString('base64'),
    AUTH_JWT_SECRET: stored.AUTH_JWT_SECRET ?? randomBytes(32).toString('base64'),
    AUTH_BOOTSTRAP_ADMIN_USERNAME: stored.AUTH_BOOTSTRAP_ADMIN_USERNAME ?? DEV_ADMIN_USERNAME,
    AUTH_BOOTSTRAP_ADMIN_PASSWORD: stored.AUTH_BOOTSTRAP_ADMIN_PASSWORD ?? randomBytes(15).toString('base64url'),
  };
}

const isSet = (value: string | undefined): value is string => value !== undefined && value !== '';

export function ensureDevSecrets(stateDir: string, env: NodeJS.ProcessEnv): DevSecrets {
  const file = path.join(stateDir, DEV_SECRETS_FILE);
  const stored = readStored(file);
  const next = generated(stored);
  if (JSON.stringify(next) !== JSON.stringify(stored)) {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  }
  // The admin's two settings go together: both from the environment, or both from the file.
  const adminFromEnv = isSet(env.AUTH_BOOTSTRAP_ADMIN_USERNAME) && isSet(env.AUTH_BOOTSTRAP_ADMIN_PASSWORD);
  const pick = (key: 'WALLET_KEY' | 'AUTH_JWT_SECRET'): string => (isSet(env[key]) ? env[key] : next[key]);
  const result = {
    WALLET_KEY: pick('WALLET_KEY'),
    AUTH_JWT_SECRET: pick('AUTH_JWT_SECRET'),
    AUTH_BOOTSTRAP_ADMIN_USERNAME: adminFromEnv ? (env.AUTH_BOOTSTRAP_ADMIN_USERNAME ?? '') : next.AUTH_BOOTSTRAP_ADMIN_USERNAME,
    AUTH_BOOTSTRAP_ADMIN_PASSWORD: adminFromEnv ? (env.AUTH_BOOTSTRAP_ADMIN_PASSWORD ?? '') : next.AUTH_BOOTSTRAP_ADMIN_PASSWORD,
  };
  return { env: result, file, adminUsername: result.AUTH_BOOTSTRAP_ADMIN_USERNAME, adminPasswordIn: adminFromEnv ? undefined : file };
}
