import { performance } from 'node:perf_hooks';

import type { GatewayProcess } from '../test/fabric/gatewayProcess';
import type { WorkloadClient } from '../test/faults/workload';

/**
 * The read side of the soak (bench/soak.ts): queries at a fixed rate (open loop, so that a slow
 * gateway gets the same offered load instead of fewer requests), spread over the clients and three
 * shapes a portal sends: a page of assets with owners and recent history, the caller's token
 * account, and `me`. The write side is the fault suite's workload (test/faults/workload.ts).
 * A query that would start while `maxInFlight` are unanswered is not sent and is counted as
 * `skipped`: the offered rate was above what the stack answered.
 */
const QUERIES = [
  `query Page { assets(first: 10) { edges { node { id kind version owner { id }
     history(first: 2) { edges { node { action version transaction { id blockNumber } } } } } } pageInfo { hasNextPage endCursor } } }`,
  'query Account($id: ID!) { account(id: $id) { id balance updatedBlock } }',
  'query Me { me { username account } }',
] as const;

export interface QueryStreamOptions {
  readonly gateway: () => GatewayProcess | undefined;
  readonly clients: readonly WorkloadClient[];
  readonly perSecond: number;
  readonly maxInFlight?: number;
}

export interface QueryStreamSummary {
  sent: number;
  ok: number;
  skipped: number;
  readonly errorsByCode: Record<string, number>;
  readonly latenciesMs: number[];
}

export interface QueryStream {
  stop(): Promise<QueryStreamSummary>;
}

export function startQueryStream(options: QueryStreamOptions): QueryStream {
  const started = performance.now();
  const maxInFlight = options.maxInFlight ?? 200;
  const summary: QueryStreamSummary = { sent: 0, ok: 0, skipped: 0, errorsByCode: {}, latenciesMs: [] };
  const inFlight = new Set<Promise<void>>();
  let due = 0;

  const fail = (code: string): void => {
    summary.errorsByCode[code] = (summary.errorsByCode[code] ?? 0) + 1;
  };

  const one = async (n: number): Promise<void> => {
    const client = options.clients[n % options.clients.length];
    const query = QUERIES[n % QUERIES.length] ?? QUERIES[0];
    const gateway = options.gateway();
    if (!client || !gateway) {
      fail('network');
      return;
    }
    const t = performance.now();
    const reply = await gateway.graphql(query, query.includes('$id') ? { id: client.account } : {}, client.token).catch(() => undefined);
    summary.latenciesMs.push(performance.now() - t);
    const code = reply ? (reply.errors?.[0]?.extensions?.code ?? (reply.status >= 400 ? `http ${reply.status}` : undefined)) : 'network';
    if (code === undefined) summary.ok++;
    else fail(code);
  };

  // Every 50 ms, start the queries that are due by now at the rate.
  const timer = setInterval(() => {
    const target = Math.floor(((performance.now() - started) / 1000) * options.perSecond);
    for (; due < target; due++) {
      if (inFlight.size >= maxInFlight) {
        summary.skipped++;
        continue;
      }
      summary.sent++;
      const p: Promise<void> = one(due).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }, 50);

  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      return summary;
    },
  };
}
