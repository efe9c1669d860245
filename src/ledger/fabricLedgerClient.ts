import { readFile } from 'node:fs/promises';

import type { Endorser } from 'fabric-common';
import {
  DefaultEventHandlerStrategies,
  Gateway,
  type CommitEvent,
  type CommitListener,
  type Network,
  type Query,
  type QueryHandler,
  type QueryHandlerFactory,
  type TxEventHandler,
  type TxEventHandlerFactory,
  type X509Identity,
} from 'fabric-network';

import { AppError, ErrorCode } from '../common/errors';
import { silentLogger, type Logger } from '../common/logger';
import { repairCommitEventStarts } from './commitEventRepair';
import { createGatewayPool, createRediscovery, DEFAULT_POOL, DEFAULT_REDISCOVER_EVERY_MS, type PoolSettings } from './gatewayPool';
import type { LedgerClient, LedgerIdentity, LedgerRequest, SubmitOptions, SubmitResult } from './ledgerClient';
import { mapCommitError, mapEndorsementError, mapOrderError, mapValidationCode, needsRediscovery, parseChaincodeError, type LedgerPhase, type PeerAnswer } from './ledgerErrors';
import { createPeerSelector, DEFAULT_PEER_BACKOFF, type PeerBackoffSettings, type PeerSelector } from './peerSelector';
import { backoffDelayMs, DEFAULT_RETRY, shouldRetry, type RetrySettings } from './retryPolicy';

/** The commit-wait strategies of fabric-network, by name. */
export const EVENT_STRATEGIES = {
  PREFER_MSPID_SCOPE_ANYFORTX: DefaultEventHandlerStrategies.PREFER_MSPID_SCOPE_ANYFORTX,
  PREFER_MSPID_SCOPE_ALLFORTX: DefaultEventHandlerStrategies.PREFER_MSPID_SCOPE_ALLFORTX,
  MSPID_SCOPE_ANYFORTX: DefaultEventHandlerStrategies.MSPID_SCOPE_ANYFORTX,
  MSPID_SCOPE_ALLFORTX: DefaultEventHandlerStrategies.MSPID_SCOPE_ALLFORTX,
  NETWORK_SCOPE_ANYFORTX: DefaultEventHandlerStrategies.NETWORK_SCOPE_ANYFORTX,
  NETWORK_SCOPE_ALLFORTX: DefaultEventHandlerStrategies.NETWORK_SCOPE_ALLFORTX,
} as const;
export type EventStrategyName = keyof typeof EVENT_STRATEGIES;

export interface LedgerTimeouts {
  /** Collecting endorsements (per peer request). */
  readonly endorseMs: number;
  /** Handing the endorsed transaction to one orderer (the SDK then tries the next one). */
  readonly orderMs: number;
  /** Waiting for the commit event once the orderer accepted it. */
  readonly commitMs: number;
  /** One evaluation on one peer. */
  readonly evaluateMs: number;
  /** Waiting for a gRPC connection to become ready (peers, orderers, discovery). */
  readonly connectMs: number;
}

export const DEFAULT_TIMEOUTS: LedgerTimeouts = { endorseMs: 15_000, orderMs: 5000, commitMs: 30_000, evaluateMs: 10_000, connectMs: 3000 };

export interface FabricLedgerClientDeps {
  /** A common connection profile per MSP ID: a JSON file's path, or the profile itself. */
  readonly connectionProfiles: Readonly<Record<string, string | Record<string, unknown>>>;
  /** Rewrite discovered addresses to localhost (a network on this machine). Default false. */
  readonly asLocalhost?: boolean;
  readonly eventStrategy?: EventStrategyName;
  readonly timeouts?: Partial<LedgerTimeouts>;
  readonly pool?: Partial<PoolSettings>;
  /**
   * The least time between two rebuilds of one identity's connection after "no endorsers known"
   * failures (default 10 s): enough to heal a connection made during a partition within seconds
   * of the heal, without reconnecting on every failure while the partition lasts.
   */
  readonly rediscoverEveryMs?: number;
  readonly retry?: Partial<RetrySettings>;
  readonly peerBackoff?: Partial<PeerBackoffSettings>;
  readonly log?: Logger;
  /** Called before each retry with the error code that caused it (metrics: retries by cause). */
  readonly onRetry?: (cause: string) => void;
  /** For tests: the source of jitter. */
  readonly random?: () => number;
}

