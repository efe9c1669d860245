import { AppError, ErrorCode } from '../common/errors';

/**
 * Turning what the Fabric SDK throws into `AppError`s with stable codes. Pure functions over plain
 * shapes (what `fabric-network` 2.2 and `fabric-common` attach to their errors), so they are unit
 * tested without a network.
 *
 * Every ledger error carries in `details`:
 * - `phase`: where it happened (`endorse`, `order`, `commit`, `evaluate`),
 * - `transactionId` when one was assigned,
 * - `mayCommit`: whether the transaction may still be committed (only ever true once it reached an
 *   orderer); a caller must not blindly resubmit when it is true,
 * - `peers`: for endorsement failures, what each peer said (`{ peer, status, message }`).
 */

export type LedgerPhase = 'endorse' | 'order' | 'commit' | 'evaluate';

export interface PeerAnswer {
  readonly peer: string;
  /** The peer's response status (e.g. 500), or `grpc` when the call itself failed. */
  readonly status: number | 'grpc';
  readonly message: string;
}

/** Codes the sample chaincode puts at the start of its messages, and the code each becomes. */
const CHAINCODE_CODES: Readonly<Record<string, ErrorCode>> = {
  ASSET_NOT_FOUND: ErrorCode.ASSET_NOT_FOUND,
  ASSET_EXISTS: ErrorCode.ASSET_EXISTS,
  FORBIDDEN: ErrorCode.FORBIDDEN,
  INSUFFICIENT_FUNDS: ErrorCode.INSUFFICIENT_FUNDS,
  INVALID_ARGUMENT: ErrorCode.INVALID_ARGUMENT,
  UNKNOWN_FUNCTION: ErrorCode.INVALID_ARGUMENT,
  INTERNAL: ErrorCode.INTERNAL,
};

