import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Pool } from 'pg';

import { createMetrics, type Logger, type Metrics } from '../common';
import type { Config } from '../config';
import type { ReadinessCheck } from '../http';
import type { PeerStatus } from '../ledger';
import type { SyncMonitor } from '../sync';
import { migrationFolders, migrationsCheck, peersCheck, postgresCheck, syncCheck } from './readiness';
import { runSyncWorkers } from './syncWorkers';

/**
 * The process roles of `serve` (and of `npm start`, which runs `all`): which parts run here, wired
 * from the settings, with one HTTP server on PORT for /healthz and /readyz (and the API for the
 * gateway). Parts that import the Fabric SDK are loaded on use (see ./syncWorkers.ts).
 *
 * Every role also serves /metrics from one registry created here and handed to the parts, and
 * /readyz checks PostgreSQL, the migrations, a peer of every organisation (the gateway's network
 * status, else a peer monitor of its own) and, where sync runs, that it is not stalled.
 *
 * - gateway: the GraphQL API (users, submissions service without a submitter, ledger events,
 *   read queries and loaders), the bootstrap admin and the identity renewal timer.
 * - sync: the sync worker for every channel of SYNC_CHANNELS.
 * - submitter: works the submission queue.
 * - all: all three in one process (one submissions runtime is both service and submitter).
 */
export const ROLES = ['gateway', 'sync', 'submitter', 'all'] as const;
export type Role = (typeof ROLES)[number];

export interface RunningRoles {
  readonly role: Role;
  /** Base URL of the HTTP server, and the API's URLs when this process serves it. */
  readonly urls: { readonly http: string; readonly graphql?: string; readonly websocket?: string; readonly graphiql?: string };
  /** Rejects when a part fails on its own (e.g. the sync worker stops on a gap); never resolves otherwise. */
  readonly failure: Promise<never>;
  /** Graceful stop: drain HTTP and WebSocket, finish the sync batch, stop the submitter, close pools. */
  stop(): Promise<void>;
}

type Closer = () => Promise<void>;

const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'prisma', 'migrations');

const QUEUE_DEPTH = "SELECT count(*)::int AS n FROM submissions WHERE mode = 'ASYNC' AND status IN ('QUEUED', 'SUBMITTED')";

/** Refreshes the queue depth gauge every METRICS_POLL_MS; the closer stops it. */
function pollQueueDepth(pool: Pool, metrics: Metrics, everyMs: number): Closer {
  let polling: Promise<void> = Promise.resolve();
  const poll = (): void => {
    polling = pool.query<{ n: number }>(QUEUE_DEPTH).then(
      (r) => {
        metrics.queueDepth.set(r.rows[0]?.n ?? 0);
      },
      () => undefined,
    );
  };
  poll();
  const timer = setInterval(poll, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await polling;
  };
}

/** The organisations without an answering peer, or undefined before the first round. */
function orgsWithoutPeers(statuses: readonly PeerStatus[], without: (s: readonly PeerStatus[]) => string[]): string[] | undefined {
  return statuses.length === 0 ? undefined : without(statuses);
}

