import path from 'node:path';
import { inspect } from 'node:util';

import { createTopology, DEFAULT_PORT_BASE } from '../localnet/topology';

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
  /** How long one request to a peer may take: a qscc read, the start of a block event stream. */
  readonly requestTimeoutMs: number;
}

/**
 * A secret setting (a key, a password): printed, logged or serialised as `[redacted]`; only
 * `reveal()` gives the value, at the one place that uses it.
 */
export class Secret<T = string> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}

/** The wallet's AES-256-GCM keys: the current one encrypts, any listed version decrypts. */
export interface WalletKeyConfig {
  readonly version: number;
  readonly key: Secret<Buffer>;
}

export interface IdentitiesConfig {
  /** WALLET_KEY (version WALLET_KEY_VERSION); undefined when not set: the wallet refuses to start. */
  readonly walletKey: WalletKeyConfig | undefined;
  /** Older keys (WALLET_PREVIOUS_KEYS) still accepted for decryption, by version. */
  readonly previousWalletKeys: readonly WalletKeyConfig[];
  /** Connection profiles (LEDGER_CONNECTION_PROFILES) whose certificateAuthorities enroll users, one per organisation. */
  readonly connectionProfilePaths: readonly string[];
  readonly registrarId: string;
  readonly registrarSecret: Secret;
  /** Re-enroll certificates that expire within this many hours. */
  readonly renewWithinHours: number;
  /** How often the renewal job looks for such certificates. */
  readonly renewCheckMinutes: number;
}

export interface AuthConfig {
  /** HS256 signing key (AUTH_JWT_SECRET); undefined when not set: auth refuses to start. */
  readonly jwtSecret: Secret<Buffer> | undefined;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  readonly jwtTtlSeconds: number;
  readonly passwordMinLength: number;
  /** Failed logins allowed per username, and per client address, within the window. */
  readonly maxFailuresPerUser: number;
  readonly maxFailuresPerAddress: number;
  readonly failureWindowSeconds: number;
  /** The organisation of users created without one. */
  readonly defaultMspId: string;
  /** Created as an ADMIN on the first start if both are set and the user does not exist yet. */
  readonly bootstrapAdmin: { readonly username: string; readonly password: Secret } | undefined;
}

export interface Config {
  readonly databaseUrl: string;
  readonly logLevel: string;
  readonly sync: {
    readonly channels: readonly string[];
    /** Chaincode names whose writes the sample projector turns into assets and tokens. */
    readonly sampleChaincodes: readonly string[];
    readonly maxBatchBlocks: number;
    /** A first load of a ledger at least this high puts off the secondary indexes until the head; 0 never. */
    readonly deferIndexesFromBlocks: number;
    /** Catch-up reads run on a thread of their own, beside the cache's writing. */
    readonly catchUpThread: boolean;
    readonly lockPollMs: number;
    /** /readyz fails when the cache is behind the ledger and its checkpoint has not moved for this long. */
    readonly stallSeconds: number;
  };
  /** How often polled gauges (sync lag, queue depth) are refreshed for /metrics and /readyz. */
  readonly metricsPollMs: number;
  readonly ledger: LedgerIdentityConfig;
  readonly identities: IdentitiesConfig;
  readonly auth: AuthConfig;
  readonly ledgerClient: LedgerClientConfig;
  readonly submissions: SubmissionsConfig;
  readonly gateway: GatewayConfig;
  readonly network: NetworkConfig;
}

/** The admin API's view of the network (src/ledger/networkStatus.ts, lifecycle.ts). */
export interface NetworkConfig {
  /** How often every peer is asked for its height and every operations endpoint for its health. */
  readonly monitorIntervalMs: number;
  /** A peer lagging the highest one by more than `maxLagBlocks` for at least `graceMs` is flagged as diverged. */
  readonly divergence: { readonly maxLagBlocks: number; readonly graceMs: number };
  /** Deadline of one peer probe, one /healthz request and one _lifecycle query. */
  readonly probeTimeoutMs: number;
  /** Orderers' and CAs' operations endpoints (GET /healthz). */
  readonly operationsEndpoints: readonly { readonly kind: 'orderer' | 'ca'; readonly name: string; readonly url: string }[];
  /** PEM file of the CA behind HTTPS operations endpoints (undefined: the system's CAs). */
  readonly operationsTlsCaPath: string | undefined;
  /** How long committed chaincode definitions are reused before _lifecycle is asked again. */
  readonly chaincodeCacheMs: number;
}