/** The first `CODE: ` at the start of the text or after whitespace, `,`, `=` or `:`. */
const CODED_MESSAGE = /(?:^|[\s,=:])([A-Z][A-Z_]{2,63}): /g;
/** Refusals from fabric-contract-api itself, before any contract code runs: no code, bad input. */
const UNCODED_BAD_INPUT = [/Expected \d+ parameters, but \d+ have been supplied/, /Contract name is not known: /, /You've asked to invoke a function that does not exist/];
/** The chaincode is not deployed (or not under that name) on the channel. */
const CHAINCODE_MISSING = /(make sure the chaincode \S+ has been successfully defined|chaincode definition for '[^']*' not found|could not find chaincode with name)/i;

export interface ChaincodeFailure {
  readonly code: ErrorCode;
  /** The chaincode's code as written (e.g. `UNKNOWN_FUNCTION`), for details. */
  readonly chaincodeCode: string;
  /** The message from the code on, without the SDK's and peer's wrapping. */
  readonly message: string;
}

/** A chaincode-level refusal found in a peer's message, or undefined when it is not one. */
export function parseChaincodeError(message: string): ChaincodeFailure | undefined {
  for (const match of message.matchAll(CODED_MESSAGE)) {
    const written = match[1] ?? '';
    const code = CHAINCODE_CODES[written];
    if (code) {
      const start = (match.index) + match[0].indexOf(written);
      return { code, chaincodeCode: written, message: firstLine(message.slice(start)) };
    }
  }
  for (const pattern of UNCODED_BAD_INPUT) {
    const found = pattern.exec(message);
    if (found) return { code: ErrorCode.INVALID_ARGUMENT, chaincodeCode: 'INVALID_ARGUMENT', message: `INVALID_ARGUMENT: ${firstLine(message.slice(found.index))}` };
  }
  return undefined;
}

/** Connection-level trouble: the peer or orderer could not be reached or did not answer in time. */
const UNREACHABLE = /(UNAVAILABLE|not connected|not able to reconnect|ECONNREFUSED|ECONNRESET|No connection established|Failed to connect before the deadline|failed to connect|connect ETIMEDOUT|did not find any peers active|does not contain enough peers|No endorsement available|No endorsement plan available|no endorsing peer is known|Failed to receive committer status|Stream removed|socket hang up|CANCELLED|is not ready)/i;
const TIMED_OUT = /(REQUEST TIMEOUT|REQUEST_TIMEOUT|DEADLINE_EXCEEDED|timed out|timeout)/i;

export function isUnreachableMessage(message: string): boolean {
  return UNREACHABLE.test(message) || TIMED_OUT.test(message);
}

/**
 * The connection's view of the channel lacks endorsers, rather than an endorser failing to answer.
 * fabric-common adds a discovered peer to its channel only if the first connect to it succeeds,
 * and reuses discovery results for minutes, so a connection made while an organisation was cut
 * off keeps failing this way long after the peers are back. Only a new connection heals it.
 */
const NO_ENDORSERS = /(No endorsement available|No endorsement plan available|does not contain enough peers|did not find any peers active|no endorsing peer is known)/i;

/**
 * Whether a mapped ledger error says the connection knows too few endorsers (see `NO_ENDORSERS`):
 * the caller should drop that identity's connection so the next attempt discovers afresh. The
 * code stays LEDGER_UNAVAILABLE (a client sees the same code whatever the cause).
 */
export function needsRediscovery(error: unknown): boolean {
  if (!(error instanceof AppError) || error.code !== ErrorCode.LEDGER_UNAVAILABLE) return false;
  if (error.details.phase !== 'endorse' && error.details.phase !== 'evaluate') return false;
  const peers = (error.details.peers as readonly PeerAnswer[] | undefined) ?? [];
  const reason = typeof error.details.reason === 'string' ? error.details.reason : '';
  // With no peer answers, the SDK's own message is only in the cause.
  const cause = error.cause instanceof Error ? error.cause.message : '';
  return [error.message, reason, cause, ...peers.map((p) => p.message)].some((m) => NO_ENDORSERS.test(m));
}

interface SdkResponseShape {
  readonly response?: { readonly status?: number; readonly message?: string };
  readonly connection?: { readonly name?: string };
  readonly peer?: string;
  readonly endorsement?: unknown;
}

interface SdkErrorShape {
  readonly message?: string;
  readonly connection?: { readonly name?: string };
  readonly peer?: string;
  readonly endorsements?: readonly unknown[];
  readonly responses?: readonly unknown[];
  readonly errors?: readonly unknown[];
  readonly transactionId?: string;
  readonly transactionCode?: string;
  readonly name?: string;
}

type Shape = SdkErrorShape & SdkResponseShape;

function asShape(value: unknown): Shape {
  return typeof value === 'object' && value !== null ? value : {};
}

function peerNameOf(shape: Shape): string {
  return shape.connection?.name ?? shape.peer ?? 'unknown';
}

/** A peer's answer that did not endorse, or undefined when the item is not a peer answer or endorsed. */
function answerOf(shape: Shape): PeerAnswer | 'endorsed' | undefined {
  const status = shape.response?.status;
  if (typeof status !== 'number') return undefined;
  if (shape.endorsement && status < 400) return 'endorsed';
  return { peer: peerNameOf(shape), status, message: shape.response?.message ?? '' };
}

function nestedOf(shape: Shape): readonly unknown[] {
  return [...(shape.responses ?? []), ...(shape.errors ?? []), ...(shape.endorsements ?? [])];
}

/**
 * What each peer said, flattened from an SDK endorsement error: `responses` (peer answers that did
 * not endorse), `errors` (calls that failed), and the `endorsements` that the discovery handler
 * attaches to its "Endorsement has failed" error.
 */
export function peerAnswersOf(error: unknown): PeerAnswer[] {
  const answers: PeerAnswer[] = [];
  const seen = new Set<unknown>();
  const visit = (item: unknown): void => {
    if (seen.has(item)) return;
    seen.add(item);
    const shape = asShape(item);
    const answer = answerOf(shape);
    if (answer !== undefined) {
      if (answer !== 'endorsed') answers.push(answer);
      return;
    }
    const nested = nestedOf(shape);
    if (nested.length > 0) nested.forEach(visit);
    else if (item instanceof Error) answers.push({ peer: peerNameOf(shape), status: 'grpc', message: item.message });
  };
  nestedOf(asShape(error)).forEach(visit);
  return answers;
}

export interface ErrorContext {
  readonly phase: LedgerPhase;
  readonly transactionId?: string;
}

function ledgerDetails(context: ErrorContext, extra: Record<string, unknown>): Record<string, unknown> {
  return { phase: context.phase, ...(context.transactionId ? { transactionId: context.transactionId } : {}), ...extra };
}

/** A chaincode refusal as an AppError (never retried). */
export function chaincodeError(failure: ChaincodeFailure, context: ErrorContext, peers?: readonly PeerAnswer[]): AppError {
  return new AppError(failure.code, failure.message, ledgerDetails(context, { chaincodeCode: failure.chaincodeCode, mayCommit: false, ...(peers ? { peers } : {}) }));
}

/** The first chaincode refusal a peer returned (or, with no peer answers, in the message itself). */
function chaincodeRefusalOf(peers: readonly PeerAnswer[], topMessage: string): ChaincodeFailure | undefined {
  for (const answer of peers) {
    const failure = answer.status === 'grpc' ? undefined : parseChaincodeError(answer.message);
    if (failure) return failure;
  }
  return peers.length === 0 ? parseChaincodeError(topMessage) : undefined;
}

/** Endorsement (and evaluation) failures: chaincode refusals, unreachable peers, mismatches. */
export function mapEndorsementError(error: unknown, context: ErrorContext): AppError {
  const peers = peerAnswersOf(error);
  const topMessage = error instanceof Error ? error.message : String(error);
  const refusal = chaincodeRefusalOf(peers, topMessage);
  if (refusal) return chaincodeError(refusal, context, peers.length > 0 ? peers : undefined);
  const allMessages = peers.length > 0 ? peers.map((p) => p.message) : [topMessage];
  if (allMessages.some((m) => CHAINCODE_MISSING.test(m))) {
    return new AppError(ErrorCode.NOT_FOUND, 'the chaincode is not deployed on this channel', ledgerDetails(context, { mayCommit: false, peers }), { cause: error });
  }
  if (allMessages.some((m) => /endorsements do not match/i.test(m))) {
    return new AppError(ErrorCode.ENDORSEMENT_FAILED, 'the peers returned different results', ledgerDetails(context, { mayCommit: false, peers }), { cause: error });
  }
  if (allMessages.every((m) => isUnreachableMessage(m))) {
    const timedOut = allMessages.every((m) => TIMED_OUT.test(m));
    return new AppError(timedOut ? ErrorCode.TIMEOUT : ErrorCode.LEDGER_UNAVAILABLE, timedOut ? 'the peers did not answer in time' : 'no peer could endorse the transaction', ledgerDetails(context, { mayCommit: false, peers }), { cause: error });
  }
  return new AppError(ErrorCode.ENDORSEMENT_FAILED, 'the transaction was not endorsed', ledgerDetails(context, { mayCommit: false, peers }), { cause: error });
}

const CONFLICT_CODES = new Set(['MVCC_READ_CONFLICT', 'PHANTOM_READ_CONFLICT']);

/** A transaction that reached a block but was marked invalid. */
export function mapValidationCode(validationCode: string, context: ErrorContext & { blockNumber?: bigint }): AppError {
  const details = ledgerDetails(context, { validationCode, mayCommit: false, ...(context.blockNumber === undefined ? {} : { blockNumber: context.blockNumber.toString() }) });
  if (CONFLICT_CODES.has(validationCode)) return new AppError(ErrorCode.MVCC_CONFLICT, `the transaction conflicted with a concurrent one (${validationCode})`, details);
  if (validationCode === 'ENDORSEMENT_POLICY_FAILURE') return new AppError(ErrorCode.ENDORSEMENT_FAILED, 'the endorsements did not satisfy the endorsement policy', details);
  if (validationCode === 'DUPLICATE_TXID') return new AppError(ErrorCode.CONFLICT, 'a transaction with this id was already recorded', details);
  return new AppError(ErrorCode.INTERNAL, `the transaction was invalidated (${validationCode})`, details);
}

/** Sending to the orderers failed. `rejected` when an orderer said no (the transaction is not ordered). */
export function mapOrderError(error: unknown, context: ErrorContext): AppError {
  const message = error instanceof Error ? error.message : String(error);
  // An explicit status from an orderer (SERVICE_UNAVAILABLE during a Raft election, BAD_REQUEST)
  // means it was refused; a connection that was never made means it was never sent.
  const rejected = /committer\. status:/i.test(message) || /is not connected|not able to reconnect|No committers assigned/i.test(message);
  const timedOut = TIMED_OUT.test(message);
  return new AppError(timedOut ? ErrorCode.TIMEOUT : ErrorCode.LEDGER_UNAVAILABLE, rejected ? 'no orderer accepted the transaction' : 'the orderers did not confirm the transaction', ledgerDetails(context, { mayCommit: !rejected, ordererError: message }), { cause: error });
}

/** The commit wait failed: an invalid transaction, or no commit event in time. */
export function mapCommitError(error: unknown, context: ErrorContext): AppError {
  const shape = asShape(error);
  if (typeof shape.transactionCode === 'string') return mapValidationCode(shape.transactionCode, context);
  const message = error instanceof Error ? error.message : String(error);
  return new AppError(ErrorCode.TIMEOUT, 'the transaction was sent to the orderers but its commit was not seen in time; it may still commit', ledgerDetails(context, { mayCommit: true, reason: message }), { cause: error });
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return (end < 0 ? text : text.slice(0, end)).trim();
}
