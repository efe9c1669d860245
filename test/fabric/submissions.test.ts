import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { Pool } from 'pg';

import { isAppError } from '../../src/common';
import { Secret, type SubmissionsConfig } from '../../src/config';
import { createFabricLedgerClient, type FabricLedgerClient, type LedgerIdentity, type LedgerRequest } from '../../src/ledger';
import { createWallet, createWalletCipher } from '../../src/ledger/identities';
import { findSubmitted, ledgerHeight, lookupTransaction } from '../../src/ledger/submittedTransactions';
import { createPrismaClient, type PrismaClient } from '../../src/store';
import {
  createSubmissionExecutor,
  createSubmissionQueue,
  createSubmissionService,
  type Submission,
  type SubmissionQueue,
  type SubmissionService,
} from '../../src/submissions';
import { createIsolatedDatabase, type IsolatedDatabase } from '../db/isolatedDatabase';
import { dappConnectionProfiles, dappIdentity } from './dappIdentities';
import { startSubmissionProcess, type SubmissionProcess } from './submissionProcess';
import { testNetwork, TEST_CHAINCODE, TEST_CHANNEL } from './testNetwork';
import { eventually, uniqueId } from './waiting';

/**
 * Submissions against the real network: an idempotency key sent twice at once writes once, and an
 * asynchronous burst above the queue bound gets OVERLOADED for the excess while every accepted
 * submission commits exactly once, even though the submitter process is SIGKILLed mid-burst.
 * UpdateAsset is used because the chaincode accepts it again and again (each one bumps the
 * asset's version), so a double write would be visible on the ledger.
 */
jest.setTimeout(300_000);

const network = testNetwork();
const walletKey = randomBytes(32);
const QUEUE_BOUND = 12;
const BURST = 20;

let db: IsolatedDatabase;
let prisma: PrismaClient;
let pool: Pool;
let ledger: FabricLedgerClient;
let queue: SubmissionQueue;
let service: SubmissionService;
let user1: LedgerIdentity;
const user = { userId: 'user-1', identityLabel: 'Org1MSP/user1' };
const processes: SubmissionProcess[] = [];

const assets = (fn: string, ...args: string[]): LedgerRequest => ({ channel: TEST_CHANNEL, chaincode: TEST_CHAINCODE, contract: 'assets', fn, args });

const settings: SubmissionsConfig = {
  queueBound: QUEUE_BOUND,
  concurrency: 4,
  jobExpireSeconds: 8,
  retryLimit: 20,
  retryDelaySeconds: 1,
  maintenanceSeconds: 1,
  pollingSeconds: 1,
  inflightGraceMs: 3000,
  duplicateWaitMs: 60_000,
};

async function version(id: string): Promise<number> {
  const asset = JSON.parse((await ledger.evaluate(user1, assets('ReadAsset', id))).toString('utf8')) as { version: number };
  return asset.version;
}

async function statuses(): Promise<Record<string, number>> {
  const rows = await pool.query<{ status: string; n: number }>("SELECT status, count(*)::int AS n FROM submissions WHERE mode = 'ASYNC' GROUP BY status");
  return Object.fromEntries(rows.rows.map((r) => [r.status, r.n]));
}

beforeAll(async () => {
  db = await createIsolatedDatabase('fabric_submissions');
  prisma = createPrismaClient({ databaseUrl: db.url });
  pool = new Pool({ connectionString: db.url, max: 10 });
  pool.on('error', () => undefined);
  user1 = await dappIdentity(network, 'org1', 'user1');
  // The submitter process signs with the wallet's copy of user1 (label Org1MSP/user1).
  const wallet = createWallet({ prisma, cipher: createWalletCipher({ version: 1, key: new Secret(walletKey) }) });
  const stored = await wallet.put({ mspId: 'Org1MSP', enrollmentId: 'user1', certificate: user1.certificate, privateKeyPem: user1.privateKey });
  expect(stored.label).toBe(user.identityLabel);
  ledger = createFabricLedgerClient({
    connectionProfiles: dappConnectionProfiles(network),
    asLocalhost: true,
    timeouts: { endorseMs: 10_000, orderMs: 10_000, commitMs: 30_000, evaluateMs: 5000, connectMs: 2000 },
  });
  queue = await createSubmissionQueue({ databaseUrl: db.url, config: settings, supervise: false });
  const executor = createSubmissionExecutor({ pool, ledger, loadIdentity: () => Promise.resolve(user1), inflightGraceMs: settings.inflightGraceMs });
  service = createSubmissionService({ pool, queue, executor, config: settings });
});

