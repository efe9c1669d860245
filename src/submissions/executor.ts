import type { Pool, PoolClient } from 'pg';

import { AppError, ErrorCode, isAppError, silentLogger, type Logger } from '../common';
import type { LedgerClient, LedgerIdentity, LedgerRequest } from '../ledger';
import { findSubmitted, ledgerHeight } from '../ledger/submittedTransactions';
import { TERMINAL, type SubmissionRow } from './types';

/**
 * Sends one submission to the ledger and records the outcome, for the synchronous path and for the
 * submitter alike. Never writes twice:
 *
 * 1. **One executor per submission at a time**: it holds a PostgreSQL advisory lock named after the
 *    submission on its own session for the whole attempt. A second executor (a retried job while
 *    the first is slow, a second submitter) does not get the lock and leaves the job for later.
 *    If the executor's process dies, its session ends and the lock is released with it.
 * 2. **Before sending, the ledger's height is recorded** (`attempt_from_block`, qscc GetChainInfo)
 *    with `status = SUBMITTED`. `LedgerClient.submit` picks its own transaction ids (and a new one
 *    per retried proposal), so the id cannot be recorded in advance; the height can: every
 *    transaction the attempt sends lands in a block at or above it.
 * 3. **Before resending** a submission whose earlier attempt was interrupted (the row still says
 *    SUBMITTED with a height), the blocks from that height on are read (qscc GetBlockByNumber) and
 *    searched for a transaction of the same creator certificate, chaincode, function and
 *    arguments (`findSubmitted`). A VALID one is the earlier attempt: the submission is recorded
 *    COMMITTED with its tx id and block, and nothing is sent. If none is found, the attempt may
 *    still be on its way through the orderers; it is resent only once `inflightGraceMs` have passed
 *    since it started (until then the job is retried later). Invalid ones (e.g. MVCC conflicts)
 *    never wrote anything and are ignored.
 *
 * `tx_id` is unique, so two identical submissions (same user, same arguments, no key) can never
 * both claim one ledger transaction: the second one looks further.
 */
export interface SubmissionExecutorDeps {
  readonly pool: Pool;
  readonly ledger: LedgerClient;
  /** The identity that signs for a wallet label (e.g. the identity service's `load`). */
  readonly loadIdentity: (label: string) => Promise<LedgerIdentity>;
  readonly inflightGraceMs: number;
  readonly log?: Logger;
}

/** The job cannot be decided now (another executor holds it, or an earlier attempt may still land). */
export class RetryLater extends Error {
  override readonly name = 'RetryLater';
}

export interface ExecuteOptions {
  /** The last try: a transient failure becomes FAILED instead of being left for a retry. */
  readonly final: boolean;
}

export interface SubmissionExecutor {
  /** Runs the submission to an outcome and returns its row; throws RetryLater (or a transient AppError) to be retried. */
  execute(submissionId: string, options: ExecuteOptions): Promise<SubmissionRow>;
  /**
   * Settles a synchronous submission whose gateway process stopped before recording the outcome,
   * WITHOUT sending anything: COMMITTED if its transaction is on the ledger; FAILED once the grace
   * period is over otherwise (never sent, or sent and lost). The caller asked once and got no
   * answer; a retry with the same idempotency key now gets this outcome.
   */
  settleAbandoned(submissionId: string): Promise<SubmissionRow>;
}

/** Chaincode refusals and the like: sending again would give the same answer. */
const DEFINITE = new Set<string>([
  ErrorCode.FORBIDDEN,
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.NOT_FOUND,
  ErrorCode.ENDORSEMENT_FAILED,
  ErrorCode.INVALID_ARGUMENT,
  ErrorCode.ASSET_NOT_FOUND,
  ErrorCode.ASSET_EXISTS,
  ErrorCode.INSUFFICIENT_FUNDS,
]);

const LOCK_SQL = "SELECT pg_try_advisory_lock(hashtextextended('submission:' || $1, 0)) AS locked";
const UNLOCK_SQL = "SELECT pg_advisory_unlock(hashtextextended('submission:' || $1, 0))";

export function requestOf(row: SubmissionRow): LedgerRequest {
  return { channel: row.channel, chaincode: row.chaincode, ...(row.contract === null ? {} : { contract: row.contract }), fn: row.function, args: row.arguments };
}

