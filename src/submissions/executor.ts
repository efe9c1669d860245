import type { Pool, PoolClient } from 'pg';

import { AppError, ErrorCode, isAppError, isUniqueViolation, silentLogger, type Logger } from '../common';
import type { LedgerClient, LedgerIdentity, LedgerRequest } from '../ledger';
import { lookupTransaction, type TransactionLookup } from '../ledger/submittedTransactions';
import { recordOutcome, recordPhases, type SubmissionMetrics } from './outcome';
import { NOTIFY_RETURNING, TERMINAL, type SubmissionRow } from './types';

/**
 * Sends one submission to the ledger and records the outcome, for the synchronous path and for the
 * submitter alike. Never writes twice:
 *
 * 1. **One executor per submission at a time**: it holds a PostgreSQL advisory lock named after the
 *    submission on its own session for the whole attempt. A second executor (a retried job while
 *    the first is slow, a second submitter) does not get the lock and leaves the job for later.
 *    If the executor's process dies, its session ends and the lock is released with it.
 * 2. **Every transaction id is recorded before its proposal is sent**: `LedgerClient.submit` calls
 *    `onTransactionId` with each proposal's id (a retried proposal has a new one) and sends nothing
 *    until the id is in `submission_tx_ids`. An id the client reports as unable to commit
 *    (`mayCommit: false`) is marked `not_sent`.
 * 3. **Before sending again** a submission that has recorded ids, each id is looked up on the
 *    ledger (qscc GetTransactionByID, on a peer of the identity's organisation). A VALID one is the
 *    earlier attempt: the submission is recorded COMMITTED with it, nothing is sent. Ids found
 *    invalid (e.g. MVCC conflicts) wrote nothing. An id not found may never have been sent (the
 *    process died between recording and sending) or may still be with the orderers: the two cannot
 *    be told apart, so unless it is marked `not_sent`, the submission is resent only once
 *    `inflightGraceMs` (above the ledger client's order + commit deadlines) have passed since the
 *    id was recorded; until then the job is retried later. A peer that does not answer is never
 *    taken as "not found": the job is retried later.
 *
 * `tx_id` is unique, so two submissions can never claim one ledger transaction.
 */
export interface SubmissionExecutorDeps {
  readonly pool: Pool;
  readonly ledger: LedgerClient;
  /** The identity that signs for a wallet label (e.g. the identity service's `load`). */
  readonly loadIdentity: (label: string) => Promise<LedgerIdentity>;
  /**
   * How long after its id was recorded a transaction not found on the ledger may still arrive
   * (keep above the ledger client's order + commit deadlines).
   */
  readonly inflightGraceMs: number;
  readonly log?: Logger;
  /** Outcomes (each COMMITTED or FAILED record, and each final error left unrecorded) and phase timings. */
  readonly metrics?: SubmissionMetrics;
  /** For tests: the ledger lookup by transaction id (default qscc GetTransactionByID). */
  readonly lookup?: (identity: LedgerIdentity, channel: string, txId: string) => Promise<TransactionLookup>;
}

/** The job cannot be decided now (another executor holds it, or an earlier attempt may still land). */
export class RetryLater extends Error {
  override readonly name = 'RetryLater';
}

/**
 * The database session of an attempt ended under it (PostgreSQL restarted or went away); `cause` is
 * the session's own error, which says so (57P01, "Connection terminated"), so callers answer
 * DATABASE_UNAVAILABLE, not a masked internal error. The attempt is safe to repeat: its recorded
 * transaction ids are looked up first.
 */
export class SessionLost extends Error {
  override readonly name = 'SessionLost';
}

export interface ExecuteOptions {
  /** The last try: a transient failure becomes FAILED instead of being left for a retry. */
  readonly final: boolean;
  /** The caller's logger (a request's, with its request id); the submission's lines go through it. */
  readonly log?: Logger;
}