/** What the fabric-network client reports about itself (for /metrics and tests). */
export interface FabricLedgerClient extends LedgerClient {
  peerHealth(): ReturnType<PeerSelector['health']>;
  pooledIdentities(): string[];
}

interface PooledGateway {
  readonly gateway: Gateway;
  readonly mspId: string;
}

/** How many orderers the guard allows the SDK to try, one after the other, before giving up. */
const ORDERER_TRIES = 3;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createFabricLedgerClient(deps: FabricLedgerClientDeps): FabricLedgerClient {
  // Without it, one failed start of a peer's commit event stream leaves that peer silent for the
  // Gateway's lifetime (commitEventRepair.ts).
  repairCommitEventStarts();
  const log = deps.log ?? silentLogger;
  const timeouts: LedgerTimeouts = { ...DEFAULT_TIMEOUTS, ...deps.timeouts };
  const retry: RetrySettings = { ...DEFAULT_RETRY, ...deps.retry };
  const poolSettings: PoolSettings = { ...DEFAULT_POOL, ...deps.pool };
  const strategyName: EventStrategyName = deps.eventStrategy ?? 'PREFER_MSPID_SCOPE_ANYFORTX';
  const commitStrategy = EVENT_STRATEGIES[strategyName];
  const selector = createPeerSelector({ ...DEFAULT_PEER_BACKOFF, ...deps.peerBackoff });
  const profiles = new Map<string, Promise<Record<string, unknown>>>();

  const profileFor = (mspId: string): Promise<Record<string, unknown>> => {
    let profile = profiles.get(mspId);
    if (!profile) {
      const source = deps.connectionProfiles[mspId];
      if (source === undefined) {
        return Promise.reject(new AppError(ErrorCode.INTERNAL, `no connection profile is configured for ${mspId}`, { mspId }));
      }
      profile = typeof source === 'string' ? readFile(source, 'utf8').then((text) => JSON.parse(text) as Record<string, unknown>) : Promise.resolve(source);
      profiles.set(mspId, profile);
      profile.catch(() => profiles.delete(mspId));
    }
    return profile;
  };

  const pool = createGatewayPool<LedgerIdentity, PooledGateway>(
    {
      async create(key, identity) {
        const profile = await profileFor(identity.mspId);
        const x509: X509Identity = { type: 'X.509', mspId: identity.mspId, credentials: { certificate: identity.certificate, privateKey: identity.privateKey } };
        const gateway = new Gateway();
        try {
          await gateway.connect(profile, {
            identity: x509,
            discovery: { enabled: true, asLocalhost: deps.asLocalhost ?? false },
            // The SDK takes whole seconds, and uses `commitTimeout` for the orderer's broadcast; the
            // commit wait gets its own deadline in CommitProbe. A guard per attempt caps the whole.
            eventHandlerOptions: { endorseTimeout: toSeconds(timeouts.endorseMs), commitTimeout: toSeconds(timeouts.orderMs), strategy: commitStrategy },
            queryHandlerOptions: { strategy: queryStrategy(identity.mspId), timeout: toSeconds(timeouts.evaluateMs) },
            'connection-options': { 'grpc-wait-for-ready-timeout': timeouts.connectMs, requestTimeout: Math.max(timeouts.endorseMs, timeouts.evaluateMs) },
          });
        } catch (error) {
          gateway.disconnect();
          throw new AppError(ErrorCode.LEDGER_UNAVAILABLE, 'could not connect to the ledger', { phase: 'endorse', mayCommit: false, reason: messageOf(error) }, { cause: error });
        }
        log.debug({ identity: key, mspId: identity.mspId }, 'gateway connected');
        return { gateway, mspId: identity.mspId };
      },
      destroy(pooled) {
        try {
          pooled.gateway.disconnect();
        } catch (error) {
          log.warn({ reason: messageOf(error) }, 'disconnecting a gateway failed');
        }
      },
    },
    poolSettings,
  );
  const rediscovery = createRediscovery({ pool, isStale: needsRediscovery, minIntervalMs: deps.rediscoverEveryMs ?? DEFAULT_REDISCOVER_EVERY_MS });
  /** Drops the identity's connection when the failure says its view of the channel is stale. */
  const rediscoverAfter = (identityKey: string, error: unknown): void => {
    if (rediscovery.afterFailure(identityKey, error)) log.info({ identity: identityKey }, 'no endorsers known on this connection: reconnecting and discovering afresh');
  };
  const sweeper = setInterval(() => {
    pool.sweep();
  }, Math.max(1000, Math.floor(poolSettings.idleMs / 2)));
  sweeper.unref();

  /** Round-robin over the healthy peers of the caller's organisation, failing over on connection errors. */
  function queryStrategy(mspId: string): QueryHandlerFactory {
    return (network) => {
      const handler: QueryHandler = {
        async evaluate(query: Query): Promise<Buffer> {
          const channel = network.getChannel();
          const own = channel.getEndorsers(mspId);
          const candidates = own.length > 0 ? own : channel.getEndorsers();
          // No peer at all: discovery kept none (e.g. connected during a partition), not a refusal.
          if (candidates.length === 0) throw new Error(`no endorsing peer is known on channel ${channel.name}`);
          const byName = new Map(candidates.map((p) => [p.name, p]));
          const unreachable: Error[] = [];
          const refusals: { response: { status: number; message: string }; connection: { name: string } }[] = [];
          for (const name of selector.order(`${channel.name}/${mspId}`, [...byName.keys()])) {
            const peer = byName.get(name);
            if (!peer) continue;
            const results = await query.evaluate([peer]);
            const result = results[peer.name];
            if (result === undefined || result instanceof Error) {
              selector.markFailed(name);
              unreachable.push(Object.assign(new Error(result?.message ?? 'no answer'), { connection: { name } }));
              log.warn({ peer: name, reason: result?.message }, 'evaluation failed on a peer, trying the next');
              continue;
            }
            selector.markSucceeded(name);
            if (result.isEndorsed) return result.payload;
            const refusal = { response: { status: result.status, message: result.message }, connection: { name } };
            // The chaincode's own refusal is the answer; anything else may be this peer's trouble.
            if (parseChaincodeError(result.message)) throw Object.assign(new Error(result.message), { responses: [refusal], errors: [] });
            refusals.push(refusal);
            log.warn({ peer: name, status: result.status, reason: result.message }, 'a peer refused the evaluation, trying the next');
          }
          throw Object.assign(new Error('no peer answered the evaluation'), { responses: refusals, errors: unreachable });
        },
      };
      return handler;
    };
  }

  /** One proposal: endorse, order, wait for the commit; records phases, timings, block and code. */
  async function attempt(identity: LedgerIdentity, request: LedgerRequest, attemptLog: Logger, onTransactionId: SubmitOptions['onTransactionId']): Promise<Omit<SubmitResult, 'attempts' | 'retried' | 'timings'> & { endorseMs: number; orderMs: number; commitMs: number }> {
    const lease = await pool.acquire(identity.key, identity);
    const started = performance.now();
    const probe = new CommitProbe(commitStrategy, identity.mspId, started, toSeconds(timeouts.commitMs));
    let transactionId: string | undefined;
    let guard: NodeJS.Timeout | undefined;
    try {
      const network = await networkOf(lease.gateway.gateway, request.channel, 'endorse');
      const contract = network.getContract(request.chaincode, request.contract);
      const transaction = contract.createTransaction(request.fn);
      transactionId = transaction.getTransactionId();
      transaction.setEventHandler(probe.factory);
      // The caller hears of the id (and may record it) before any peer sees the proposal.
      const { submitted } = await announceThenSubmit(transaction, request.args, onTransactionId);
      submitted.catch(() => undefined);
      // The SDK may try every orderer in turn, each with its own deadline.
      const deadlineMs = timeouts.endorseMs + ORDERER_TRIES * timeouts.orderMs + timeouts.commitMs + 1000;
      const expired = new Promise<never>((_, reject) => {
        guard = setTimeout(() => {
          probe.abort();
          reject(new DeadlineExceeded(probe.phase));
        }, deadlineMs);
      });
      const payload = await Promise.race([submitted, expired]);
      const commit = await probe.outcome(timeouts.commitMs);
      const done = performance.now();
      return {
        transactionId,
        blockNumber: commit.blockNumber,
        validationCode: commit.validationCode,
        payload,
        endorseMs: probe.endorsedAt - started,
        orderMs: probe.orderedAt - probe.endorsedAt,
        commitMs: done - probe.orderedAt,
      };
    } catch (error) {
      if (error instanceof TransactionIdCallbackFailed) throw error;
      const mapped = toAppError(error, probe, transactionId);
      rediscoverAfter(identity.key, mapped);
      throw mapped;
    } finally {
      if (guard) clearTimeout(guard);
      probe.dispose();
      lease.release();
      attemptLog.debug({ transactionId, phase: probe.phase }, 'attempt finished');
    }
  }

  function toAppError(error: unknown, probe: CommitProbe, transactionId: string | undefined): AppError {
    if (error instanceof AppError) return error;
    const context = { phase: probe.phase, ...(transactionId ? { transactionId } : {}) };
    if (error instanceof DeadlineExceeded) {
      const mayCommit = error.phase !== 'endorse';
      return new AppError(ErrorCode.TIMEOUT, mayCommit ? 'the transaction was sent but its commit was not seen in time; it may still commit' : 'the peers did not endorse in time', { ...context, mayCommit });
    }
    if (probe.phase === 'endorse') {
      const mapped = mapEndorsementError(error, context);
      markUnreachablePeers(mapped);
      return mapped;
    }
    if (probe.phase === 'order') return mapOrderError(error, context);
    const seen = probe.seen();
    if (seen && seen.validationCode !== 'VALID') return mapValidationCode(seen.validationCode, { ...context, blockNumber: seen.blockNumber });
    return mapCommitError(error, context);
  }

  function markUnreachablePeers(error: AppError): void {
    const peers = error.details.peers as readonly PeerAnswer[] | undefined;
    for (const p of peers ?? []) if (p.status === 'grpc' && p.peer !== 'unknown') selector.markFailed(p.peer);
  }

  return {
    async submit(identity, request, options) {
      const started = performance.now();
      const submitLog = log.child({ identity: identity.key, channel: request.channel, chaincode: request.chaincode, fn: request.fn });
      const retried: string[] = [];
      for (let n = 1; ; n += 1) {
        try {
          const r = await attempt(identity, request, submitLog, options?.onTransactionId);
          const timings = { endorseMs: r.endorseMs, orderMs: r.orderMs, commitMs: r.commitMs, totalMs: performance.now() - started };
          submitLog.debug({ transactionId: r.transactionId, blockNumber: r.blockNumber.toString(), attempts: n, timings }, 'transaction committed');
          return { transactionId: r.transactionId, blockNumber: r.blockNumber, validationCode: r.validationCode, payload: r.payload, timings, attempts: n, retried };
        } catch (error) {
          // The caller refused the id: nothing of this proposal was sent; its error is the answer.
          if (error instanceof TransactionIdCallbackFailed) throw error.reason;
          const appError = error instanceof AppError ? error : new AppError(ErrorCode.INTERNAL, 'unexpected ledger failure', { reason: messageOf(error) }, { cause: error });
          if (!shouldRetry(appError, n, retry)) {
            // Chaincode refusals are the caller's business (info); the rest is the ledger's (warn).
            const level = appError.details.chaincodeCode === undefined ? 'warn' : 'info';
            submitLog[level]({ code: appError.code, attempts: n, details: appError.details }, 'submission failed');
            throw new AppError(appError.code, appError.message, { ...appError.details, attempts: n, retried }, { cause: appError.cause });
          }
          const delay = backoffDelayMs(n, retry, deps.random);
          retried.push(appError.code);
          deps.onRetry?.(appError.code);
          submitLog.info({ code: appError.code, transactionId: appError.details.transactionId, attempt: n, delayMs: delay }, 'retrying with a new proposal');
          await sleep(delay);
        }
      }
    },
    async evaluate(identity, request) {
      const lease = await pool.acquire(identity.key, identity);
      try {
        const network = await networkOf(lease.gateway.gateway, request.channel, 'evaluate');
        return await network.getContract(request.chaincode, request.contract).evaluateTransaction(request.fn, ...request.args);
      } catch (error) {
        const mapped = error instanceof AppError ? error : mapEndorsementError(error, { phase: 'evaluate' });
        rediscoverAfter(identity.key, mapped);
        throw mapped;
      } finally {
        lease.release();
      }
    },
    close() {
      clearInterval(sweeper);
      pool.close();
      return Promise.resolve();
    },
    peerHealth: () => selector.health(),
    pooledIdentities: () => pool.keys(),
  };
}

