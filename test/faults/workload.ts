import { setTimeout as sleep } from 'node:timers/promises';

import type { GatewayProcess, GraphqlReply } from '../fabric/gatewayProcess';
import type { ScenarioRecord } from '../fabric/invariants';
import { eventually, uniqueId } from '../fabric/waiting';

/**
 * The steady mixed workload the fault scenarios run under (issue #8): a few clients, each in its
 * own loop, doing a query, a SYNC createAsset and an ASYNC createAsset in turn (the admin mints
 * tokens instead of creating), each mutation with an idempotency key and retried with that key
 * the way a careful client would, against whichever gateway replica is up. Every attempt is
 * timed; acknowledged tx ids and reported failures go to the scenario record.
 *
 *   const workload = startWorkload({ gateways: () => [gw], clients, record });
 *   const faultAt = Date.now(); ...inject the fault...
 *   const summary = await workload.stop(faultAt);
 */
export interface WorkloadClient {
  readonly token: string;
  readonly account: string;
  readonly admin?: boolean;
}

export interface WorkloadOptions {
  /** The gateway replicas to use now (round robin); read at every attempt. */
  readonly gateways: () => readonly GatewayProcess[];
  readonly clients: readonly WorkloadClient[];
  readonly record: ScenarioRecord;
  /** Pause between one client's operations (default 600 ms). */
  readonly pauseMs?: number;
  /** How long a mutation is retried with its key before the client gives up (default 90 s). */
  readonly retryForMs?: number;
  /** How long stop() waits for the outcomes of all the ASYNC submissions together (default 180 s; a long run has thousands). */
  readonly settleForMs?: number;
}

type Kind = 'query' | 'sync' | 'async' | 'mint';

interface Attempt {
  readonly kind: Kind;
  readonly start: number;
  readonly end: number;
  /** Succeeded (for a SYNC mutation: committed and indexed). */
  readonly ok: boolean;
  /** The error code (or `network` for a refused or cut connection). */
  readonly code?: string;
}

export interface WorkloadSummary {
  readonly seconds: number;
  readonly attempts: number;
  readonly opsPerSecond: number;
  readonly mutationsAcknowledged: number;
  readonly failedAttempts: number;
  readonly errorRate: number;
  readonly errorsByCode: Record<string, number>;
  /** Mutations the clients gave up on (no definitive answer within `retryForMs`). */
  readonly gaveUp: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** How long the failed attempts took to be answered (p99; SYNC writes that waited for the cache left out). */
  readonly failedP99Ms: number;
  /** From the fault to the first SYNC mutation, started after the last error, committed and indexed. */
  readonly recoveryMs: number | undefined;
}