/** The HTTP server (src/http) and the GraphQL API it carries. */
export interface GatewayConfig {
  readonly port: number;
  /** 127.0.0.1 by default, 0.0.0.0 when NODE_ENV=production (containers). */
  readonly host: string;
  /** The channel and chaincode whose assets and tokens the API exposes. */
  readonly channel: string;
  readonly chaincode: string;
  /** How long a SYNC mutation waits for the cache to index its block before answering `indexed: false`. */
  readonly indexWaitMs: number;
  readonly introspection: boolean;
  readonly graphiql: boolean;
  /** Largest request body; larger ones are refused with 413 before parsing. */
  readonly bodyLimitBytes: number;
  readonly limits: GatewayLimits;
  /** Requests per window per user (per client address when anonymous); 0 turns the limit off. */
  readonly rateLimit: { readonly max: number; readonly windowMs: number };
  /** A WebSocket whose unsent data grows past this is closed rather than buffered further. */
  readonly wsMaxBufferedBytes: number;
  /** Subscriptions open at once on one WebSocket; one more is refused (RATE_LIMITED) until one completes. */
  readonly wsMaxSubscriptions: number;
  /** WebSocket connections open at once per signed-in user (per client address when anonymous); 0 turns the bound off. */
  readonly wsMaxConnectionsPerClient: number;
  /** How often a signed-in WebSocket's token and user are checked again (expired, disabled, role changed); a failed check closes it with 4403. */
  readonly wsReauthMs: number;
  /** How long SIGTERM waits for requests in flight before closing their connections. */
  readonly shutdownGraceMs: number;
}

/** Bounds on one GraphQL document (src/http/limits.ts). */
export interface GatewayLimits {
  readonly maxDepth: number;
  /** Fields cost 1, times the page size (`first`/`last`, else `defaultPageSize`) of every list above them. */
  readonly maxCost: number;
  readonly defaultPageSize: number;
  readonly maxAliases: number;
  readonly maxRootFields: number;
  readonly maxDirectives: number;
  readonly maxTokens: number;
  /** Most operations in one batched HTTP request; 0 turns batching off. */
  readonly maxBatch: number;
}

