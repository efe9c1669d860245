/**
 * deploy/grafana/ledger-gateway.json: a Grafana dashboard that only queries metrics the processes
 * export (src/common/metrics.ts, prom-client's process metrics with the same prefix), and that has
 * a panel for each thing an operator watches.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { createMetrics, METRIC_PREFIX } from '../../src/common/metrics';

interface Target {
  expr: string;
  refId: string;
  legendFormat?: string;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown }[] };
}

const DASHBOARD = path.resolve(__dirname, '..', '..', 'deploy', 'grafana', 'ledger-gateway.json');
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const graphs = dashboard.panels.filter((p) => p.type !== 'row');

/** Every series name a scrape of a process can hold: histograms as _bucket, _sum and _count. */
async function exportedSeries(): Promise<Set<string>> {
  const metrics = createMetrics({ role: 'test' });
  const series = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    const type = String(m.type);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) series.add(`${m.name}${suffix}`);
    else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) series.add(`${m.name}${suffix}`);
    else series.add(m.name);
  }
  return series;
}

/** The ledger_gateway_* names an expression (or a templating query) reads. */
function queried(expr: string): string[] {
  return expr.match(new RegExp(`\\b${METRIC_PREFIX}[A-Za-z0-9_]+`, 'g')) ?? [];
}

test('every metric the dashboard queries is one the processes export', async () => {
  const series = await exportedSeries();
  const exprs = [...graphs.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...dashboard.templating.list.map((v) => JSON.stringify(v.query ?? ''))];
  const names = exprs.flatMap(queried);
  expect(names.length).toBeGreaterThan(20);
  expect(names.filter((n) => !series.has(n))).toEqual([]);
  // A query without any of our metrics would show someone else's data, or nothing.
  for (const p of graphs) for (const t of p.targets ?? []) expect({ panel: p.title, ref: t.refId, reads: queried(t.expr).length > 0 }).toEqual({ panel: p.title, ref: t.refId, reads: true });
});

test('it has panels for GraphQL latency and errors, submissions and their phases, sync lag and height, peer heights, queue depth, memory', () => {
  const all = graphs.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n');
  for (const needed of [
    'graphql_operation_duration_seconds_bucket',
    'graphql_errors_total',
    'submissions_total',
    'submission_phase_seconds_bucket',
    'ledger_retries_total',
    'sync_lag_blocks',
    'sync_lag_seconds',
    'sync_indexed_height',
    'sync_leader',
    'peer_ledger_height',
    'peer_up',
    'submission_queue_depth',
    'process_resident_memory_bytes',
  ]) {
    expect(all).toContain(`${METRIC_PREFIX}${needed}`);
  }
  // Per peer and per outcome/phase, not summed away.
  expect(all).toMatch(/by \(peer, msp, channel\) \(ledger_gateway_peer_ledger_height/);
  expect(all).toMatch(/by \(outcome\) \(rate\(ledger_gateway_submissions_total/);
  expect(all).toMatch(/by \(le, phase\) \(rate\(ledger_gateway_submission_phase_seconds_bucket/);
});

test('it is a well-formed dashboard: unique panel ids, a Prometheus data source variable, panels inside the 24-column grid', () => {
  expect(dashboard.uid).toBe('ledger-gateway');
  const ids = dashboard.panels.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(dashboard.templating.list).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' })]));
  for (const p of graphs) {
    expect(p.datasource?.uid).toBe('${datasource}');
    expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    const refs = (p.targets ?? []).map((t) => t.refId);
    expect(new Set(refs).size).toBe(refs.length);
  }
});
