/**
 * A write mutation's path: signed as the caller, through the submissions layer, then (SYNC) the
 * wait until the cache has indexed the transaction's block, so the object read back afterwards
 * shows the write (read-your-writes, on any replica: the wait listens to the sync worker's NOTIFY).
 */
import type { Principal } from '../auth';
import { requireUser } from '../auth';
import { AppError, ErrorCode } from '../common';
import type { Submission, SubmissionMode, SubmissionUser } from '../submissions';
import type { GraphqlContext } from './context';
import { idempotencyKey } from './inputs';

export interface ChaincodeWrite {
  readonly contract: 'assets' | 'tokens';
  readonly fn: string;
  readonly args: readonly string[];
}

export interface WriteOptionsInput {
  readonly idempotencyKey?: string | null | undefined;
  readonly mode?: SubmissionMode | null | undefined;
}

export interface WriteOutcome {
  readonly submission: Submission;
  /** The transaction's block is in the cache. */
  readonly indexed: boolean;
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/** The caller as the submissions layer needs them: FORBIDDEN without a Fabric identity to sign with. */
export function signer(principal: Principal | undefined): SubmissionUser & { readonly principal: Principal } {
  const user = requireUser(principal);
  if (!user.identityLabel) {
    throw new AppError(ErrorCode.FORBIDDEN, 'your user has no Fabric identity to sign with; an admin must create (or re-create) it', { userId: user.userId });
  }
  return { userId: user.userId, identityLabel: user.identityLabel, principal: user };
}

/** A FAILED submission as the error the caller gets: the submission's code (chaincode codes included). */
export function submissionFailure(submission: Submission): AppError {
  const code = submission.errorCode !== null && KNOWN_CODES.has(submission.errorCode) ? (submission.errorCode as ErrorCode) : ErrorCode.INTERNAL;
  const raw = submission.errorMessage ?? 'the transaction failed';
  // Peer and SDK wrap the chaincode's "<CODE>: <detail>"; the caller gets it from the code on.
  const at = raw.indexOf(`${code}: `);
  const message = at > 0 ? raw.slice(at) : raw;
  return new AppError(code, message, { submissionId: submission.id, ...(submission.txId === null ? {} : { transactionId: submission.txId }) });
}

/**
 * Submits `write` signed as the caller. SYNC: a FAILED submission throws its code; a COMMITTED one
 * is waited for in the cache up to `indexWaitMs` (then `indexed: false`, still a success). ASYNC
 * (or a SYNC repeat whose first request is still running): the submission as it stands.
 */
export async function submitWrite(ctx: GraphqlContext, write: ChaincodeWrite, options: WriteOptionsInput | null | undefined): Promise<WriteOutcome> {
  const user = signer(ctx.principal);
  const key = idempotencyKey('options.idempotencyKey', options?.idempotencyKey);
  const mode = options?.mode ?? 'SYNC';
  const { channel, chaincode } = ctx.services.domain;
  const started = Date.now();
  const submission = await ctx.services.submissions.submit(
    { userId: user.userId, identityLabel: user.identityLabel },
    { channel, chaincode, contract: write.contract, fn: write.fn, args: write.args },
    { mode, log: ctx.log, ...(key === undefined ? {} : { idempotencyKey: key }) },
  );
  if (mode === 'ASYNC') return { submission, indexed: false };
  if (submission.status === 'FAILED') throw submissionFailure(submission);
  if (submission.status !== 'COMMITTED' || submission.blockNumber === null) return { submission, indexed: false };
  const committedMs = Date.now() - started;
  const indexed = await ctx.services.ledgerEvents.waitForIndexed(channel, submission.blockNumber, ctx.services.indexWaitMs);
  ctx.log.info(
    { submission: submission.id, txId: submission.txId, block: submission.blockNumber.toString(), committedMs, indexWaitMs: Date.now() - started - committedMs, indexed },
    indexed ? 'write committed and indexed' : 'write committed; the cache has not indexed it yet',
  );
  return { submission, indexed };
}

/** Whether the caller may see a submission: their own, or any for an ADMIN. */
export function maySee(principal: Principal, submission: Submission): boolean {
  return submission.userId === principal.userId || principal.role === 'ADMIN';
}

/** The caller's submission, or NOT_FOUND (also for another user's: existence is not revealed). */
export async function visibleSubmission(ctx: GraphqlContext, id: string): Promise<Submission> {
  const principal = requireUser(ctx.principal);
  const submission = await ctx.services.submissions.get(id);
  if (!maySee(principal, submission)) throw new AppError(ErrorCode.NOT_FOUND, 'no such submission', { id });
  return submission;
}