export async function startRoles({ config, role, log }: { config: Config; role: Role; log: Logger }): Promise<RunningRoles> {
  const closers: Closer[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        log.error({ err: error instanceof Error ? error.message : String(error) }, 'a part failed to stop cleanly');
      }
    }
    closers.length = 0;
  };
  try {
    return await start(config, role, log, closers, closeAll);
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function start(config: Config, role: Role, log: Logger, closers: Closer[], closeAll: () => Promise<void>): Promise<RunningRoles> {
  const { createHttpServer } = await import('../http/index.js');
  const healthPool = new Pool({ connectionString: config.databaseUrl, max: 1, application_name: `ledger-${role}-health` });
  healthPool.on('error', () => undefined);
  closers.push(() => healthPool.end());
  const serves = (part: Exclude<Role, 'all'>): boolean => role === part || role === 'all';
  const metrics = createMetrics({ role });
  const readiness: ReadinessCheck[] = [postgresCheck(healthPool), migrationsCheck(healthPool, await migrationFolders(MIGRATIONS_DIR))];

  let failed: (error: Error) => void = () => undefined;
  const failure = new Promise<never>((_resolve, reject) => {
    failed = reject;
  });
  failure.catch(() => undefined);

  const gateway = serves('gateway') ? await startGateway(config, role, log, closers, metrics) : undefined;
  const peers = gateway?.peers ?? (await startPeerWatch(config, role, log, closers, metrics));
  const { organisationsWithoutPeers } = await import('../ledger/index.js');
  readiness.push(peersCheck(() => orgsWithoutPeers(peers(), organisationsWithoutPeers)));
  if (role === 'submitter') {
    const { startSubmissionsFromConfig } = await import('../submissions/index.js');
    const runtime = await startSubmissionsFromConfig({ config, log: log.child({ part: 'submitter' }), submitter: true, metrics });
    closers.push(() => runtime.close());
  }
  if (serves('gateway') || serves('submitter')) closers.push(pollQueueDepth(healthPool, metrics, config.metricsPollMs));
  if (serves('sync')) {
    const controller = new AbortController();
    const syncLog = log.child({ part: 'sync' });
    let monitor: SyncMonitor | undefined;
    readiness.push(syncCheck(() => (monitor ? monitor.notReadyReason() : 'the sync worker is starting')));
    const onMonitor = (m: SyncMonitor): void => {
      monitor = m;
    };
    const done = runSyncWorkers({ config, channels: config.sync.channels, log: syncLog, signal: controller.signal, metrics, onMonitor }).then(
      () => {
        if (!controller.signal.aborted) failed(new Error('the sync worker stopped'));
      },
      (error: unknown) => {
        syncLog.error({ err: error instanceof Error ? error.message : String(error) }, 'the sync worker failed');
        failed(error instanceof Error ? error : new Error(String(error)));
      },
    );
    closers.push(async () => {
      controller.abort();
      await done;
    });
  }

  const graphql = gateway?.endpoint;
  const http = await createHttpServer({ config: config.gateway, log: log.child({ part: 'http' }), role, readiness, metrics, ...(graphql ? { graphql } : {}) });
  closers.push(() => http.close());
  const { url } = await http.listen();
  const api = graphql
    ? { graphql: `${url}/graphql`, websocket: `${url.replace(/^http/, 'ws')}/graphql`, ...(config.gateway.graphiql ? { graphiql: `${url}/graphiql` } : {}) }
    : {};
  return { role, urls: { http: url, ...api }, failure, stop: closeAll };
}

/** A peer monitor for roles without the gateway's network status (readiness and the peer gauges). */
async function startPeerWatch(config: Config, role: Role, log: Logger, closers: Closer[], metrics: Metrics): Promise<() => readonly PeerStatus[]> {
  const { startPeerWatchFromConfig } = await import('../ledger/index.js');
  const watch = await startPeerWatchFromConfig({
    network: config.network,
    ledger: config.ledger,
    connectionProfilePaths: Object.values(config.ledgerClient.connectionProfiles),
    channels: role === 'sync' ? config.sync.channels : [config.gateway.channel],
    log: log.child({ part: 'peers' }),
    metrics,
  });
  closers.push(() => {
    watch.close();
    return Promise.resolve();
  });
  return () => watch.statuses();
}

interface StartedGateway {
  readonly endpoint: import('../http').GraphqlEndpoint;
  /** The network status's latest peer statuses. */
  readonly peers: () => readonly PeerStatus[];
}

async function startGateway(config: Config, role: Role, log: Logger, closers: Closer[], metrics: Metrics): Promise<StartedGateway> {
  const [{ createUsersServiceFromConfig }, { createIdentityServiceFromConfig }, { startSubmissionsFromConfig }, store, { createGraphqlSchema }] = await Promise.all([
    import('../auth/index.js'),
    import('../ledger/identities/index.js'),
    import('../submissions/index.js'),
    import('../store/index.js'),
    import('../graphql/index.js'),
  ]);
  const prisma = store.createPrismaClient({ databaseUrl: config.databaseUrl, maxConnections: 10 });
  closers.push(() => prisma.$disconnect());
  const identities = await createIdentityServiceFromConfig({ config: config.identities, prisma, log: log.child({ part: 'identities' }) });
  const users = createUsersServiceFromConfig({ config: config.auth, prisma, identities, log: log.child({ part: 'users' }) });
  const bootstrap = await users.ensureBootstrapAdmin();
  log.info({ bootstrapAdmin: bootstrap, username: config.auth.bootstrapAdmin?.username }, 'bootstrap admin checked');
  const stopRenewal = identities.startRenewal(config.identities.renewCheckMinutes * 60_000);
  closers.push(() => {
    stopRenewal();
    return Promise.resolve();
  });
  // In `all`, this one runtime is also the submitter.
  const submissions = await startSubmissionsFromConfig({ config, log: log.child({ part: 'submissions' }), submitter: role === 'all', metrics });
  closers.push(() => submissions.close());
  const ledgerEvents = await store.createLedgerEvents({ databaseUrl: config.databaseUrl, prisma, log });
  closers.push(() => ledgerEvents.close());
  const domain = { channel: config.gateway.channel, chaincode: config.gateway.chaincode };
  // Reads go through pg directly (see src/store/sqlReader.ts); one pool for the API's and the admin reads.
  const sql = store.createSqlReader({ databaseUrl: config.databaseUrl, maxConnections: 10, applicationName: 'ledger-gateway-reads' });
  closers.push(() => sql.end());
  const reads = store.createReadQueries({ sql });
  const admin = await startAdminServices(config, sql, log, closers, metrics);
  const endpoint = {
    schema: createGraphqlSchema(),
    services: { domain, users, submissions: submissions.service, reads, ledgerEvents, indexWaitMs: config.gateway.indexWaitMs, admin },
    createLoaders: () => store.createLoaders({ reads, domain }),
  };
  return { endpoint, peers: () => admin.network.snapshot().peers };
}

/** The admin API's services: this replica's network status (peer monitor, orderer/CA health) and the admin reads. */
async function startAdminServices(config: Config, sql: import('../store').SqlReader, log: Logger, closers: Closer[], metrics: Metrics): Promise<import('../graphql').AdminServices> {
  const [{ startNetworkServicesFromConfig }, { createAdminReads }, { lockKey }] = await Promise.all([import('../ledger/index.js'), import('../store/index.js'), import('../sync/index.js')]);
  const networkServices = await startNetworkServicesFromConfig({
    network: config.network,
    ledger: config.ledger,
    connectionProfilePaths: Object.values(config.ledgerClient.connectionProfiles),
    channels: config.sync.channels,
    log: log.child({ part: 'network' }),
    metrics,
  });
  closers.push(() => {
    networkServices.close();
    return Promise.resolve();
  });
  const { network, chaincodes } = networkServices;
  return { reads: createAdminReads({ sql }), network, chaincodes, channels: config.sync.channels, syncLockKey: lockKey };
}

/**
 * Waits for SIGTERM/SIGINT (or a part's failure), then stops, within `graceMs` for the parts after
 * the HTTP drain (which has the same bound); resolves with the exit code (1 after a failure or a
 * stop that did not finish in time).
 */
export async function runUntilSignal(running: RunningRoles, log: Logger, graceMs: number): Promise<number> {
  let code = 0;
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => {
      resolve(signal);
    });
  });
  try {
    const signal = await Promise.race([signalled, running.failure]);
    log.info({ signal }, 'stopping: draining HTTP and WebSocket, finishing work in hand');
  } catch (error) {
    log.error({ err: error instanceof Error ? error.message : String(error) }, 'stopping after a failure');
    code = 1;
  }
  const stopped = await Promise.race([running.stop().then(() => true), sleep(graceMs + 2000, false, { ref: false })]);
  if (!stopped) {
    log.error({ graceMs }, 'parts still stopping after the grace period: exiting anyway');
    code = 1;
  }
  log.info({ code }, 'stopped');
  return code;
}