/** The submission queue (src/submissions) and its submitter processes. */
export interface SubmissionsConfig {
  /** Most asynchronous submissions waiting or in flight; beyond it new ones are OVERLOADED. */
  readonly queueBound: number;
  /** Jobs one submitter process works at the same time. */
  readonly concurrency: number;
  /** A job not finished within this is taken as abandoned (its submitter died) and retried. */
  readonly jobExpireSeconds: number;
  /** Retries of a job after the first try, and the pause before each. */
  readonly retryLimit: number;
  readonly retryDelaySeconds: number;
  /** How often pg-boss looks for expired jobs. */
  readonly maintenanceSeconds: number;
  /** How often an idle submitter polls the queue. */
  readonly pollingSeconds: number;
  /**
   * How long after its id was recorded a transaction not (yet) found on the ledger may still reach
   * it: keep above the ledger client's order + commit deadlines (3 × 5 s + 30 s by default).
   */
  readonly inflightGraceMs: number;
  /** How long a repeated synchronous request waits for the first one's outcome. */
  readonly duplicateWaitMs: number;
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
  const bool = (key: string, fallback: boolean): boolean => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    if (raw !== 'true' && raw !== 'false') problems.push(`${key}: expected true or false, got "${raw}"`);
    return raw === 'true';
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
      deferIndexesFromBlocks: int('SYNC_DEFER_INDEXES_FROM_BLOCKS', 1000, 0, Number.MAX_SAFE_INTEGER),
      catchUpThread: bool('SYNC_CATCH_UP_THREAD', false),
      lockPollMs: int('SYNC_LOCK_POLL_MS', 2000, 100, 60_000),
      stallSeconds: int('SYNC_STALL_SECONDS', 120, 1, 86_400),
    },
    metricsPollMs: int('METRICS_POLL_MS', 5000, 100, 3_600_000),
    ledger: {
      connectionProfilePath: env.LEDGER_CONNECTION_PROFILE ?? path.join(fabricState, 'connection-org1.json'),
      mspId: env.LEDGER_MSP_ID ?? 'Org1MSP',
      certificatePath: env.LEDGER_CERT_PATH ?? path.join(userMsp, 'signcerts', 'cert.pem'),
      privateKeyPath: env.LEDGER_KEY_PATH ?? path.join(userMsp, 'keystore'),
      asLocalhost: asLocalhost === 'true',
      requestTimeoutMs: int('LEDGER_READ_TIMEOUT_MS', 30_000, 100, 600_000),
    },
    identities: loadIdentitiesConfig(env, fabricState, problems, int),
    auth: loadAuthConfig(env, problems, int),
    ledgerClient: loadLedgerClientConfig(env, fabricState, problems, int),
    submissions: loadSubmissionsConfig(int),
    gateway: loadGatewayConfig(env, problems, int, bool),
    network: loadNetworkConfig(env, fabricState, problems, int),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/** Freezes plain objects and arrays all the way down (a Buffer or a Secret is left as it is). */