/** `onTransactionId` rejected: carried out of the attempt untouched, never retried. */
class TransactionIdCallbackFailed extends Error {
  constructor(readonly reason: unknown) {
    super('the transaction id callback failed');
  }
}

/** The part of a fabric-network `Transaction` that `announceThenSubmit` uses. */
export interface AnnouncedTransaction {
  getTransactionId(): string;
  submit(...args: string[]): Promise<Buffer>;
}

/**
 * Awaits `onTransactionId` with the transaction's id, and only then starts `submit` (endorsement,
 * ordering, commit). Resolves with the submit's promise, wrapped (not awaited, so the caller can race
 * it against a deadline). If the callback rejects, `submit` is never called and this rejects with
 * `TransactionIdCallbackFailed` carrying the callback's error.
 */
export async function announceThenSubmit(transaction: AnnouncedTransaction, args: readonly string[], onTransactionId: SubmitOptions['onTransactionId']): Promise<{ submitted: Promise<Buffer> }> {
  if (onTransactionId) {
    try {
      await onTransactionId(transaction.getTransactionId());
    } catch (error) {
      throw new TransactionIdCallbackFailed(error);
    }
  }
  return { submitted: transaction.submit(...args) };
}

class DeadlineExceeded extends Error {
  constructor(readonly phase: LedgerPhase) {
    super(`deadline exceeded while in phase ${phase}`);
  }
}

