import { Pool } from 'pg';

import type { Logger } from '../common';
import type { Config } from '../config';
import type { ReadinessCheck } from '../http';
import { runSyncWorkers } from './syncWorkers';

/**
 * The process roles of `serve` (and of `npm start`, which runs `all`): which parts run here, wired
 * from the settings, with one HTTP server on PORT for /healthz and /readyz (and the API for the
 * gateway). Parts that import the Fabric SDK are loaded on use (see ./syncWorkers.ts).
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

function postgresCheck(pool: Pool): ReadinessCheck {
  return {
    name: 'postgres',
    async check() {
      await pool.query('SELECT 1');
    },
  };
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

  let failed: (error: Error) => void = () => undefined;
  const failure = new Promise<never>((_resolve, reject) => {
    failed = reject;
  });
  failure.catch(() => undefined);

  const graphql = serves('gateway') ? await startGateway(config, role, log, closers) : undefined;
  if (role === 'submitter') {
    const { startSubmissionsFromConfig } = await import('../submissions/index.js');
    const runtime = await startSubmissionsFromConfig({ config, log: log.child({ part: 'submitter' }), submitter: true });
    closers.push(() => runtime.close());
  }
  if (serves('sync')) {
    const controller = new AbortController();
    const syncLog = log.child({ part: 'sync' });
    const done = runSyncWorkers({ config, channels: config.sync.channels, log: syncLog, signal: controller.signal }).then(
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

  const http = await createHttpServer({ config: config.gateway, log: log.child({ part: 'http' }), role, readiness: [postgresCheck(healthPool)], ...(graphql ? { graphql } : {}) });
  closers.push(() => http.close());
  const { url } = await http.listen();
  const api = graphql
    ? { graphql: `${url}/graphql`, websocket: `${url.replace(/^http/, 'ws')}/graphql`, ...(config.gateway.graphiql ? { graphiql: `${url}/graphiql` } : {}) }
    : {};
  return { role, urls: { http: url, ...api }, failure, stop: closeAll };
}

async function startGateway(config: Config, role: Role, log: Logger, closers: Closer[]): Promise<import('../http').GraphqlEndpoint> {
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
  const submissions = await startSubmissionsFromConfig({ config, log: log.child({ part: 'submissions' }), submitter: role === 'all' });
  closers.push(() => submissions.close());
  const ledgerEvents = await store.createLedgerEvents({ databaseUrl: config.databaseUrl, prisma, log });
  closers.push(() => ledgerEvents.close());
  const domain = { channel: config.gateway.channel, chaincode: config.gateway.chaincode };
  const reads = store.createReadQueries({ prisma });
  const admin = await startAdminServices(config, prisma, log, closers);
  return {
    schema: createGraphqlSchema(),
    services: { domain, users, submissions: submissions.service, reads, ledgerEvents, indexWaitMs: config.gateway.indexWaitMs, admin },
    createLoaders: () => store.createLoaders({ reads, domain }),
  };
}

/** The admin API's services: this replica's network status (peer monitor, orderer/CA health) and the admin reads. */
async function startAdminServices(config: Config, prisma: import('../store').PrismaClient, log: Logger, closers: Closer[]): Promise<import('../graphql').AdminServices> {
  const [{ startNetworkServicesFromConfig }, { createAdminReads }, { lockKey }] = await Promise.all([import('../ledger/index.js'), import('../store/index.js'), import('../sync/index.js')]);
  const networkServices = await startNetworkServicesFromConfig({
    network: config.network,
    ledger: config.ledger,
    connectionProfilePaths: Object.values(config.ledgerClient.connectionProfiles),
    channels: config.sync.channels,
    log: log.child({ part: 'network' }),
  });
  closers.push(() => {
    networkServices.close();
    return Promise.resolve();
  });
  const { network, chaincodes } = networkServices;
  return { reads: createAdminReads({ prisma }), network, chaincodes, channels: config.sync.channels, syncLockKey: lockKey };
}

/** Waits for SIGTERM/SIGINT (or a part's failure), then stops; resolves with the exit code. */
export async function runUntilSignal(running: RunningRoles, log: Logger): Promise<number> {
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
  await running.stop();
  log.info({ code }, 'stopped');
  return code;
}