export interface SubmissionExecutor {
  /** Runs the submission to an outcome and returns its row; throws RetryLater (or a transient AppError) to be retried. */
  execute(submissionId: string, options: ExecuteOptions): Promise<SubmissionRow>;
  /**
   * Settles a submission nothing works any more (a synchronous one whose gateway process stopped
   * before recording the outcome; an asynchronous one whose job ran out of tries), WITHOUT sending
   * anything: COMMITTED if one of its recorded transaction ids is VALID on the ledger; FAILED
   * otherwise, once no recorded id can still arrive (never sent, or sent and lost). The caller got
   * no answer yet; a retry with the same idempotency key (or a look at the submission) now gets this outcome.
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
  const lookup = deps.lookup ?? ((identity: LedgerIdentity, channel: string, txId: string) => lookupTransaction(deps.ledger, identity, channel, txId));

  async function one(client: PoolClient, sql: string, values: unknown[]): Promise<SubmissionRow> {
    const result = await client.query<SubmissionRow>(sql, values);
    const row = result.rows[0];
    if (!row) throw new AppError(ErrorCode.NOT_FOUND, 'no such submission');
    return row;
  }

  /** Records COMMITTED with the first of `candidates` no other submission has claimed; undefined if all are taken. */
  async function claim(client: PoolClient, id: string, candidates: { txId: string; blockNumber?: bigint; validationCode: string; result?: string }[]): Promise<SubmissionRow | undefined> {
    for (const c of candidates) {
      try {
        const row = await one(
          client,
          `UPDATE submissions SET status = 'COMMITTED', tx_id = $2, block_number = $3, validation_code = $4, result = $5,
             error_code = NULL, error_message = NULL, completed_at = now(), updated_at = now() WHERE id = $1 RETURNING *, ${NOTIFY_RETURNING}`,
          [id, c.txId, c.blockNumber?.toString() ?? null, c.validationCode, c.result ?? null],
        );
        recordOutcome(deps.metrics, null);
        return row;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        log.info({ submission: id, txId: c.txId }, 'a matching transaction belongs to another submission');
      }
    }
    return undefined;
  }

  async function fail(client: PoolClient, id: string, code: string, message: string): Promise<SubmissionRow> {
    const row = await one(
      client,
      `UPDATE submissions SET status = 'FAILED', error_code = $2, error_message = $3,
         completed_at = now(), updated_at = now() WHERE id = $1 RETURNING *, ${NOTIFY_RETURNING}`,
      [id, code, message.slice(0, 2000)],
    );
    recordOutcome(deps.metrics, code);
    return row;
  }

  async function run(client: PoolClient, submissionId: string, options: ExecuteOptions): Promise<SubmissionRow> {
    const row = await one(client, 'SELECT * FROM submissions WHERE id = $1', [submissionId]);
    if (TERMINAL.includes(row.status)) return row;
    const subLog = (options.log ?? log).child({ submission: row.id });
    const identity = await deps.loadIdentity(row.identity_label);
    const request = requestOf(row);

    const earlier = await checkRecorded(client, identity, request.channel, row.id);
    if (earlier.claimed) {
      subLog.info({ txId: earlier.claimed.tx_id }, 'an interrupted attempt is on the ledger: recorded, not resent');
      return earlier.claimed;
    }
    if (earlier.mayArriveUntil > Date.now()) {
      throw new RetryLater('a recorded transaction is not on the ledger yet and may still arrive');
    }
    if (earlier.ids > 0) subLog.info({ recorded: earlier.ids }, 'no recorded transaction committed: sending again');

    await client.query(
      `UPDATE submissions SET status = 'SUBMITTED', attempts = attempts + 1, attempt_started_at = now(), updated_at = now() WHERE id = $1 RETURNING ${NOTIFY_RETURNING}`,
      [row.id],
    );
    let lastTxId: string | undefined;
    const onTransactionId = async (txId: string): Promise<void> => {
      // Durable before the proposal leaves: if this insert fails, the ledger client sends nothing.
      await client.query('INSERT INTO submission_tx_ids (tx_id, submission_id) VALUES ($1, $2)', [txId, row.id]);
      lastTxId = txId;
      subLog.debug({ txId }, 'proposal recorded; sending');
    };
    try {
      const r = await deps.ledger.submit(identity, request, { onTransactionId });
      const claimed = await claim(client, row.id, [{ txId: r.transactionId, blockNumber: r.blockNumber, validationCode: r.validationCode, result: r.payload.toString('utf8') }]);
      if (!claimed) throw new AppError(ErrorCode.INTERNAL, `transaction ${r.transactionId} is recorded for another submission`);
      recordPhases(deps.metrics, r.timings);
      subLog.info({ txId: r.transactionId, block: r.blockNumber.toString(), attempts: r.attempts, timings: r.timings }, 'submission committed');
      return claimed;
    } catch (error) {
      return await failed(client, row.id, error, lastTxId, options, subLog);
    }
  }

  /** A submit that failed: FAILED when the transaction cannot commit and trying again is pointless; else rethrown for a retry. */
  async function failed(client: PoolClient, id: string, error: unknown, lastTxId: string | undefined, options: ExecuteOptions, subLog: Logger): Promise<SubmissionRow> {
    const appError = isAppError(error) ? error : new AppError(ErrorCode.INTERNAL, 'unexpected failure while submitting', {}, { cause: error });
    const mayCommit = appError.details.mayCommit !== false;
    // The last proposal cannot commit: a retry need not wait for it. (Earlier proposals of the
    // same call keep their grace: the ledger client only knows the last orderer's answer.)
    const txId = typeof appError.details.transactionId === 'string' ? appError.details.transactionId : lastTxId;
    if (!mayCommit && txId !== undefined) await client.query('UPDATE submission_tx_ids SET not_sent = true WHERE tx_id = $1 AND submission_id = $2', [txId, id]);
    if (!mayCommit && (DEFINITE.has(appError.code) || options.final)) {
      subLog.info({ txId, code: appError.code }, 'submission failed');
      return fail(client, id, appError.code, appError.message);
    }
    // The caller's answer when this was the last try; the record stays SUBMITTED (e.g. TIMEOUT).
    if (options.final) recordOutcome(deps.metrics, appError.code);
    subLog.warn({ txId, code: appError.code, mayCommit, final: options.final }, 'submission outcome not known yet');
    await client.query(`UPDATE submissions SET error_code = $2, error_message = $3, updated_at = now() WHERE id = $1`, [id, appError.code, appError.message.slice(0, 2000)]);
    throw appError;
  }