interface SeenCommit {
  readonly blockNumber: bigint;
  readonly validationCode: string;
}

/**
 * Wraps the configured commit strategy for one transaction: its factory is called by the SDK right
 * after endorsement, `waitForEvents` right after the orderer accepted the transaction, so the
 * wrapper knows the phase and the timings. Beside the strategy's own listener it listens for the
 * transaction's commit on the same peers to learn the block number and the validation code.
 */
export class CommitProbe {
  phase: LedgerPhase = 'endorse';
  endorsedAt = 0;
  orderedAt = 0;
  private aborted = false;
  private first?: SeenCommit;
  private stopListening?: () => void;
  private resolveFirst?: (seen: SeenCommit) => void;
  private readonly firstSeen = new Promise<SeenCommit>((resolve) => {
    this.resolveFirst = resolve;
  });

  constructor(
    private readonly strategy: TxEventHandlerFactory,
    private readonly mspId: string,
    startedAt: number,
    private readonly commitSeconds: number,
  ) {
    this.endorsedAt = startedAt;
    this.orderedAt = startedAt;
  }

  abort(): void {
    this.aborted = true;
  }

  /** Removes the probe's own commit listener (the strategy's handler removes its own). */
  dispose(): void {
    this.stopListening?.();
    this.stopListening = undefined;
  }

