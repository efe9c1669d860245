import { once } from 'node:events';

import { Client } from 'pg';

import type { TransactionLookup } from '../../src/ledger/submittedTransactions';
import { startCliProcess } from './cliProcess';
import { TEST_CHAINCODE, TEST_CHANNEL } from './testNetwork';
import { eventually } from './waiting';

/**
 * The invariants every fault or attack scenario must leave intact (issue #8), checked after the
 * scenario against the gateway's database and the ledger:
 *
 *   const record = newScenarioRecord();
 *   record.committed.push(txId);            // each mutation the API acknowledged as committed
 *   record.failed.push(submissionId);       // each one it reported failed (details.submissionId)
 *   const report = await checkInvariants({ databaseUrl, record });
 *   expect(report.violations).toEqual([]);
 *
 * - every acknowledged tx id is in the cache exactly once as VALID (and, with `lookup`, VALID
 *   through qscc GetTransactionByID);
 * - no tx id any failed submission chose is VALID in the cache (or, with `lookup`, on the ledger);
 * - the cache equals the ledger: `sync verify` exits 0 (so the cache's transactions are the ledger's);
 * - the token balances of the channel sum to what was minted (the cache's MINT transfers) and,
 *   when the scenario kept its tokens to its own accounts, to what it recorded in `minted`;
 * - no user has more than one submission row for one idempotency key.
 */
export interface ScenarioRecord {
  /** Tx ids of mutations the API acknowledged as committed. */
  readonly committed: string[];
  /** Submission ids (extensions.details.submissionId) of mutations the API reported failed. */
  readonly failed: string[];
  /** Amount minted per account by the scenario (only when no tokens left these accounts). */
  readonly minted: Map<string, bigint>;
}

export const newScenarioRecord = (): ScenarioRecord => ({ committed: [], failed: [], minted: new Map() });

export interface InvariantOptions {
  readonly databaseUrl: string;
  readonly record: ScenarioRecord;
  readonly channel?: string;
  readonly chaincode?: string;
  /** Asks the ledger itself (qscc GetTransactionByID), e.g. `lookupTransaction` bound to a client. */
  readonly lookup?: (txId: string) => Promise<TransactionLookup>;
  /** How long the cache may take to index the acknowledged transactions (default 30 s). */
  readonly indexTimeoutMs?: number;
}

export interface InvariantReport {
  readonly violations: string[];
  /** `sync verify`'s output, for a failure message. */
  readonly verifyOutput: string;
}

export async function checkInvariants(options: InvariantOptions): Promise<InvariantReport> {
  const scope: Scope = { ...options, channel: options.channel ?? TEST_CHANNEL, chaincode: options.chaincode ?? TEST_CHAINCODE, violations: [] };
  const db = new Client({ connectionString: options.databaseUrl });
  await db.connect();
  try {
    await checkCommitted(db, scope);
    await checkFailed(db, scope);
    await checkTokens(db, scope);
    await checkIdempotency(db, scope);
  } finally {
    await db.end();
  }
  const verify = await runVerify(options.databaseUrl, scope.channel);
  if (verify.code !== 0) scope.violations.push(`sync verify exited ${verify.code}`);
  return { violations: scope.violations, verifyOutput: verify.output };
}

interface Scope extends InvariantOptions {
  readonly channel: string;
  readonly chaincode: string;
  readonly violations: string[];
}

/** How many VALID copies of each tx id the cache holds (ids with none are left out). */
async function validCopies(db: Client, channel: string, txIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await db.query<{ tx_id: string; n: number }>(
    'SELECT tx_id, count(*)::int AS n FROM transactions WHERE channel = $1 AND is_valid AND tx_id = ANY($2) GROUP BY tx_id',
    [channel, txIds],
  );
  return new Map(rows.rows.map((r) => [r.tx_id, r.n]));
}