export function createSubmissionExecutor(deps: SubmissionExecutorDeps): SubmissionExecutor {
  const log = deps.log ?? silentLogger;

  async function one(client: PoolClient, sql: string, values: unknown[]): Promise<SubmissionRow> {
    const result = await client.query<SubmissionRow>(sql, values);
    const row = result.rows[0];
    if (!row) throw new AppError(ErrorCode.NOT_FOUND, 'no such submission');
    return row;
  }

  /** Records COMMITTED with the first of `candidates` no other submission has claimed; undefined if all are taken. */
  async function claim(client: PoolClient, id: string, candidates: { txId: string; blockNumber: bigint; validationCode: string; result?: string }[]): Promise<SubmissionRow | undefined> {
    for (const c of candidates) {
      try {
        return await one(
          client,
          `UPDATE submissions SET status = 'COMMITTED', tx_id = $2, block_number = $3, validation_code = $4, result = $5,
             error_code = NULL, error_message = NULL, completed_at = now(), updated_at = now() WHERE id = $1 RETURNING *`,
          [id, c.txId, c.blockNumber.toString(), c.validationCode, c.result ?? null],
        );
      } catch (error) {
        if ((error as { code?: string }).code !== '23505') throw error;
        log.info({ submission: id, txId: c.txId }, 'a matching transaction belongs to another submission');
      }
    }
    return undefined;
  }

  async function fail(client: PoolClient, id: string, code: string, message: string): Promise<SubmissionRow> {
    return one(
      client,
      `UPDATE submissions SET status = 'FAILED', error_code = $2, error_message = $3, attempt_from_block = NULL,
         completed_at = now(), updated_at = now() WHERE id = $1 RETURNING *`,
      [id, code, message.slice(0, 2000)],
    );
  }

  async function run(client: PoolClient, submissionId: string, options: ExecuteOptions): Promise<SubmissionRow> {
    const row = await one(client, 'SELECT * FROM submissions WHERE id = $1', [submissionId]);
    if (TERMINAL.includes(row.status)) return row;
    const subLog = log.child({ submission: row.id });
    const identity = await deps.loadIdentity(row.identity_label);
    const request = requestOf(row);

    if (row.attempt_from_block !== null) {
      // An earlier attempt was interrupted: did it reach the ledger?
      const found = await findSubmitted(deps.ledger, identity, request, BigInt(row.attempt_from_block));
      const claimed = await claim(client, row.id, found.filter((t) => t.isValid));
      if (claimed) {
        subLog.info({ txId: claimed.tx_id }, 'the interrupted attempt is on the ledger: recorded, not resent');
        return claimed;
      }
      const startedMs = row.attempt_started_at?.getTime() ?? 0;
      if (Date.now() - startedMs < deps.inflightGraceMs) {
        throw new RetryLater('an interrupted attempt is not on the ledger yet and may still arrive');
      }
      subLog.info({ fromBlock: row.attempt_from_block, invalid: found.length }, 'the interrupted attempt never committed: sending again');
    }

    const fromBlock = await ledgerHeight(deps.ledger, identity, request.channel);
    await client.query(
      `UPDATE submissions SET status = 'SUBMITTED', attempts = attempts + 1, attempt_from_block = $2, attempt_started_at = now(),
         updated_at = now() WHERE id = $1`,
      [row.id, fromBlock.toString()],
    );
    try {
      const r = await deps.ledger.submit(identity, request);
      const claimed = await claim(client, row.id, [{ txId: r.transactionId, blockNumber: r.blockNumber, validationCode: r.validationCode, result: r.payload.toString('utf8') }]);
      if (!claimed) throw new AppError(ErrorCode.INTERNAL, `transaction ${r.transactionId} is recorded for another submission`);
      return claimed;
    } catch (error) {
      const appError = isAppError(error) ? error : new AppError(ErrorCode.INTERNAL, 'unexpected failure while submitting', {}, { cause: error });
      const mayCommit = appError.details.mayCommit !== false;
      if (!mayCommit && (DEFINITE.has(appError.code) || options.final)) return fail(client, row.id, appError.code, appError.message);
      // Either nothing was written (forget the height: a retry sends at once), or it may still
      // commit (keep it: the next try looks for it first).
      await client.query(
        `UPDATE submissions SET error_code = $2, error_message = $3, attempt_from_block = CASE WHEN $4 THEN attempt_from_block END,
           updated_at = now() WHERE id = $1`,
        [row.id, appError.code, appError.message.slice(0, 2000), mayCommit],
      );
      throw appError;
    }
  }

  async function settle(client: PoolClient, submissionId: string): Promise<SubmissionRow> {
    const row = await one(client, 'SELECT * FROM submissions WHERE id = $1', [submissionId]);
    if (TERMINAL.includes(row.status)) return row;
    if (row.attempt_from_block !== null) {
      const identity = await deps.loadIdentity(row.identity_label);
      const found = await findSubmitted(deps.ledger, identity, requestOf(row), BigInt(row.attempt_from_block));
      const claimed = await claim(client, row.id, found.filter((t) => t.isValid));
      if (claimed) return claimed;
    }
    const since = (row.attempt_started_at ?? row.updated_at).getTime();
    if (Date.now() - since < deps.inflightGraceMs) throw new RetryLater('the abandoned attempt may still reach the ledger');
    return fail(client, row.id, ErrorCode.TIMEOUT, 'the gateway stopped before the outcome was known, and the transaction is not on the ledger: nothing was written');
  }

  async function locked<T>(submissionId: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await deps.pool.connect();
    let held = false;
    try {
      held = (await client.query<{ locked: boolean }>(LOCK_SQL, [submissionId])).rows[0]?.locked === true;
      if (!held) throw new RetryLater('another submitter is working on this submission');
      return await work(client);
    } finally {
      if (held) await client.query(UNLOCK_SQL, [submissionId]).catch(() => undefined);
      client.release();
    }
  }

  return {
    execute: (submissionId, options) => locked(submissionId, (client) => run(client, submissionId, options)),
    settleAbandoned: (submissionId) => locked(submissionId, (client) => settle(client, submissionId)),
  };
}
