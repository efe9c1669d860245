import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus metric the processes export, in one place so names and labels stay stable
 * (dashboards and the Helm chart's alert rules in deploy/helm depend on them). One registry per
 * process, passed to the parts that record, never prom-client's global one: tests can create as
 * many as they like.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly graphqlDuration: Histogram<'operation' | 'type'>;
  readonly graphqlErrors: Counter<'operation' | 'code'>;
  readonly submissions: Counter<'outcome'>;
  readonly submissionPhase: Histogram<'phase'>;
  readonly ledgerRetries: Counter<'cause'>;
  readonly peerUp: Gauge<'peer' | 'msp'>;
  readonly peerLedgerHeight: Gauge<'peer' | 'msp' | 'channel'>;
  readonly syncIndexedHeight: Gauge<'channel'>;
  readonly syncLagBlocks: Gauge<'channel'>;
  readonly syncLagSeconds: Gauge<'channel'>;
  readonly syncBatchBlocks: Histogram<'channel'>;
  readonly syncBatchDuration: Histogram<'channel'>;
  readonly syncLeader: Gauge<'channel'>;
  readonly syncIntegrityStops: Counter<'channel' | 'code'>;
  readonly queueDepth: Gauge;
  /** The text a /metrics request answers with, and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

export const METRIC_PREFIX = 'ledger_gateway_';

export function createMetrics(options: { role: string; processMetrics?: boolean }): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role: options.role });
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const name = (suffix: string): string => `${METRIC_PREFIX}${suffix}`;
  const registers = [registry];
  // Latency buckets from 5 ms (a cached read) to 60 s (a commit that waited for a slow orderer).
  const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
  return {
    registry,
    graphqlDuration: new Histogram({
      name: name('graphql_operation_duration_seconds'),
      help: 'GraphQL operations from request to response, by operation name and type',
      labelNames: ['operation', 'type'],
      buckets: seconds,
      registers,
    }),
    graphqlErrors: new Counter({
      name: name('graphql_errors_total'),
      help: 'GraphQL errors returned, by operation name and extensions.code',
      labelNames: ['operation', 'code'],
      registers,
    }),
    submissions: new Counter({
      name: name('submissions_total'),
      help: 'Submissions finished, by outcome: committed, rejected, failed, timeout, overloaded',
      labelNames: ['outcome'],
      registers,
    }),
    submissionPhase: new Histogram({
      name: name('submission_phase_seconds'),
      help: 'Time of each phase of a committed submission: endorse, order, commit',
      labelNames: ['phase'],
      buckets: seconds,
      registers,
    }),
    ledgerRetries: new Counter({
      name: name('ledger_retries_total'),
      help: 'Ledger attempts retried, by cause (MVCC_CONFLICT, PHANTOM_READ_CONFLICT, LEDGER_UNAVAILABLE, ...)',
      labelNames: ['cause'],
      registers,
    }),
    peerUp: new Gauge({
      name: name('peer_up'),
      help: '1 when the peer answered its last probe, else 0',
      labelNames: ['peer', 'msp'],
      registers,
    }),
    peerLedgerHeight: new Gauge({
      name: name('peer_ledger_height'),
      help: "A peer's ledger height per channel, as the peer itself reports it",
      labelNames: ['peer', 'msp', 'channel'],
      registers,
    }),
    syncIndexedHeight: new Gauge({
      name: name('sync_indexed_height'),
      help: 'Blocks of the channel indexed in the cache (the next block to index)',
      labelNames: ['channel'],
      registers,
    }),
    syncLagBlocks: new Gauge({
      name: name('sync_lag_blocks'),
      help: "Blocks the cache is behind the peers' ledger height",
      labelNames: ['channel'],
      registers,
    }),
    syncLagSeconds: new Gauge({
      name: name('sync_lag_seconds'),
      help: 'Age of the newest indexed block when blocks are waiting, else 0',
      labelNames: ['channel'],
      registers,
    }),
    syncBatchBlocks: new Histogram({
      name: name('sync_batch_blocks'),
      help: 'Blocks written per sync batch (one PostgreSQL transaction)',
      labelNames: ['channel'],
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
      registers,
    }),
    syncBatchDuration: new Histogram({
      name: name('sync_batch_duration_seconds'),
      help: 'Time to write one sync batch with its checkpoint',
      labelNames: ['channel'],
      buckets: seconds,
      registers,
    }),
    syncLeader: new Gauge({
      name: name('sync_leader'),
      help: "1 while this process holds the channel's sync lock (the active writer), else 0",
      labelNames: ['channel'],
      registers,
    }),
    syncIntegrityStops: new Counter({
      name: name('sync_integrity_stops_total'),
      help: 'Times the sync worker stopped on a gap or hash-chain mismatch, by code',
      labelNames: ['channel', 'code'],
      registers,
    }),
    queueDepth: new Gauge({
      name: name('submission_queue_depth'),
      help: 'Asynchronous submissions waiting or in flight',
      registers,
    }),
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
