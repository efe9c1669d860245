import path from 'node:path';

/**
 * All settings, read from the environment once at start-up into one frozen object. A bad value
 * fails the start with one message that lists every bad key, not just the first.
 */
export interface LedgerIdentityConfig {
  readonly connectionProfilePath: string;
  readonly mspId: string;
  readonly certificatePath: string;
  /** A PEM file, or a folder holding exactly one (an MSP keystore). */
  readonly privateKeyPath: string;
  readonly asLocalhost: boolean;
}

export interface Config {
  readonly databaseUrl: string;
  readonly logLevel: string;
  readonly sync: {
    readonly channels: readonly string[];
    /** Chaincode names whose writes the sample projector turns into assets and tokens. */
    readonly sampleChaincodes: readonly string[];
    readonly maxBatchBlocks: number;
    readonly lockPollMs: number;
  };
  readonly ledger: LedgerIdentityConfig;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'BAD_CONFIG';

  constructor(readonly problems: readonly string[]) {
    super(`bad configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const CHANNEL = /^[a-z][a-z0-9.-]{0,48}$/;
const CHAINCODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/ledger_gateway';

export function loadConfig(env: NodeJS.ProcessEnv, repoRoot: string): Config {
  const problems: string[] = [];
  const list = (key: string, fallback: string, pattern: RegExp): string[] => {
    const items = (env[key] ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);
    const bad = items.filter((i) => !pattern.test(i));
    if (items.length === 0 || bad.length > 0) problems.push(`${key}: expected a comma-separated list of names, bad: ${bad.join(', ') || '(empty)'}`);
    return items;
  };
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${key}: expected an integer from ${min} to ${max}, got "${raw}"`);
    return value;
  };
  const databaseUrl = env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL: expected a postgresql:// URL');
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const fabricState = env.FABRIC_STATE_DIR ?? path.join(repoRoot, '.fabric');
  const userMsp = path.join(fabricState, 'orgs', 'org1', 'users', 'user1@org1.example.com', 'msp');
  const asLocalhost = env.LEDGER_AS_LOCALHOST ?? 'true';
  if (asLocalhost !== 'true' && asLocalhost !== 'false') problems.push(`LEDGER_AS_LOCALHOST: expected true or false, got "${asLocalhost}"`);
  const config: Config = {
    databaseUrl,
    logLevel,
    sync: {
      channels: list('SYNC_CHANNELS', env.FABRIC_CHANNELS ?? 'mychannel', CHANNEL),
      sampleChaincodes: list('SYNC_SAMPLE_CHAINCODES', 'sample', CHAINCODE),
      maxBatchBlocks: int('SYNC_MAX_BATCH_BLOCKS', 200, 1, 10_000),
      lockPollMs: int('SYNC_LOCK_POLL_MS', 2000, 100, 60_000),
    },
    ledger: {
      connectionProfilePath: env.LEDGER_CONNECTION_PROFILE ?? path.join(fabricState, 'connection-org1.json'),
      mspId: env.LEDGER_MSP_ID ?? 'Org1MSP',
      certificatePath: env.LEDGER_CERT_PATH ?? path.join(userMsp, 'signcerts', 'cert.pem'),
      privateKeyPath: env.LEDGER_KEY_PATH ?? path.join(userMsp, 'keystore'),
      asLocalhost: asLocalhost === 'true',
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