afterAll(async () => {
  for (const p of processes) await p.kill();
  await queue.stop();
  await ledger.close();
  await pool.end();
  await prisma.$disconnect();
  await db.drop();
});

test('the same idempotency key sent twice at once gives one ledger transaction', async () => {
  const id = uniqueId('idem');
  await ledger.submit(user1, assets('CreateAsset', id, 'car', '{}'));
  const from = await ledgerHeight(ledger, user1, TEST_CHANNEL);
  const update = assets('UpdateAsset', id, '{"colour":"blue"}');
  const [a, b] = await Promise.all([
    service.submit(user, update, { idempotencyKey: `key-${id}`, mode: 'SYNC' }),
    service.submit(user, update, { idempotencyKey: `key-${id}`, mode: 'SYNC' }),
  ]);
  expect(a.id).toBe(b.id);
  expect(a).toMatchObject({ status: 'COMMITTED', validationCode: 'VALID', attempts: 1 });
  expect(b.txId).toBe(a.txId);
  const onLedger = await findSubmitted(ledger, user1, update, from);
  expect(onLedger.map((t) => t.txId)).toEqual([a.txId]);
  expect(onLedger[0]?.blockNumber).toBe(a.blockNumber);
  // The recovery's exact path: the id was recorded before sending, and qscc finds it by id; an id
  // the ledger never saw is "not found" (the peer answered), not an error.
  const recorded = await pool.query<{ tx_id: string }>('SELECT tx_id FROM submission_tx_ids WHERE submission_id = $1', [a.id]);
  expect(recorded.rows.map((r) => r.tx_id)).toEqual([a.txId]);
  await expect(lookupTransaction(ledger, user1, TEST_CHANNEL, a.txId ?? '')).resolves.toEqual({ found: true, validationCode: 'VALID', isValid: true, blockNumber: a.blockNumber });
  await expect(lookupTransaction(ledger, user1, TEST_CHANNEL, 'f'.repeat(64))).resolves.toEqual({ found: false });
  expect(await version(id)).toBe(2);
  // A third request, after the fact, returns the first outcome and writes nothing.
  await expect(service.submit(user, update, { idempotencyKey: `key-${id}`, mode: 'SYNC' })).resolves.toMatchObject({ id: a.id, txId: a.txId });
  await expect(service.submit(user, assets('UpdateAsset', id, '{"colour":"red"}'), { idempotencyKey: `key-${id}`, mode: 'SYNC' })).rejects.toMatchObject({ code: 'CONFLICT' });
  expect(await findSubmitted(ledger, user1, update, from)).toHaveLength(1);
  expect(await version(id)).toBe(2);
});

