import { setTimeout as sleep } from 'node:timers/promises';

import type { Pool, PoolClient } from 'pg';

import { AppError, ErrorCode, silentLogger, type Logger } from '../common';
import type { SubmissionsConfig } from '../config';
import { RetryLater, type SubmissionExecutor } from './executor';
import { recordOutcome, type SubmissionMetrics } from './outcome';
import type { SubmissionQueue } from './queue';
import { checkInput, requestHash, TERMINAL, toSubmission, type Submission, type SubmissionMode, type SubmissionRequest, type SubmissionRow, type SubmissionUser } from './types';

/**
 * Mutations with idempotency keys, synchronous or through the queue.
 *
 * - A key is unique per user (a unique index on `(user_id, idempotency_key)`): of two requests
 *   racing with one key, one inserts the row and does the work; the other finds that row and
 *   returns it (waiting for the outcome of a synchronous one). Nothing is written twice.
 * - The same key with another request (request hash differs) is CONFLICT.
 * - Asynchronous submissions are counted against `queueBound` (QUEUED or SUBMITTED) under an
 *   advisory lock, so concurrent callers cannot overshoot it; above it the answer is OVERLOADED
 *   and nothing is recorded. The row and its queue job are written in one transaction.
 */
export interface SubmitOptions {
  readonly idempotencyKey?: string;
  readonly mode: SubmissionMode;
  /** The caller's logger (a request's, with its request id): the new submission's id is logged through it. */
  readonly log?: Logger;
}

export interface SubmissionService {
  submit(user: SubmissionUser, request: SubmissionRequest, options: SubmitOptions): Promise<Submission>;
  /** NOT_FOUND if there is no such submission. */
  get(id: string): Promise<Submission>;
}

export interface SubmissionServiceDeps {
  readonly pool: Pool;
  readonly queue: Pick<SubmissionQueue, 'enqueue'>;
  /** Runs synchronous submissions. */
  readonly executor: SubmissionExecutor;
  readonly config: Pick<SubmissionsConfig, 'queueBound' | 'duplicateWaitMs'>;
  readonly log?: Logger;
  /** Counts OVERLOADED refusals (the executor counts the rest). */
  readonly metrics?: SubmissionMetrics;
}

