import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

import type { Client } from 'pg';

import type { Sample } from '../src/common/soakStats';

/**
 * What the soak run (bench/soak.ts) watches while the load runs, read from outside the processes
 * so that every one is measured the same way, Node or Go: VmRSS (and RssAnon) from
 * /proc/<pid>/status for the Node roles, the Fabric nodes and the chaincode server; the private
 * memory of the PostgreSQL backends serving the soak's database; the sync worker's lag gauges
 * from its /metrics; the gateway's own log line for each SYNC write (commit -> indexed); the load
 * average. One `sample()` per tick; everything is kept for the summary and the JSON artefact.
 */
export interface Watched {
  readonly name: string;
  readonly kind: 'node role' | 'fabric' | 'chaincode';
  readonly pid: number;
}

export interface Memory {
  /** Resident set (VmRSS), MiB. */
  readonly rssMiB: number;
  /** Resident private anonymous memory (RssAnon), MiB: what a leak grows; shared pages left out. */
  readonly anonMiB: number;
}

/** The process's memory now; undefined once it is gone. */
export function readMemory(pid: number): Memory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  const rss = kib('VmRSS');
  return Number.isNaN(rss) ? undefined : { rssMiB: rss / 1024, anonMiB: kib('RssAnon') / 1024 };
}

/** The value of one series of a Prometheus text exposition (the first line whose name and labels match). */
export function metricValue(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isNaN(value)) return value;
  }
  return undefined;
}

/** Sums of a counter's series by one label (e.g. graphql_errors_total by code). */
export function metricSumsBy(text: string, name: string, label: string): Record<string, number> {
  const sums: Record<string, number> = {};
  const pattern = new RegExp(`${label}="([^"]*)"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const key = pattern.exec(line)?.[1] ?? '?';
    sums[key] = (sums[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sums;
}

export async function fetchText(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}

export interface ProbeOptions {
  readonly watched: readonly Watched[];
  /** A connection to the server, for pg_stat_activity. */
  readonly pg: Client;
  readonly database: string;
  /** The sync role's /metrics. */
  readonly syncMetricsUrl: string;
  readonly channel: string;
  /** The gateway's log so far (the process's collected output). */
  readonly gatewayOutput: () => string;
}

export interface ProbeData {
  /** RSS per watched process, plus `postgres backends` (the sum of their RssAnon). */
  readonly memory: Map<string, Sample[]>;
  /** Processes that had gone at some sample: name -> time first seen gone. */
  readonly gone: Map<string, number>;
  /** Commit -> indexed per SYNC write (the gateway's indexWaitMs), at the time of its log line. */
  readonly writeLagMs: Sample[];
  /** SYNC writes whose wait for the cache ran out (indexed: false). */
  notIndexed: number;
  /** The sync worker's lag gauges at each sample. */
  readonly lagBlocks: Sample[];
  readonly lagSeconds: Sample[];
  readonly postgresBackends: Sample[];
  readonly loadAverage: Sample[];
}

export interface Probe {
  readonly data: ProbeData;
  sample(): Promise<void>;
}

export const POSTGRES_SERIES = 'postgres backends';

export function createProbe(options: ProbeOptions): Probe {
  const data: ProbeData = { memory: new Map(), gone: new Map(), writeLagMs: [], notIndexed: 0, lagBlocks: [], lagSeconds: [], postgresBackends: [], loadAverage: [] };
  let logOffset = 0;
  const push = (series: Sample[], at: number, value: number | undefined): void => {
    if (value !== undefined && !Number.isNaN(value)) series.push({ at, value });
  };
  const memoryOf = (name: string): Sample[] => {
    const series = data.memory.get(name) ?? [];
    data.memory.set(name, series);
    return series;
  };

  /** The SYNC writes' log lines since the last call. */
  const readWriteLines = (): void => {
    const output = options.gatewayOutput();
    const end = output.lastIndexOf('\n') + 1;
    for (const line of output.slice(logOffset, end).split('\n')) {
      if (!line.includes('"indexWaitMs"')) continue;
      try {
        const entry = JSON.parse(line) as { time?: number; indexWaitMs?: number; indexed?: boolean };
        if (typeof entry.indexWaitMs !== 'number') continue;
        if (entry.indexed === false) data.notIndexed++;
        else data.writeLagMs.push({ at: typeof entry.time === 'number' ? entry.time : Date.now(), value: entry.indexWaitMs });
      } catch {
        // A line cut by the process's exit: nothing to learn from it.
      }
    }
    logOffset = Math.max(logOffset, end);
  };

  const samplePostgres = async (at: number): Promise<void> => {
    const rows = await options.pg.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [options.database]).catch(() => undefined);
    if (!rows) return;
    const memories = rows.rows.map((r) => readMemory(r.pid)).filter((m): m is Memory => m !== undefined);
    push(memoryOf(POSTGRES_SERIES), at, memories.reduce((s, m) => s + m.anonMiB, 0));
    push(data.postgresBackends, at, memories.length);
  };

  return {
    data,
    async sample() {
      const at = Date.now();
      for (const w of options.watched) {
        const memory = readMemory(w.pid);
        if (memory) push(memoryOf(w.name), at, memory.rssMiB);
        else if (!data.gone.has(w.name)) data.gone.set(w.name, at);
      }
      await samplePostgres(at);
      const metrics = await fetchText(options.syncMetricsUrl);
      if (metrics !== undefined) {
        push(data.lagBlocks, at, metricValue(metrics, 'ledger_gateway_sync_lag_blocks', { channel: options.channel }));
        push(data.lagSeconds, at, metricValue(metrics, 'ledger_gateway_sync_lag_seconds', { channel: options.channel }));
      }
      push(data.loadAverage, at, loadavg()[0]);
      readWriteLines();
    },
  };
}