test('an asynchronous burst above the bound: OVERLOADED for the excess, every accepted one committed exactly once across a SIGKILLed submitter', async () => {
  const ids = Array.from({ length: BURST }, () => uniqueId('burst'));
  await Promise.all(ids.map((id) => ledger.submit(user1, assets('CreateAsset', id, 'crate', '{}'))));
  const from = await ledgerHeight(ledger, user1, TEST_CHANNEL);
  const update = (id: string): LedgerRequest => assets('UpdateAsset', id, '{"burst":true}');

  const results = await Promise.allSettled(ids.map((id, i) => service.submit(user, update(id), { idempotencyKey: `burst-${i}-${id}`, mode: 'ASYNC' })));
  const accepted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  expect(accepted).toHaveLength(QUEUE_BOUND);
  expect(refused).toHaveLength(BURST - QUEUE_BOUND);
  for (const e of refused) expect(isAppError(e, 'OVERLOADED')).toBe(true);
  for (const s of accepted) expect(s.status).toBe('QUEUED');
  expect((await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM submissions WHERE mode = $1', ['ASYNC'])).rows[0]?.n).toBe(QUEUE_BOUND);

  const env = {
    SUBMITTER_CONCURRENCY: String(settings.concurrency),
    SUBMITTER_JOB_EXPIRE_SECONDS: String(settings.jobExpireSeconds),
    SUBMITTER_RETRY_DELAY_SECONDS: '1',
    SUBMITTER_MAINTENANCE_SECONDS: '1',
    SUBMISSION_INFLIGHT_GRACE_MS: String(settings.inflightGraceMs),
    SUBMISSION_QUEUE_BOUND: String(QUEUE_BOUND),
  };
  // Kill the submitter while a submission is in flight (SUBMITTED: its tx ids recorded, its
  // outcome not), three times, restarting it after each kill; the later kills come a little
  // later after the send, when the transaction may already be ordered or committed.
  const interrupted = new Set<string>();
  for (let cycle = 0; cycle < 3; cycle++) {
    const submitter = startSubmissionProcess({ databaseUrl: db.url, walletKey: walletKey.toString('base64'), env });
    processes.push(submitter);
    const started = new Date();
    const deadline = Date.now() + 120_000;
    for (;;) {
      const inFlight = await pool.query("SELECT 1 FROM submissions WHERE mode = 'ASYNC' AND status = 'SUBMITTED' AND attempt_started_at >= $1 LIMIT 1", [started]);
      if (inFlight.rowCount) break;
      if (Date.now() > deadline) throw new Error(`nothing went in flight: ${JSON.stringify(await statuses())}\n${submitter.output().slice(-3000)}`);
      await sleep(10);
    }
    await sleep(cycle * 300);
    await submitter.kill('SIGKILL');
    const left = await pool.query<{ id: string }>("SELECT id FROM submissions WHERE mode = 'ASYNC' AND status = 'SUBMITTED'");
    for (const r of left.rows) interrupted.add(r.id);
    process.stderr.write(`[submissions] SIGKILL ${cycle + 1}: ${JSON.stringify(await statuses())}, left in flight: ${left.rowCount}\n`);
  }
  expect(interrupted.size).toBeGreaterThan(0);

  await sleep(500);
  const second = startSubmissionProcess({ databaseUrl: db.url, walletKey: walletKey.toString('base64'), env });
  processes.push(second);
  await eventually(async () => {
    const s = await statuses();
    if ((s.COMMITTED ?? 0) === QUEUE_BOUND) return s;
    throw new Error(`not all committed: ${JSON.stringify(s)}\n${second.output().slice(-3000)}`);
  }, 180_000);
  await second.kill('SIGTERM');

  // Every accepted submission is on the ledger exactly once, under the tx id it records.
  for (const s of accepted) {
    const done: Submission = await service.get(s.id);
    expect(done).toMatchObject({ status: 'COMMITTED', validationCode: 'VALID' });
    const onLedger = (await findSubmitted(ledger, user1, done.request, from)).filter((t) => t.isValid);
    expect(onLedger.map((t) => t.txId)).toEqual([done.txId]);
    expect(await version(done.request.args[0] ?? '')).toBe(2);
  }
  // The refused ones wrote nothing.
  const acceptedIds = new Set(accepted.map((s) => s.request.args[0]));
  for (const id of ids.filter((i) => !acceptedIds.has(i))) expect(await version(id)).toBe(1);
  // The interrupted ones were decided by looking at the ledger: found there (1 attempt) or resent (2+).
  const attempts = (await pool.query<{ id: string; attempts: number }>("SELECT id, attempts FROM submissions WHERE mode = 'ASYNC'")).rows;
  process.stderr.write(
    `[submissions] attempts of the interrupted ones: ${JSON.stringify(attempts.filter((r) => interrupted.has(r.id)).map((r) => r.attempts))}, of all: ${JSON.stringify(attempts.map((r) => r.attempts))}\n`,
  );
});