  seen(): SeenCommit | undefined {
    return this.first;
  }

  /** The commit the strategy accepted: block number and validation code from the same event stream. */
  async outcome(timeoutMs: number): Promise<SeenCommit> {
    if (this.first) return this.first;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.firstSeen,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(new Error('the commit event carried no block number in time'));
          }, timeoutMs);
        }),
      ]);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  readonly factory: TxEventHandlerFactory = (transactionId: string, network: Network): TxEventHandler => {
    this.phase = 'order';
    this.endorsedAt = performance.now();
    const inner = this.strategy(transactionId, withCommitTimeout(network, this.commitSeconds));
    const listener: CommitListener = (error, event?: CommitEvent) => {
      if (error || !event || this.first) return;
      this.first = { blockNumber: BigInt(event.getBlockEvent().blockNumber.toString()), validationCode: event.status };
      this.resolveFirst?.(this.first);
    };
    const peers = (): Endorser[] => {
      const channel = network.getChannel();
      const own = channel.getEndorsers(this.mspId);
      return own.length > 0 ? own : channel.getEndorsers();
    };
    return {
      startListening: async () => {
        // Past the deadline before reaching the orderer: stop here, so the transaction is never ordered.
        if (this.aborted) throw new Error('deadline exceeded before ordering');
        this.stopListening = () => {
          removeQuietly(network, listener);
        };
        await network.addCommitListener(listener, peers(), transactionId);
        await inner.startListening();
      },
      waitForEvents: async () => {
        this.phase = 'commit';
        this.orderedAt = performance.now();
        await inner.waitForEvents();
      },
      cancelListening: () => {
        inner.cancelListening();
        this.dispose();
      },
    };
  };
}