async function checkCommitted(db: Client, { record, channel, lookup, indexTimeoutMs, violations }: Scope): Promise<void> {
  const committed = [...new Set(record.committed)];
  if (record.committed.length !== committed.length) violations.push('committed: the API acknowledged one tx id for two mutations');
  // The cache must have caught up with every acknowledged transaction before anything is compared.
  const indexed = await eventually(async () => {
    const found = await validCopies(db, channel, committed);
    if (found.size < committed.length) throw new Error('not indexed yet');
    return found;
  }, indexTimeoutMs ?? 30_000).catch(() => validCopies(db, channel, committed));
  for (const txId of committed) {
    const n = indexed.get(txId) ?? 0;
    if (n !== 1) violations.push(`committed ${txId}: ${n} VALID copies in the cache, expected 1`);
    const onLedger = lookup ? await lookup(txId) : undefined;
    if (onLedger && (!onLedger.found || onLedger.validationCode !== 'VALID')) violations.push(`committed ${txId}: on the ledger ${onLedger.found ? onLedger.validationCode : 'not found'}`);
  }
}

async function checkFailed(db: Client, { record, channel, lookup, violations }: Scope): Promise<void> {
  if (record.failed.length === 0) return;
  const chosen = await db.query<{ tx_id: string; submission_id: string }>('SELECT tx_id, submission_id::text FROM submission_tx_ids WHERE submission_id::text = ANY($1)', [record.failed]);
  const valid = await validCopies(
    db,
    channel,
    chosen.rows.map((r) => r.tx_id),
  );
  for (const row of chosen.rows) {
    if (valid.has(row.tx_id)) violations.push(`failed submission ${row.submission_id}: its tx ${row.tx_id} is VALID in the cache`);
    const onLedger = lookup ? await lookup(row.tx_id) : undefined;
    if (onLedger?.found && onLedger.isValid) violations.push(`failed submission ${row.submission_id}: its tx ${row.tx_id} is VALID on the ledger`);
  }
}

async function checkTokens(db: Client, { record, channel, chaincode, violations }: Scope): Promise<void> {
  const sums = await db.query<{ balances: string; minted: string }>(
    `SELECT (SELECT coalesce(sum(balance), 0)::text FROM token_accounts WHERE channel = $1 AND chaincode = $2) AS balances,
            (SELECT coalesce(sum(amount), 0)::text FROM token_transfers WHERE channel = $1 AND chaincode = $2 AND kind = 'MINT') AS minted`,
    [channel, chaincode],
  );
  const { balances, minted } = sums.rows[0] ?? { balances: '?', minted: '?' };
  if (balances !== minted) violations.push(`tokens: the balances sum to ${balances}, the mints to ${minted}`);
  if (record.minted.size === 0) return;
  const own = await db.query<{ total: string }>('SELECT coalesce(sum(balance), 0)::text AS total FROM token_accounts WHERE channel = $1 AND chaincode = $2 AND account = ANY($3)', [
    channel,
    chaincode,
    [...record.minted.keys()],
  ]);
  const expected = [...record.minted.values()].reduce((a, b) => a + b, 0n);
  if (own.rows[0]?.total !== expected.toString()) violations.push(`tokens: the scenario's accounts hold ${own.rows[0]?.total}, it minted ${expected}`);
}

async function checkIdempotency(db: Client, { violations }: Scope): Promise<void> {
  const duplicates = await db.query<{ user_id: string; idempotency_key: string; n: number }>(
    'SELECT user_id, idempotency_key, count(*)::int AS n FROM submissions WHERE idempotency_key IS NOT NULL GROUP BY user_id, idempotency_key HAVING count(*) > 1',
  );
  for (const d of duplicates.rows) violations.push(`idempotency: user ${d.user_id} has ${d.n} submissions for key ${d.idempotency_key}`);
}

/** `sync verify -C <channel>` as a process; retried a few times while the cache is still catching up. */
async function runVerify(databaseUrl: string, channel: string): Promise<{ code: number | null; output: string }> {
  let last: { code: number | null; output: string } = { code: null, output: '' };
  for (let attempt = 0; attempt < 5; attempt++) {
    const verify = startCliProcess('sync', ['verify', '-C', channel], { DATABASE_URL: databaseUrl, SYNC_CHANNELS: channel });
    const [code] = (await once(verify.child, 'exit')) as [number | null];
    last = { code, output: verify.output() };
    // Only a height difference (the worker still indexing the newest block) is worth another try.
    const differences = last.output.split('\n').filter((line) => line.startsWith('  - '));
    if (code === 0 || differences.length !== 1 || !differences[0]?.includes('height: the cache has')) return last;
    await new Promise((r) => setTimeout(r, 2000));
  }
  return last;
}
