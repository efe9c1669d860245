import { Pool } from 'pg';

import type { Logger, Metrics } from '../common';
import type { Config } from '../config';
import { createFabricLedgerClient, type LedgerClient } from '../ledger';
import { createWallet, walletCipherFromConfig } from '../ledger/identities';
import { createPrismaClient } from '../store';
import { createSubmissionExecutor } from './executor';
import { createSubmissionQueue } from './queue';
import { createSubmissionService, type SubmissionService } from './service';
import { createSubmitter, type Submitter } from './submitter';

/**
 * The submission service and a submitter wired from the settings: a `pg` pool, the fabric-network
 * ledger client, the wallet (identities are loaded by label; WALLET_KEY is required) and the
 * pg-boss queue. `npm run submitter` runs this with `submitter: true`; the all-in-one process can
 * call it with both.
 */
export interface SubmissionsRuntime {
  readonly service: SubmissionService;
  /** Present when asked for; already working the queue. */
  readonly submitter: Submitter | undefined;
  close(): Promise<void>;
}

export async function startSubmissionsFromConfig(options: { config: Config; log: Logger; submitter: boolean; ledger?: LedgerClient; metrics?: Metrics }): Promise<SubmissionsRuntime> {
  const { config, log, metrics } = options;
  const cipher = walletCipherFromConfig(config.identities);
  const settings = config.submissions;
  const prisma = createPrismaClient({ databaseUrl: config.databaseUrl, maxConnections: 2 });
  const wallet = createWallet({ prisma, cipher });
  const pool = new Pool({ connectionString: config.databaseUrl, max: settings.concurrency + 4, application_name: 'ledger-submissions' });
  pool.on('error', (error) => {
    log.warn({ err: error.message }, 'an idle database connection failed');
  });
  const ownLedger = options.ledger === undefined;
  const ledger = options.ledger ?? createFabricLedgerClient({
      ...config.ledgerClient,
      log: log.child({ part: 'ledger' }),
      ...(metrics ? { onRetry: (cause: string) => {
            metrics.ledgerRetries.inc({ cause });
          } } : {}),
    });
  const queue = await createSubmissionQueue({ databaseUrl: config.databaseUrl, config: settings, supervise: options.submitter, log });
  const executor = createSubmissionExecutor({ pool, ledger, loadIdentity: (label) => wallet.load(label), inflightGraceMs: settings.inflightGraceMs, log, ...(metrics ? { metrics } : {}) });
  const service = createSubmissionService({ pool, queue, executor, config: settings, log, ...(metrics ? { metrics } : {}) });
  const submitter = options.submitter ? createSubmitter({
        queue,
        executor,
        concurrency: settings.concurrency,
        sweep: { pool, sweepMs: settings.maintenanceSeconds * 1000, abandonedAfterMs: settings.inflightGraceMs },
        log,
      }) : undefined;
  await submitter?.start();
  return {
    service,
    submitter,
    async close() {
      await queue.stop();
      if (ownLedger) await ledger.close();
      await pool.end();
      await prisma.$disconnect();
    },
  };
}