const BOUND_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('ledger-gateway:submissions:async-bound', 0))";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const INSERT = `INSERT INTO submissions (id, user_id, identity_label, channel, chaincode, contract, function, arguments, request_hash,
    idempotency_key, mode, status, updated_at)
  VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10::"SubmissionMode", 'QUEUED', now())
  ON CONFLICT (user_id, idempotency_key) DO NOTHING
  RETURNING *`;

export function createSubmissionService(deps: SubmissionServiceDeps): SubmissionService {
  const log = deps.log ?? silentLogger;

  async function byId(id: string): Promise<SubmissionRow | undefined> {
    if (!UUID.test(id)) return undefined;
    return (await deps.pool.query<SubmissionRow>('SELECT * FROM submissions WHERE id = $1', [id])).rows[0];
  }

  async function existing(client: Pool | PoolClient, user: SubmissionUser, key: string, hash: string): Promise<SubmissionRow> {
    const row = (await client.query<SubmissionRow>('SELECT * FROM submissions WHERE user_id = $1 AND idempotency_key = $2', [user.userId, key])).rows[0];
    if (!row) throw new AppError(ErrorCode.INTERNAL, 'the submission holding this idempotency key disappeared');
    if (row.request_hash !== hash) {
      throw new AppError(ErrorCode.CONFLICT, 'this idempotency key was used for a different request', { submissionId: row.id });
    }
    return row;
  }

  function values(user: SubmissionUser, request: SubmissionRequest, hash: string, key: string | undefined, mode: SubmissionMode): unknown[] {
    return [user.userId, user.identityLabel, request.channel, request.chaincode, request.contract ?? null, request.fn, JSON.stringify(request.args), hash, key ?? null, mode];
  }

  /** A repeated synchronous request: the first one's outcome, once it has one (or its state after the wait). */
  async function outcomeOf(row: SubmissionRow): Promise<SubmissionRow> {
    const deadline = Date.now() + deps.config.duplicateWaitMs;
    let current = row;
    while (current.mode === 'SYNC' && !TERMINAL.includes(current.status) && Date.now() < deadline) {
      await sleep(100);
      current = (await byId(current.id)) ?? current;
    }
    return current;
  }

  async function submitSync(user: SubmissionUser, request: SubmissionRequest, hash: string, key: string | undefined, callerLog: Logger): Promise<Submission> {
    const inserted = (await deps.pool.query<SubmissionRow>(INSERT, values(user, request, hash, key, 'SYNC'))).rows[0];
    if (!inserted) return toSubmission(await outcomeOf(await existing(deps.pool, user, key as string, hash)));
    callerLog.info({ submission: inserted.id, mode: 'SYNC', fn: request.fn }, 'submission created');
    try {
      return toSubmission(await deps.executor.execute(inserted.id, { final: true, log: callerLog }));
    } catch (error) {
      if (error instanceof RetryLater) throw new AppError(ErrorCode.CONFLICT, 'the submission is being worked on', { submissionId: inserted.id });
      // The outcome is not known (e.g. TIMEOUT with mayCommit): the record says SUBMITTED.
      if (error instanceof AppError) throw new AppError(error.code, error.message, { ...error.details, submissionId: inserted.id }, { cause: error });
      throw error;
    }
  }

  async function submitAsync(user: SubmissionUser, request: SubmissionRequest, hash: string, key: string | undefined, callerLog: Logger): Promise<Submission> {
    // A repeated key is read on the transaction's client and waited for only after it is released:
    // reading or waiting through the pool while holding a client deadlocks the pool under a burst
    // of retries.
    const result = await enqueueAsync(user, request, hash, key, callerLog);
    return 'duplicate' in result ? toSubmission(await outcomeOf(result.duplicate)) : result.created;
  }

  async function enqueueAsync(
    user: SubmissionUser,
    request: SubmissionRequest,
    hash: string,
    key: string | undefined,
    callerLog: Logger,
  ): Promise<{ created: Submission } | { duplicate: SubmissionRow }> {
    const client = await deps.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(BOUND_LOCK);
      if (key !== undefined) {
        const found = await client.query<SubmissionRow>('SELECT * FROM submissions WHERE user_id = $1 AND idempotency_key = $2', [user.userId, key]);
        if (found.rows[0]) {
          const duplicate = await existing(client, user, key, hash);
          await client.query('COMMIT');
          return { duplicate };
        }
      }
      const pending = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM submissions WHERE mode = 'ASYNC' AND status IN ('QUEUED', 'SUBMITTED')");
      const n = pending.rows[0]?.n ?? 0;
      if (n >= deps.config.queueBound) {
        await client.query('ROLLBACK');
        callerLog.warn({ pending: n, bound: deps.config.queueBound }, 'submission queue full: refused');
        recordOutcome(deps.metrics, ErrorCode.OVERLOADED);
        throw new AppError(ErrorCode.OVERLOADED, 'too many submissions are waiting; try again later', { pending: n, bound: deps.config.queueBound });
      }
      const inserted = (await client.query<SubmissionRow>(INSERT, values(user, request, hash, key, 'ASYNC'))).rows[0];
      if (!inserted) {
        // A synchronous request with this key won the race (it does not take the bound lock).
        const duplicate = await existing(client, user, key as string, hash);
        await client.query('COMMIT');
        return { duplicate };
      }
      await deps.queue.enqueue(client, inserted.id);
      await client.query('COMMIT');
      callerLog.info({ submission: inserted.id, mode: 'ASYNC', fn: request.fn }, 'submission created');
      return { created: toSubmission(inserted) };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  return {
    async submit(user, request, options) {
      checkInput(user, request, options.idempotencyKey);
      const hash = requestHash(request);
      const callerLog = options.log ?? log;
      return options.mode === 'SYNC' ? submitSync(user, request, hash, options.idempotencyKey, callerLog) : submitAsync(user, request, hash, options.idempotencyKey, callerLog);
    },
    async get(id) {
      const row = await byId(id);
      if (!row) throw new AppError(ErrorCode.NOT_FOUND, 'no such submission', { id });
      return toSubmission(row);
    },
  };
}