function deepFreeze<T>(value: T): T {
  if (Array.isArray(value) || (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype)) {
    for (const child of Object.values(value as object)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

type IntReader = (key: string, fallback: number, min: number, max: number) => number;
type BoolReader = (key: string, fallback: boolean) => boolean;

function loadGatewayConfig(env: NodeJS.ProcessEnv, problems: string[], int: IntReader, bool: BoolReader): GatewayConfig {
  const production = env.NODE_ENV === 'production';
  const channel = env.GATEWAY_CHANNEL ?? (env.SYNC_CHANNELS ?? env.FABRIC_CHANNELS ?? 'mychannel').split(',')[0]?.trim() ?? '';
  if (!CHANNEL.test(channel)) problems.push(`GATEWAY_CHANNEL: expected a channel name, got "${channel}"`);
  const chaincode = env.GATEWAY_CHAINCODE ?? 'sample';
  if (!CHAINCODE.test(chaincode)) problems.push(`GATEWAY_CHAINCODE: expected a chaincode name, got "${chaincode}"`);
  const host = env.HOST ?? (production ? '0.0.0.0' : '127.0.0.1');
  if (host === '') problems.push('HOST: must not be empty');
  return {
    port: int('PORT', 4000, 0, 65_535),
    host,
    channel,
    chaincode,
    indexWaitMs: int('GATEWAY_INDEX_WAIT_MS', 5000, 0, 600_000),
    introspection: bool('GATEWAY_INTROSPECTION', !production),
    graphiql: bool('GATEWAY_GRAPHIQL', !production),
    bodyLimitBytes: int('GATEWAY_BODY_LIMIT_BYTES', 102_400, 1024, 100_000_000),
    limits: {
      maxDepth: int('GATEWAY_MAX_DEPTH', 12, 1, 1000),
      maxCost: int('GATEWAY_MAX_COST', 20_000, 1, 100_000_000),
      defaultPageSize: int('GATEWAY_COST_DEFAULT_PAGE_SIZE', 50, 1, 100_000),
      maxAliases: int('GATEWAY_MAX_ALIASES', 15, 0, 10_000),
      maxRootFields: int('GATEWAY_MAX_ROOT_FIELDS', 10, 1, 10_000),
      maxDirectives: int('GATEWAY_MAX_DIRECTIVES', 20, 0, 10_000),
      maxTokens: int('GATEWAY_MAX_TOKENS', 2000, 10, 1_000_000),
      maxBatch: int('GATEWAY_MAX_BATCH', 10, 0, 1000),
    },
    rateLimit: { max: int('GATEWAY_RATE_LIMIT_MAX', 600, 0, 10_000_000), windowMs: int('GATEWAY_RATE_LIMIT_WINDOW_MS', 60_000, 100, 86_400_000) },
    wsMaxBufferedBytes: int('GATEWAY_WS_MAX_BUFFERED_BYTES', 1_048_576, 1024, 1_073_741_824),
    wsMaxSubscriptions: int('GATEWAY_WS_MAX_SUBSCRIPTIONS', 100, 1, 100_000),
    wsMaxConnectionsPerClient: int('GATEWAY_WS_MAX_CONNECTIONS_PER_CLIENT', 50, 0, 1_000_000),
    wsReauthMs: int('GATEWAY_WS_REAUTH_SECONDS', 60, 1, 86_400) * 1000,
    shutdownGraceMs: int('GATEWAY_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
  };
}

const OPERATIONS_ENDPOINT = /^(orderer|ca):([A-Za-z0-9][A-Za-z0-9._-]{0,127})=(https?:\/\/\S+)$/;

/**
 * NETWORK_OPERATIONS_ENDPOINTS (`orderer:<name>=<url>,ca:<name>=<url>,...`); unset, the local
 * network's orderers and CAs (FABRIC_PORT_BASE) when the connection profiles are the local
 * network's too (LEDGER_CONNECTION_PROFILES unset), else none.
 */
function operationsEndpoints(env: NodeJS.ProcessEnv, fabricState: string, problems: string[], int: IntReader): NetworkConfig['operationsEndpoints'] {
  const raw = env.NETWORK_OPERATIONS_ENDPOINTS;
  if (raw === undefined) {
    if (env.LEDGER_CONNECTION_PROFILES !== undefined && env.LEDGER_CONNECTION_PROFILES !== '') return [];
    const topology = createTopology({ stateDir: fabricState, portBase: int('FABRIC_PORT_BASE', DEFAULT_PORT_BASE, 1024, 65_000) });
    return [
      ...topology.orderers.map((o) => ({ kind: 'orderer' as const, name: o.name, url: `http://127.0.0.1:${o.opsPort}` })),
      ...topology.orgs.map((o) => ({ kind: 'ca' as const, name: o.ca.name, url: `http://127.0.0.1:${o.ca.opsPort}` })),
    ];
  }
  const endpoints: { kind: 'orderer' | 'ca'; name: string; url: string }[] = [];
  for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = OPERATIONS_ENDPOINT.exec(item);
    const [, kind, name, url] = match ?? [];
    if ((kind === 'orderer' || kind === 'ca') && name && url && URL.canParse(url)) endpoints.push({ kind, name, url });
    else problems.push(`NETWORK_OPERATIONS_ENDPOINTS: expected orderer:<name>=<http(s) URL> or ca:<name>=<URL>, comma-separated; bad: "${item}"`);
  }
  return endpoints;
}

function loadNetworkConfig(env: NodeJS.ProcessEnv, fabricState: string, problems: string[], int: IntReader): NetworkConfig {
  const caPath = env.NETWORK_OPERATIONS_TLS_CA;
  return {
    monitorIntervalMs: int('PEER_MONITOR_INTERVAL_MS', 5000, 100, 3_600_000),
    divergence: {
      maxLagBlocks: int('PEER_DIVERGENCE_BLOCKS', 5, 0, 1_000_000_000),
      graceMs: int('PEER_DIVERGENCE_SECONDS', 30, 0, 86_400) * 1000,
    },
    probeTimeoutMs: int('NETWORK_PROBE_TIMEOUT_MS', 3000, 100, 120_000),
    operationsEndpoints: operationsEndpoints(env, fabricState, problems, int),
    operationsTlsCaPath: caPath === undefined || caPath === '' ? undefined : caPath,
    chaincodeCacheMs: int('NETWORK_CHAINCODE_CACHE_MS', 10_000, 0, 3_600_000),
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes standard base64 to exactly `bytes` bytes, or reports why not (never echoing the value). */
function base64Key(key: string, raw: string, bytes: number, problems: string[]): Buffer | undefined {
  const trimmed = raw.trim();
  if (!BASE64.test(trimmed)) {
    problems.push(`${key}: expected ${bytes} bytes in base64 (e.g. \`openssl rand -base64 ${bytes}\`), got something that is not base64`);
    return undefined;
  }
  const decoded = Buffer.from(trimmed, 'base64');
  if (decoded.length !== bytes) {
    problems.push(`${key}: expected ${bytes} bytes in base64 (e.g. \`openssl rand -base64 ${bytes}\`), got ${decoded.length} bytes`);
    return undefined;
  }
  return decoded;
}

function previousWalletKeys(raw: string, currentVersion: number, problems: string[]): WalletKeyConfig[] {
  const previous: WalletKeyConfig[] = [];
  for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const colon = item.indexOf(':');
    const v = Number(item.slice(0, colon));
    if (colon < 1 || !Number.isInteger(v) || v < 1 || v === currentVersion) {
      problems.push('WALLET_PREVIOUS_KEYS: expected a comma-separated list of <version>:<base64 key>, versions other than WALLET_KEY_VERSION');
      continue;
    }
    const key = base64Key(`WALLET_PREVIOUS_KEYS (version ${v})`, item.slice(colon + 1), 32, problems);
    if (key) previous.push({ version: v, key: new Secret(key) });
  }
  return previous;
}

function loadIdentitiesConfig(env: NodeJS.ProcessEnv, fabricState: string, problems: string[], int: IntReader): IdentitiesConfig {
  const version = int('WALLET_KEY_VERSION', 1, 1, 1_000_000);
  const rawKey = env.WALLET_KEY;
  const current = rawKey === undefined || rawKey === '' ? undefined : base64Key('WALLET_KEY', rawKey, 32, problems);
  const previous = previousWalletKeys(env.WALLET_PREVIOUS_KEYS ?? '', version, problems);
  // The same profiles as the ledger client (LEDGER_CONNECTION_PROFILES, which reports its own problems).
  const profiles = Object.values(connectionProfilesFrom(env.LEDGER_CONNECTION_PROFILES, fabricState, []));
  const registrarId = env.CA_REGISTRAR_ID ?? 'admin';
  if (registrarId === '') problems.push('CA_REGISTRAR_ID: must not be empty');
  return {
    walletKey: current ? { version, key: new Secret(current) } : undefined,
    previousWalletKeys: previous,
    connectionProfilePaths: profiles,
    registrarId,
    registrarSecret: new Secret(env.CA_REGISTRAR_SECRET ?? 'adminpw'),
    renewWithinHours: int('IDENTITY_RENEW_WITHIN_HOURS', 720, 1, 100_000),
    renewCheckMinutes: int('IDENTITY_RENEW_CHECK_MINUTES', 60, 1, 10_000),
  };
}

const USERNAME = /^[a-z][a-z0-9._-]{2,63}$/;

function bootstrapAdmin(env: NodeJS.ProcessEnv, passwordMinLength: number, problems: string[]): AuthConfig['bootstrapAdmin'] {
  const username = env.AUTH_BOOTSTRAP_ADMIN_USERNAME ?? '';
  const password = env.AUTH_BOOTSTRAP_ADMIN_PASSWORD ?? '';
  if ((username === '') !== (password === '')) {
    problems.push('AUTH_BOOTSTRAP_ADMIN_USERNAME and AUTH_BOOTSTRAP_ADMIN_PASSWORD: set both or neither');
  }
  if (username !== '' && !USERNAME.test(username)) {
    problems.push('AUTH_BOOTSTRAP_ADMIN_USERNAME: expected 3-64 characters: a lower-case letter, then lower-case letters, digits, ".", "_" or "-"');
  }
  if (password !== '' && password.length < passwordMinLength) {
    problems.push(`AUTH_BOOTSTRAP_ADMIN_PASSWORD: expected at least AUTH_PASSWORD_MIN_LENGTH (${passwordMinLength}) characters`);
  }
  return username !== '' && password !== '' ? { username, password: new Secret(password) } : undefined;
}

function loadAuthConfig(env: NodeJS.ProcessEnv, problems: string[], int: IntReader): AuthConfig {
  const rawSecret = env.AUTH_JWT_SECRET;
  const jwtSecret = rawSecret === undefined || rawSecret === '' ? undefined : base64Key('AUTH_JWT_SECRET', rawSecret, 32, problems);
  const passwordMinLength = int('AUTH_PASSWORD_MIN_LENGTH', 12, 8, 256);
  return {
    jwtSecret: jwtSecret ? new Secret(jwtSecret) : undefined,
    jwtIssuer: env.AUTH_JWT_ISSUER ?? 'ledger-gateway',
    jwtAudience: env.AUTH_JWT_AUDIENCE ?? 'ledger-gateway-api',
    jwtTtlSeconds: int('AUTH_JWT_TTL_SECONDS', 900, 30, 86_400),
    passwordMinLength,
    maxFailuresPerUser: int('AUTH_LOGIN_MAX_FAILURES_PER_USER', 5, 1, 10_000),
    maxFailuresPerAddress: int('AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS', 20, 1, 100_000),
    failureWindowSeconds: int('AUTH_LOGIN_FAILURE_WINDOW_SECONDS', 900, 1, 86_400),
    defaultMspId: env.AUTH_DEFAULT_MSP_ID ?? env.LEDGER_MSP_ID ?? 'Org1MSP',
    bootstrapAdmin: bootstrapAdmin(env, passwordMinLength, problems),
  };
}

/**
 * A setting that only some roles need (the wallet key, the JWT secret), or the start-up error that
 * names it. Factories call it when they are created, so a missing key stops the start, not the
 * first request.
 */
export function requireSetting<T>(value: T | undefined, key: string, hint: string): T {
  if (value === undefined) throw new ConfigError([`${key}: required (${hint})`]);
  return value;
}

/** The commit-wait strategies of the DApp layer's ledger client (fabric-network's names). */
export const LEDGER_EVENT_STRATEGIES = [
  'PREFER_MSPID_SCOPE_ANYFORTX',
  'PREFER_MSPID_SCOPE_ALLFORTX',
  'MSPID_SCOPE_ANYFORTX',
  'MSPID_SCOPE_ALLFORTX',
  'NETWORK_SCOPE_ANYFORTX',
  'NETWORK_SCOPE_ALLFORTX',
] as const;

/** The DApp layer's ledger client: the same shape as `createFabricLedgerClient`'s settings. */
export interface LedgerClientConfig {
  /** MSP ID -> connection profile path. */
  readonly connectionProfiles: Readonly<Record<string, string>>;
  readonly asLocalhost: boolean;
  readonly eventStrategy: (typeof LEDGER_EVENT_STRATEGIES)[number];
  readonly timeouts: { readonly endorseMs: number; readonly orderMs: number; readonly commitMs: number; readonly evaluateMs: number; readonly connectMs: number };
  readonly pool: { readonly maxSize: number; readonly idleMs: number };
  readonly retry: { readonly maxAttempts: number; readonly initialDelayMs: number; readonly maxDelayMs: number };
  readonly peerBackoff: { readonly initialMs: number; readonly maxMs: number };
}

const MSP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `MSPID=path,...`; unset, the local network's two organisations in the state folder. */
function connectionProfilesFrom(raw: string | undefined, fabricState: string, problems: string[]): Record<string, string> {
  if (raw === undefined || raw === '') {
    return { Org1MSP: path.join(fabricState, 'connection-org1.json'), Org2MSP: path.join(fabricState, 'connection-org2.json') };
  }
  const profiles: Record<string, string> = {};
  for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = item.indexOf('=');
    const mspId = item.slice(0, at);
    if (at < 1 || !MSP_ID.test(mspId) || item.length === at + 1) problems.push(`LEDGER_CONNECTION_PROFILES: expected MSPID=path[,MSPID=path...], bad: "${item}"`);
    else profiles[mspId] = item.slice(at + 1);
  }
  return profiles;
}

function loadLedgerClientConfig(env: NodeJS.ProcessEnv, fabricState: string, problems: string[], int: IntReader): LedgerClientConfig {
  const connectionProfiles = connectionProfilesFrom(env.LEDGER_CONNECTION_PROFILES, fabricState, problems);
  const eventStrategy = env.LEDGER_EVENT_STRATEGY ?? 'PREFER_MSPID_SCOPE_ANYFORTX';
  const strategy = LEDGER_EVENT_STRATEGIES.find((s) => s === eventStrategy);
  if (!strategy) problems.push(`LEDGER_EVENT_STRATEGY: expected one of ${LEDGER_EVENT_STRATEGIES.join(', ')}, got "${eventStrategy}"`);
  const retryInitial = int('LEDGER_RETRY_INITIAL_MS', 100, 1, 60_000);
  const retryMax = int('LEDGER_RETRY_MAX_MS', 3000, 1, 600_000);
  if (retryMax < retryInitial) problems.push('LEDGER_RETRY_MAX_MS: must not be below LEDGER_RETRY_INITIAL_MS');
  const backoff = int('LEDGER_PEER_BACKOFF_MS', 2000, 1, 600_000);
  const backoffMax = int('LEDGER_PEER_BACKOFF_MAX_MS', 30_000, 1, 3_600_000);
  if (backoffMax < backoff) problems.push('LEDGER_PEER_BACKOFF_MAX_MS: must not be below LEDGER_PEER_BACKOFF_MS');
  return {
    connectionProfiles,
    // Validated with the sync settings above (one key for both).
    asLocalhost: (env.LEDGER_AS_LOCALHOST ?? 'true') === 'true',
    eventStrategy: strategy ?? 'PREFER_MSPID_SCOPE_ANYFORTX',
    timeouts: {
      endorseMs: int('LEDGER_ENDORSE_TIMEOUT_MS', 15_000, 100, 600_000),
      orderMs: int('LEDGER_ORDER_TIMEOUT_MS', 5000, 100, 600_000),
      commitMs: int('LEDGER_COMMIT_TIMEOUT_MS', 30_000, 100, 600_000),
      evaluateMs: int('LEDGER_EVALUATE_TIMEOUT_MS', 10_000, 100, 600_000),
      connectMs: int('LEDGER_CONNECT_TIMEOUT_MS', 3000, 100, 60_000),
    },
    pool: { maxSize: int('LEDGER_POOL_MAX', 100, 1, 100_000), idleMs: int('LEDGER_POOL_IDLE_MS', 300_000, 1000, 86_400_000) },
    retry: { maxAttempts: int('LEDGER_RETRY_MAX_ATTEMPTS', 6, 1, 100), initialDelayMs: retryInitial, maxDelayMs: retryMax },
    peerBackoff: { initialMs: backoff, maxMs: backoffMax },
  };
}

function loadSubmissionsConfig(int: IntReader): SubmissionsConfig {
  const jobExpireSeconds = int('SUBMITTER_JOB_EXPIRE_SECONDS', 180, 1, 86_400);
  const inflightGraceMs = int('SUBMISSION_INFLIGHT_GRACE_MS', 45_000, 0, 3_600_000);
  return {
    queueBound: int('SUBMISSION_QUEUE_BOUND', 1000, 1, 10_000_000),
    concurrency: int('SUBMITTER_CONCURRENCY', 8, 1, 1000),
    jobExpireSeconds,
    retryLimit: int('SUBMITTER_RETRY_LIMIT', 20, 0, 10_000),
    retryDelaySeconds: int('SUBMITTER_RETRY_DELAY_SECONDS', 2, 0, 3600),
    maintenanceSeconds: int('SUBMITTER_MAINTENANCE_SECONDS', 30, 1, 3600),
    pollingSeconds: int('SUBMITTER_POLLING_SECONDS', 1, 1, 600),
    inflightGraceMs,
    duplicateWaitMs: int('SUBMISSION_DUPLICATE_WAIT_MS', 60_000, 0, 3_600_000),
  };
}