  /**
   * Looks up every transaction id recorded for the submission. `claimed`: a VALID one, now recorded
   * as the outcome. `mayArriveUntil`: until when an id not found (and not known unsent) may still
   * reach the ledger (0 when none can). A peer that does not answer rejects (retried later).
   */
  async function checkRecorded(client: PoolClient, identity: LedgerIdentity, channel: string, id: string): Promise<{ claimed?: SubmissionRow; mayArriveUntil: number; ids: number }> {
    const recorded = await client.query<{ tx_id: string; recorded_at: Date; not_sent: boolean }>(
      'SELECT tx_id, recorded_at, not_sent FROM submission_tx_ids WHERE submission_id = $1 ORDER BY recorded_at',
      [id],
    );
    const valid: { txId: string; blockNumber?: bigint; validationCode: string }[] = [];
    let mayArriveUntil = 0;
    for (const r of recorded.rows) {
      const found = await lookup(identity, channel, r.tx_id);
      if (found.found && found.isValid) valid.push({ txId: r.tx_id, validationCode: found.validationCode, ...(found.blockNumber === undefined ? {} : { blockNumber: found.blockNumber }) });
      // An id not found may never have been sent (the process died right after recording it) or
      // may still be between the orderers and the peers; only the order + commit deadline after
      // its recording tells the two apart. One the ledger client reported as unable to commit is not waited for.
      if (!found.found && !r.not_sent) mayArriveUntil = Math.max(mayArriveUntil, r.recorded_at.getTime() + deps.inflightGraceMs);
    }
    const claimed = await claim(client, id, valid);
    return { ...(claimed ? { claimed } : {}), mayArriveUntil, ids: recorded.rows.length };
  }

  async function settle(client: PoolClient, submissionId: string): Promise<SubmissionRow> {
    const row = await one(client, 'SELECT * FROM submissions WHERE id = $1', [submissionId]);
    if (TERMINAL.includes(row.status)) return row;
    const identity = await deps.loadIdentity(row.identity_label);
    const earlier = await checkRecorded(client, identity, row.channel, row.id);
    if (earlier.claimed) return earlier.claimed;
    // Without a recorded id nothing was sent; the lock says no executor is at it any more, but a
    // gateway may only now be about to start: the sweep's age threshold covers that.
    if (earlier.mayArriveUntil > Date.now()) throw new RetryLater('the abandoned attempt may still reach the ledger');
    return fail(client, row.id, ErrorCode.TIMEOUT, 'the attempt stopped before its outcome was known (its gateway stopped, or its job ran out of tries), and the transaction is not on the ledger: nothing was written');
  }

  async function locked<T>(submissionId: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await deps.pool.connect();
    // The pool only listens on idle clients: PostgreSQL ending this session while the job waits on
    // the ledger would emit an unhandled 'error' and crash the process (fault suite, restart of
    // PostgreSQL). The next query fails instead, and the broken client is discarded on release.
    let broken: Error | undefined;
    const onError = (error: Error): void => {
      broken = error;
      log.warn({ submission: submissionId, err: error.message }, 'the database session of a job in hand ended');
    };
    client.on('error', onError);
    let held = false;
    try {
      held = (await client.query<{ locked: boolean }>(LOCK_SQL, [submissionId])).rows[0]?.locked === true;
      if (!held) throw new RetryLater('another submitter is working on this submission');
      return await work(client);
    } catch (error) {
      // What failed after the session ended is only "the client is not queryable": name the cause.
      if (broken && !isAppError(error) && !(error instanceof RetryLater)) {
        throw new SessionLost(`the database session ended during the attempt: ${error instanceof Error ? error.message : String(error)}`, { cause: broken });
      }
      throw error;
    } finally {
      if (held && !broken) await client.query(UNLOCK_SQL, [submissionId]).catch(() => undefined);
      client.off('error', onError);
      client.release(broken);
    }
  }

  return {
    execute: (submissionId, options) => locked(submissionId, (client) => run(client, submissionId, options)),
    settleAbandoned: (submissionId) => locked(submissionId, (client) => settle(client, submissionId)),
  };
}