/**
 * Removes a commit listener, ignoring fabric-common's "eventListener not found": the event service
 * of a peer that went away and came back forgets its listeners, and the SDK then throws from
 * inside its commit callback, which would lose the commit.
 */
function removeQuietly(network: Network, listener: CommitListener): void {
  try {
    network.removeCommitListener(listener);
  } catch {
    // Already gone with the event service it was registered on.
  }
}

/**
 * The network as the SDK's commit strategy sees it: the same in every way, except that the
 * gateway's `commitTimeout` is the commit wait's (the real option is the orderer broadcast's).
 */
export function withCommitTimeout(network: Network, commitSeconds: number): Network {
  const gateway = network.getGateway();
  const options = gateway.getOptions();
  const view = {
    getIdentity: () => gateway.getIdentity(),
    getOptions: () => ({ ...options, eventHandlerOptions: { ...options.eventHandlerOptions, commitTimeout: commitSeconds } }),
  };
  return new Proxy(network, {
    get(target, property) {
      if (property === 'getGateway') return () => view;
      if (property === 'removeCommitListener') {
        return (listener: CommitListener) => {
          removeQuietly(target, listener);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Networks being opened, per gateway and channel. fabric-network's `getNetwork` caches a network
 * only once it is initialised, so concurrent first calls would each build one; the extra ones (and
 * the event-service streams their commit listeners open) are never closed by `disconnect`, and keep
 * the process alive. One promise per gateway and channel avoids that.
 */
const opening = new WeakMap<Gateway, Map<string, Promise<Network>>>();

/** The channel's network of a gateway; failing discovery means the ledger is unreachable, not a refusal. */
async function networkOf(gateway: Gateway, channel: string, phase: LedgerPhase): Promise<Network> {
  let byChannel = opening.get(gateway);
  if (!byChannel) {
    byChannel = new Map();
    opening.set(gateway, byChannel);
  }
  let network = byChannel.get(channel);
  if (!network) {
    const channels = byChannel;
    network = gateway.getNetwork(channel);
    channels.set(channel, network);
    // A failed opening is not kept: the next call tries again.
    network.catch(() => channels.delete(channel));
  }
  try {
    return await network;
  } catch (error) {
    throw new AppError(ErrorCode.LEDGER_UNAVAILABLE, `could not reach channel ${channel}`, { phase, mayCommit: false, reason: messageOf(error) }, { cause: error });
  }
}

function toSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