/** Codes worth another try with the same idempotency key; anything else is the mutation's answer. */
const TRANSIENT = new Set(['network', 'http', 'LEDGER_UNAVAILABLE', 'TIMEOUT', 'SERVICE_UNAVAILABLE', 'DATABASE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'INTERNAL', 'OVERLOADED', 'MVCC_CONFLICT', 'not indexed']);

const QUERY = '{ assets(first: 5) { totalCount edges { node { id version } } } }';
const CREATE = `mutation($id: ID!, $key: String!, $mode: SubmissionMode!) {
  createAsset(input: { id: $id, kind: "fault", attributes: {} }, options: { mode: $mode, idempotencyKey: $key }) { transactionId indexed submission { id status } } }`;
const MINT = `mutation($a: ID!, $key: String!) {
  mintTokens(input: { account: $a, amount: "5" }, options: { idempotencyKey: $key }) { transactionId indexed submission { id status } } }`;
const SUBMISSION = 'query($id: ID!) { submission(id: $id) { status transactionId } }';

interface Payload {
  transactionId: string | null;
  indexed: boolean;
  submission: { id: string; status: string };
}

export interface Workload {
  stop(faultAt?: number): Promise<WorkloadSummary>;
  /** Attempts so far that succeeded after `since` (to wait for the workload to be under way). */
  succeededSince(since: number): number;
  /** The failed attempts both started and answered within [from, to], by code (what clients saw during an outage). */
  failuresDuring(from: number, to: number): Record<string, number>;
}

export function startWorkload(options: WorkloadOptions): Workload {
  const attempts: Attempt[] = [];
  const asyncSubmissions: { id: string; token: string }[] = [];
  let acknowledged = 0;
  let gaveUp = 0;
  let running = true;
  let next = 0;
  const started = Date.now();
  const retryForMs = options.retryForMs ?? 90_000;

  const pick = (): GatewayProcess | undefined => {
    const live = options.gateways();
    return live[next++ % Math.max(1, live.length)];
  };

  /** One request; records the attempt; the reply, or the code it failed with. */
  const attempt = async (kind: Kind, query: string, variables: Record<string, unknown>, token: string): Promise<{ reply?: GraphqlReply<Record<string, Payload>>; code?: string }> => {
    const start = Date.now();
    const gateway = pick();
    const reply = gateway ? await gateway.graphql<Record<string, Payload>>(query, variables, token).catch(() => undefined) : undefined;
    const code = reply ? codeOf(kind, reply) : 'network';
    attempts.push({ kind, start, end: Date.now(), ok: code === undefined, ...(code ? { code } : {}) });
    return { reply, code };
  };

  const acknowledge = (kind: Kind, token: string, payload: Payload): void => {
    acknowledged++;
    if (kind === 'async') asyncSubmissions.push({ id: payload.submission.id, token });
    else if (payload.transactionId) options.record.committed.push(payload.transactionId);
  };

  /** Records a definitive answer (`acknowledged` or `refused`); undefined when the mutation is worth another try. */
  const settle = (kind: Kind, token: string, answer: { reply?: GraphqlReply<Record<string, Payload>>; code?: string }, late: boolean): 'acknowledged' | 'refused' | undefined => {
    const payload = firstField(answer.reply);
    // A SYNC write that committed but was not indexed in time is still acknowledged as committed.
    if (payload && (answer.code === undefined || (answer.code === 'not indexed' && late))) {
      acknowledge(kind, token, payload);
      return 'acknowledged';
    }
    if (TRANSIENT.has(answer.code ?? '') && !late) return undefined;
    const submissionId = submissionIdOf(answer.reply);
    if (submissionId) options.record.failed.push(submissionId);
    else gaveUp++;
    return 'refused';
  };

  /** The submission's status as its caller sees it (undefined while no gateway answers). */
  const statusOf = async (submission: { id: string; token: string }): Promise<{ status: string; transactionId: string | null } | undefined> => {
    const reply = await pick()
      ?.graphql<{ submission: { status: string; transactionId: string | null } | null }>(SUBMISSION, { id: submission.id }, submission.token)
      .catch(() => undefined);
    return reply?.data?.submission ?? undefined;
  };

  /**
   * A transient-looking code whose submission is FAILED is final all the same (e.g. TIMEOUT for a
   * synchronous write its gateway could not finish, settled later as never sent): a careful client
   * looks at the submission the error names before trying the key again.
   */
  const finallyFailed = async (answer: { reply?: GraphqlReply<Record<string, Payload>>; code?: string }, token: string): Promise<boolean> => {
    const id = submissionIdOf(answer.reply);
    if (id === undefined || !TRANSIENT.has(answer.code ?? '')) return false;
    return (await statusOf({ id, token }))?.status === 'FAILED';
  };

  /** A mutation retried with its key until it has a definitive answer, recorded in the scenario record; true when acknowledged. */
  const mutate = async (kind: Kind, query: string, variables: Record<string, unknown>, token: string): Promise<boolean> => {
    const deadline = Date.now() + retryForMs;
    for (;;) {
      const answer = await attempt(kind, query, variables, token);
      const outcome = settle(kind, token, answer, Date.now() > deadline || (await finallyFailed(answer, token)));
      if (outcome) return outcome === 'acknowledged';
      await sleep(1000);
    }
  };

  const loop = async (client: WorkloadClient, index: number): Promise<void> => {
    for (let i = index; running; i++) {
      const key = uniqueId('fault');
      if (i % 3 === 0) await attempt('query', QUERY, {}, client.token);
      else if (client.admin) {
        const to = options.clients[i % options.clients.length]?.account ?? client.account;
        if (await mutate('mint', MINT, { a: to, key }, client.token)) options.record.minted.set(to, (options.record.minted.get(to) ?? 0n) + 5n);
      } else await mutate(i % 3 === 1 ? 'sync' : 'async', CREATE, { id: key, key, mode: i % 3 === 1 ? 'SYNC' : 'ASYNC' }, client.token);
      await sleep(options.pauseMs ?? 600);
    }
  };
  const loops = options.clients.map((c, i) => loop(c, i));

  /** Waits for each ASYNC submission's outcome and records it. */
  const settleAsync = async (): Promise<void> => {
    const settleForMs = options.settleForMs ?? 180_000;
    const deadline = Date.now() + settleForMs;
    for (const submission of asyncSubmissions) {
      let status = await statusOf(submission);
      while (status?.status !== 'COMMITTED' && status?.status !== 'FAILED') {
        if (Date.now() > deadline) throw new Error(`ASYNC submission ${submission.id} still ${status?.status ?? 'unknown'} after ${settleForMs / 1000} s`);
        await sleep(500);
        status = await statusOf(submission);
      }
      if (status.status === 'FAILED') options.record.failed.push(submission.id);
      else if (status.transactionId) options.record.committed.push(status.transactionId);
    }
  };

  return {
    succeededSince: (since) => attempts.filter((a) => a.ok && a.start >= since).length,
    failuresDuring: (from, to) => countByCode(attempts.filter((a) => !a.ok && a.start >= from && a.end <= to)),
    async stop(faultAt) {
      running = false;
      await Promise.all(loops);
      const seconds = (Date.now() - started) / 1000;
      await settleAsync();
      return summarize(attempts, { seconds, acknowledged, gaveUp, faultAt });
    },
  };
}

/** The payload of a mutation's one root field. */
function firstField(reply: GraphqlReply<Record<string, Payload>> | undefined): Payload | undefined {
  return reply?.data ? Object.values(reply.data)[0] : undefined;
}

/** The submission a failed mutation reported (extensions.details.submissionId). */
function submissionIdOf(reply: GraphqlReply<unknown> | undefined): string | undefined {
  const details = reply?.errors?.[0]?.extensions?.details as { submissionId?: string } | undefined;
  return details?.submissionId;
}

/** The attempt's error code; for a SYNC mutation, also `not indexed` when the cache had not caught up. */
function codeOf(kind: Kind, reply: GraphqlReply<Record<string, Payload>>): string | undefined {
  const code = reply.errors?.[0]?.extensions?.code ?? (reply.status >= 500 ? 'http' : undefined);
  if (code === undefined && (kind === 'sync' || kind === 'mint') && firstField(reply)?.indexed !== true) return 'not indexed';
  return code;
}

/** Waits until the workload has had `n` successful operations that started after `since`. */
export async function underWay(workload: Workload, since: number, n = 6, timeoutMs = 180_000): Promise<void> {
  await eventually(() => {
    if (workload.succeededSince(since) < n) throw new Error(`the workload has not had ${n} successes since ${new Date(since).toISOString()}`);
  }, timeoutMs);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

function countByCode(failed: readonly Attempt[]): Record<string, number> {
  const byCode: Record<string, number> = {};
  for (const a of failed) byCode[a.code ?? '?'] = (byCode[a.code ?? '?'] ?? 0) + 1;
  return byCode;
}

function summarize(attempts: readonly Attempt[], run: { seconds: number; acknowledged: number; gaveUp: number; faultAt?: number }): WorkloadSummary {
  const failed = attempts.filter((a) => !a.ok);
  const errorsByCode = countByCode(failed);
  const latencies = attempts.map((a) => a.end - a.start).sort((a, b) => a - b);
  let recoveryMs: number | undefined;
  if (run.faultAt !== undefined) {
    const faultAt = run.faultAt;
    const lastError = Math.max(faultAt, ...failed.filter((a) => a.end >= faultAt).map((a) => a.end));
    const firstOk = attempts.filter((a) => a.ok && (a.kind === 'sync' || a.kind === 'mint') && a.start >= lastError).sort((a, b) => a.end - b.end)[0];
    recoveryMs = firstOk ? firstOk.end - faultAt : undefined;
  }
  return {
    seconds: Math.round(run.seconds),
    attempts: attempts.length,
    opsPerSecond: Math.round((attempts.length / run.seconds) * 10) / 10,
    mutationsAcknowledged: run.acknowledged,
    failedAttempts: failed.length,
    errorRate: attempts.length === 0 ? 0 : Math.round((failed.length / attempts.length) * 1000) / 1000,
    errorsByCode,
    gaveUp: run.gaveUp,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    failedP99Ms: percentile(
      failed
        .filter((a) => a.code !== 'not indexed')
        .map((a) => a.end - a.start)
        .sort((a, b) => a - b),
      99,
    ),
    recoveryMs,
  };
}
