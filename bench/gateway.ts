import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';

import autocannon from 'autocannon';
import { Command } from 'commander';
import { graphql as executeGraphql } from 'graphql';
import { Client } from 'pg';

import { silentLogger } from '../src/common';
import { createGraphqlSchema, type GatewayServices } from '../src/graphql';
import { createLoaders, createReadQueries, createSqlReader } from '../src/store';
import { createIsolatedDatabase, type IsolatedDatabase } from '../test/db/isolatedDatabase';
import { freePort } from '../test/fabric/gatewayProcess';
import { log, percentile, positiveInt, summarise } from './common';
import { BENCH_CHAINCODE, BENCH_CHANNEL, startBenchNetwork, waitUntilEndorsable, type BenchNetwork } from './network';

/**
 * `npm run bench:gateway`: the GraphQL gateway as deployed (`serve --role all` as its own process,
 * on its own Fabric network in .fabric-test-gateway-bench/, ports 26000+, new for each run unless
 * --reuse-network, and a scratch database migrated with `prisma migrate deploy`), with data built
 * through its API. Measures:
 *
 * 1. The portal's typical query (a page of 50 assets with owner, owner's user, the last 5 history
 *    entries, each with its transaction and block): requests/s and p50/p99 through the gateway,
 *    against the ceiling of bench/portalBaseline.ts (node:http + pg running the same statements
 *    and answering the same JSON, its own process), same pages, same concurrency, rounds
 *    alternating so that drift hits both. Before measuring, both answers are compared page by
 *    page, and the statements the baseline runs are compared with those the store sends to the
 *    driver for the same query (createSqlReader's onStatement, the real schema and loaders).
 * 2. A SYNC mutation's latency (updateAsset, one at a time): the client's total, the ledger commit
 *    (the submission's completedAt - createdAt, both PostgreSQL's clock), and the wait for the
 *    cache (the gateway's own log line for the write: indexWaitMs), p50/p99.
 * 3. The gateway process's memory at the peak of (1): VmRSS sampled every 100 ms, and VmHWM.
 *
 * Stops every process it started and drops the database; the network's state is kept (its
 * processes are stopped).
 */
const repoRoot = path.resolve(__dirname, '..');
const stateDir = path.join(repoRoot, '.fabric-test-gateway-bench');
const PASSWORD = 'bench gateway password';
const PAGE_SIZE = 50;
const HISTORY = 5;
const PORTAL = `query Portal($first: Int!, $history: Int!, $after: String) {
  assets(first: $first, after: $after) {
    edges { cursor node { id kind version owner { id user { username } }
      history(first: $history) { edges { node { action version at transaction { id blockNumber block { number } } } } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Options {
  assets: number;
  changes: number;
  users: number;
  connections: number;
  seconds: number;
  rounds: number;
  pages: number;
  mutations: number;
  portBase: number;
  reuseNetwork: boolean;
  profileGateway?: string;
  gatewayNodeFlags: string;
}

interface GraphqlReply<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** POST a GraphQL operation; the data, or an error with the GraphQL errors. */
async function gql<T>(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const reply = (await response.json()) as GraphqlReply<T>;
  if (reply.errors?.length || !reply.data) throw new Error(`${query.slice(0, 50).replace(/\s+/g, ' ')}…: HTTP ${response.status} ${JSON.stringify(reply.errors)}`);
  return reply.data;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// The processes under test.

interface Gateway {
  readonly child: ChildProcess;
  readonly url: string;
  readonly graphqlUrl: string;
  readonly logPath: string;
  readonly admin: { username: string; password: string };
}

/** `serve --role all` with the settings the test harness uses; its log (JSON lines) goes to a file. */
async function startGateway(databaseUrl: string, portBase: number, run: string, nodeFlags: readonly string[], profileDir?: string): Promise<Gateway> {
  const port = await freePort();
  const admin = { username: `gwbadmin${run}`, password: randomBytes(12).toString('base64url') };
  const logPath = path.join(tmpdir(), `bench-gateway-${run}.log`);
  const fd = openSync(logPath, 'w');
  const profile = profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', path.resolve(profileDir)];
  const child = spawn(process.execPath, [...nodeFlags, ...profile, '--import', 'tsx', path.join(repoRoot, 'src', 'cli', 'serve.ts'), '--role', 'all'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      FABRIC_STATE_DIR: stateDir,
      FABRIC_PORT_BASE: String(portBase),
      WALLET_KEY: randomBytes(32).toString('base64'),
      AUTH_JWT_SECRET: randomBytes(32).toString('base64'),
      AUTH_BOOTSTRAP_ADMIN_USERNAME: admin.username,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: admin.password,
      SYNC_CHANNELS: BENCH_CHANNEL,
      GATEWAY_CHANNEL: BENCH_CHANNEL,
      GATEWAY_CHAINCODE: BENCH_CHAINCODE,
      LOG_LEVEL: 'info',
      // The limiter stays on, as deployed, but above what the benchmark sends.
      GATEWAY_RATE_LIMIT_MAX: '10000000',
      SUBMITTER_CONCURRENCY: '16',
    },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve exited (${child.exitCode}) before it was ready; log: ${logPath}`);
    const status = await fetch(`${url}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`serve was not ready within 180 s; log: ${logPath}`);
    }
    await sleep(250);
  }
  return { child, url, graphqlUrl: `${url}/graphql`, logPath, admin };
}

/** bench/portalBaseline.ts as its own process; resolves with its URL once it listens. */
async function startBaseline(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'portalBaseline.ts')], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', GATEWAY_CHANNEL: BENCH_CHANNEL, GATEWAY_CHAINCODE: BENCH_CHAINCODE },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  for await (const chunk of child.stdout) {
    output += String(chunk);
    const port = /listening (\d+)/.exec(output)?.[1];
    if (port) return { child, url: `http://127.0.0.1:${port}/portal` };
  }
  throw new Error(`the baseline exited before listening: ${output}`);
}

// ---------------------------------------------------------------------------------------------
// Data, through the API.

interface BenchUser {
  readonly username: string;
  readonly account: string;
  token: string;
}

/** Runs `fn` over `items`, `limit` at a time. */
async function inLanes<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** Waits until every submission is COMMITTED (throws on a FAILED one); the highest block. */
async function settled(db: Client, ids: readonly string[]): Promise<bigint> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const { rows } = await db.query<{ status: string; n: number; block: string | null; error: string | null }>(
      `SELECT status::text, count(*)::int AS n, max(block_number)::text AS block, max(error_code || ': ' || error_message) AS error
         FROM submissions WHERE id = ANY($1::uuid[]) GROUP BY status`,
      [ids],
    );
    const failed = rows.find((r) => r.status === 'FAILED');
    if (failed) throw new Error(`${failed.n} submissions FAILED, e.g. ${failed.error ?? '?'}`);
    const committed = rows.find((r) => r.status === 'COMMITTED');
    if (committed?.n === ids.length) return BigInt(committed.block ?? '0');
    if (Date.now() > deadline) throw new Error(`submissions not settled within 10 minutes: ${JSON.stringify(rows)}`);
    await sleep(500);
  }
}

const SUBMIT = {
  create: 'mutation ($id: ID!, $a: JSON!) { createAsset(input: { id: $id, kind: "crate", attributes: $a }, options: { mode: ASYNC }) { submission { id } } }',
  update: 'mutation ($id: ID!, $a: JSON!) { updateAsset(input: { id: $id, attributes: $a }, options: { mode: ASYNC }) { submission { id } } }',
  transfer: 'mutation ($id: ID!, $to: ID!) { transferAsset(input: { id: $id, newOwner: $to }, options: { mode: ASYNC }) { submission { id } } }',
} as const;

/**
 * `users` users (registered by the admin), `assets` assets spread over them, each changed
 * `changes` times with ASYNC mutations signed by its owner: created, updated, and in the last
 * round transferred to the next user. Waits until the cache has indexed all of it.
 */
async function buildData(gateway: Gateway, db: Client, options: Options, run: string): Promise<{ users: BenchUser[]; assetIds: string[] }> {
  const adminToken = await login(gateway, gateway.admin.username, gateway.admin.password);
  const users: BenchUser[] = [];
  for (let u = 0; u < options.users; u++) {
    const username = `gwb${run}u${u}`;
    const { registerUser } = await gql<{ registerUser: { account: string } }>(
      gateway.graphqlUrl,
      'mutation ($u: String!, $p: String!) { registerUser(input: { username: $u, password: $p }) { account } }',
      { u: username, p: PASSWORD },
      adminToken,
    );
    users.push({ username, account: registerUser.account, token: await login(gateway, username, PASSWORD) });
  }
  const assets = Array.from({ length: options.assets }, (_, i) => ({ id: `asset-${run}-${String(i).padStart(5, '0')}`, owner: i % users.length }));
  const started = performance.now();
  let height = 0n;
  for (let round = 0; round < options.changes; round++) {
    const last = round === options.changes - 1 && round > 0;
    const ids = await inLanes(assets, 16, async (asset) => {
      const owner = users[asset.owner] as BenchUser;
      const variables = last
        ? { id: asset.id, to: (users[(asset.owner + 1) % users.length] as BenchUser).account }
        : { id: asset.id, a: { round, colour: ['red', 'green', 'blue'][round % 3], serial: asset.id } };
      const query = round === 0 ? SUBMIT.create : last ? SUBMIT.transfer : SUBMIT.update;
      const data = await gql<Record<string, { submission: { id: string } }>>(gateway.graphqlUrl, query, variables, owner.token);
      return Object.values(data)[0]?.submission.id ?? '';
    });
    height = await settled(db, ids);
    if (last) for (const asset of assets) asset.owner = (asset.owner + 1) % users.length;
    log(`  round ${round + 1}/${options.changes}: ${ids.length} ${round === 0 ? 'creates' : last ? 'transfers' : 'updates'} committed (up to block ${height})`);
  }
  const transactions = options.assets * options.changes;
  log(`built ${transactions} transactions in ${((performance.now() - started) / 1000).toFixed(0)} s; waiting for the cache`);
  for (;;) {
    const { gateway: info } = await gql<{ gateway: { indexedHeight: string | null } }>(gateway.graphqlUrl, '{ gateway { indexedHeight } }', {});
    if (info.indexedHeight !== null && BigInt(info.indexedHeight) >= height) break;
    await sleep(250);
  }
  return { users, assetIds: assets.map((a) => a.id) };
}

async function login(gateway: Gateway, username: string, password: string): Promise<string> {
  const data = await gql<{ login: { token: string } }>(gateway.graphqlUrl, 'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: username, p: password });
  return data.login.token;
}

// ---------------------------------------------------------------------------------------------
// (1) the portal query.

const cursorOf = (id: string): string => Buffer.from(JSON.stringify(['assets:ID', id]), 'utf8').toString('base64url');

interface Sides {
  readonly gateway: (after: string) => autocannon.Request;
  readonly baseline: (after: string) => autocannon.Request;
}

function requestsFor(gatewayToken: string): Sides {
  return {
    gateway: (after) => ({
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gatewayToken}` },
      body: JSON.stringify({ query: PORTAL, variables: { first: PAGE_SIZE, history: HISTORY, after } }),
    }),
    baseline: (after) => ({
      method: 'POST',
      path: '/portal',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ first: PAGE_SIZE, history: HISTORY, after }),
    }),
  };
}

/** Both sides answer every page with the same data; the gateway's store sends the baseline's statements. */
async function checkEquivalence(gateway: Gateway, baselineUrl: string, token: string, databaseUrl: string, pages: readonly string[], portalUser: { userId: string; username: string }): Promise<void> {
  for (const after of pages) {
    const fromGateway = await gql<unknown>(gateway.graphqlUrl, PORTAL, { first: PAGE_SIZE, history: HISTORY, after }, token);
    const response = await fetch(baselineUrl, { method: 'POST', body: JSON.stringify({ first: PAGE_SIZE, history: HISTORY, after }) });
    const fromBaseline = ((await response.json()) as { data: unknown }).data;
    if (!isDeepStrictEqual(fromGateway, fromBaseline)) {
      throw new Error(`the baseline's answer differs from the gateway's for page after ${after}:\n${JSON.stringify(fromGateway).slice(0, 600)}\n${JSON.stringify(fromBaseline).slice(0, 600)}`);
    }
  }
  // The statements: the store's (at the driver, through the real schema and loaders) and the baseline's.
  const statements: string[] = [];
  const reader = createSqlReader({ databaseUrl, maxConnections: 2, onStatement: (sql) => statements.push(sql) });
  try {
    const reads = createReadQueries({ sql: reader });
    const domain = { channel: BENCH_CHANNEL, chaincode: BENCH_CHAINCODE };
    const services = { domain, reads, indexWaitMs: 0 } as unknown as GatewayServices;
    const principal = { userId: portalUser.userId, username: portalUser.username, role: 'USER' as const, mspId: 'Org1MSP', identityLabel: undefined };
    const result = await executeGraphql({
      schema: createGraphqlSchema(),
      source: PORTAL,
      variableValues: { first: PAGE_SIZE, history: HISTORY, after: pages[0] },
      contextValue: { requestId: 'bench', log: silentLogger, principal, loaders: createLoaders({ reads, domain }), services },
    });
    if (result.errors) throw new Error(`in-process portal query: ${result.errors.map((e) => e.message).join('; ')}`);
  } finally {
    await reader.end();
  }
  const traced = await fetch(baselineUrl, { method: 'POST', body: JSON.stringify({ first: PAGE_SIZE, history: HISTORY, after: pages[0], trace: true }) });
  const baselineStatements = ((await traced.json()) as { extensions: { statements: string[] } }).extensions.statements;
  const norm = (list: readonly string[]): string[] => list.map((s) => s.replace(/\s+/g, ' ').trim()).sort();
  if (!isDeepStrictEqual(norm(statements), norm(baselineStatements))) {
    throw new Error(`the baseline runs other statements than the store:\nstore:\n${norm(statements).join('\n')}\nbaseline:\n${norm(baselineStatements).join('\n')}`);
  }
  log(`both sides answer the same JSON for ${pages.length} pages; the store sends ${statements.length} statements for one page, the baseline the same ${baselineStatements.length}`);
}

interface LoadRound {
  readonly seconds: number;
  readonly ok: number;
  readonly failed: number;
  readonly latencies: number[];
}

function loadRound(url: string, requests: autocannon.Request[], connections: number, seconds: number): Promise<LoadRound> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, connections, duration: seconds, requests }, (error: unknown, result) => {
      if (error) reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }));
      else resolve({ seconds: result.duration, ok: result['2xx'], failed: result.non2xx + result.errors + result.timeouts, latencies });
    });
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status === 200) latencies.push(ms);
    });
  });
}

interface Memory {
  rssPeakKiB: number;
  samples: number;
}

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Samples VmRSS of `pid` every 100 ms while `work` runs. */
async function sampling<T>(pid: number, memory: Memory, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => {
    memory.rssPeakKiB = Math.max(memory.rssPeakKiB, statusKiB(pid, 'VmRSS'));
    memory.samples++;
  }, 100);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// (2) SYNC mutation latency.

interface SyncSample {
  readonly submission: string;
  readonly totalMs: number;
  readonly commitMs: number;
}

async function syncMutations(gateway: Gateway, user: BenchUser, assetId: string, count: number): Promise<SyncSample[]> {
  const samples: SyncSample[] = [];
  const query = `mutation ($id: ID!, $a: JSON!) { updateAsset(input: { id: $id, attributes: $a }, options: { mode: SYNC }) {
    submission { id createdAt completedAt } transactionId blockNumber indexed asset { version } } }`;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const { updateAsset } = await gql<{ updateAsset: { submission: { id: string; createdAt: string; completedAt: string | null }; indexed: boolean } }>(
      gateway.graphqlUrl,
      query,
      { id: assetId, a: { sync: i } },
      user.token,
    );
    const totalMs = performance.now() - started;
    if (!updateAsset.indexed || updateAsset.submission.completedAt === null) throw new Error(`SYNC updateAsset ${i} came back not indexed`);
    samples.push({ submission: updateAsset.submission.id, totalMs, commitMs: Date.parse(updateAsset.submission.completedAt) - Date.parse(updateAsset.submission.createdAt) });
  }
  return samples;
}

/** The gateway's own split of each SYNC write (`write committed and indexed` log lines), by submission id. */
function gatewaySplits(logPath: string): Map<string, { committedMs: number; indexWaitMs: number }> {
  const splits = new Map<string, { committedMs: number; indexWaitMs: number }>();
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    if (!line.includes('"indexWaitMs"')) continue;
    try {
      const entry = JSON.parse(line) as { submission?: string; committedMs?: number; indexWaitMs?: number };
      if (entry.submission && typeof entry.committedMs === 'number' && typeof entry.indexWaitMs === 'number') {
        splits.set(entry.submission, { committedMs: entry.committedMs, indexWaitMs: entry.indexWaitMs });
      }
    } catch {
      // not a JSON line
    }
  }
  return splits;
}

// ---------------------------------------------------------------------------------------------

const ms = (v: number): string => `${v.toFixed(1)} ms`;
const mib = (kib: number): string => `${(kib / 1024).toFixed(0)} MiB`;
const load = (): string => loadavg().map((v) => v.toFixed(2)).join(' ');

async function measurePortal(gateway: Gateway, baselineUrl: string, user: BenchUser, userId: string, databaseUrl: string, assetIds: readonly string[], options: Options): Promise<void> {
  // Pages of this run's assets: the first page after the run's prefix, then each one after the last.
  const pages = Array.from({ length: options.pages }, (_, p) => (p === 0 ? cursorOf(`asset-${assetIds[0]?.split('-')[1] ?? ''}`) : cursorOf(assetIds[p * PAGE_SIZE - 1] ?? '')));
  await checkEquivalence(gateway, baselineUrl, user.token, databaseUrl, pages, { userId, username: user.username });
  const sides = requestsFor(user.token);
  const gatewayRequests = pages.map(sides.gateway);
  const baselineRequests = pages.map(sides.baseline);
  const gatewayPid = gateway.child.pid ?? 0;
  const memory: Memory = { rssPeakKiB: 0, samples: 0 };
  const idleRssKiB = statusKiB(gatewayPid, 'VmRSS');
  log(`warming up both sides (3 s each); gateway RSS idle ${mib(idleRssKiB)}; load average ${load()}`);
  await loadRound(gateway.url, gatewayRequests, options.connections, 3);
  await loadRound(baselineUrl.replace(/\/portal$/, ''), baselineRequests, options.connections, 3);
  const gatewayRounds: LoadRound[] = [];
  const baselineRounds: LoadRound[] = [];
  for (let r = 1; r <= options.rounds; r++) {
    gatewayRounds.push(await sampling(gatewayPid, memory, () => loadRound(gateway.url, gatewayRequests, options.connections, options.seconds)));
    baselineRounds.push(await loadRound(baselineUrl.replace(/\/portal$/, ''), baselineRequests, options.connections, options.seconds));
    log(`round ${r}/${options.rounds}: gateway ${((gatewayRounds.at(-1)?.ok ?? 0) / options.seconds).toFixed(0)} req/s, baseline ${((baselineRounds.at(-1)?.ok ?? 0) / options.seconds).toFixed(0)} req/s; load average ${load()}`);
  }
  const g = { ...summarise(gatewayRounds), failed: gatewayRounds.reduce((n, r) => n + r.failed, 0) };
  const b = { ...summarise(baselineRounds), failed: baselineRounds.reduce((n, r) => n + r.failed, 0) };
  console.log(`\n(1) portal query: ${PAGE_SIZE} assets with owner, owner.user, last ${HISTORY} history entries with transaction and block; ${options.pages} pages in turn;`);
  console.log(`    ${options.rounds} rounds x ${options.seconds} s per side, alternating, ${options.connections} connections (autocannon in the benchmark process)\n`);
  console.log('| server | requests | failed | requests/s | p50 | p99 |');
  console.log('|---|---|---|---|---|---|');
  console.log(`| node:http + pg, same statements (baseline) | ${b.count} | ${b.failed} | ${b.perSecond.toFixed(1)} | ${ms(b.p50)} | ${ms(b.p99)} |`);
  console.log(`| gateway (serve --role all) | ${g.count} | ${g.failed} | ${g.perSecond.toFixed(1)} | ${ms(g.p50)} | ${ms(g.p99)} |`);
  console.log(`\nthroughput gateway/baseline: ${((g.perSecond / b.perSecond) * 100).toFixed(1)} % (target >= 50 %)`);
  console.log(`\n(3) gateway memory: RSS idle before the load ${mib(idleRssKiB)}, peak during the gateway rounds ${mib(memory.rssPeakKiB)} (${memory.samples} samples, every 100 ms), VmHWM ${mib(statusKiB(gatewayPid, 'VmHWM'))}\n`);
}

async function measureSync(gateway: Gateway, user: BenchUser, assetId: string, count: number): Promise<void> {
  user.token = await login(gateway, user.username, PASSWORD);
  log(`${count} SYNC updateAsset, one at a time; load average ${load()}`);
  const samples = await syncMutations(gateway, user, assetId, count);
  const splits = gatewaySplits(gateway.logPath);
  const rows = samples.map((s) => ({ ...s, ...(splits.get(s.submission) ?? { committedMs: Number.NaN, indexWaitMs: Number.NaN }) }));
  const column = (pick: (r: (typeof rows)[number]) => number): { p50: number; p99: number } => {
    const sorted = rows.map(pick).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
    return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
  };
  const line = (name: string, c: { p50: number; p99: number }): void => {
    console.log(`| ${name} | ${ms(c.p50)} | ${ms(c.p99)} |`);
  };
  console.log(`\n(2) SYNC updateAsset, ${samples.length} one at a time (${rows.filter((r) => !Number.isNaN(r.indexWaitMs)).length} with the gateway's log line)\n`);
  console.log('| part | p50 | p99 |');
  console.log('|---|---|---|');
  line('total, at the client', column((r) => r.totalMs));
  line('ledger commit: submission completedAt - createdAt', column((r) => r.commitMs));
  line("ledger commit: gateway's committedMs (resolver start to COMMITTED)", column((r) => r.committedMs));
  line("wait for the cache: gateway's indexWaitMs", column((r) => r.indexWaitMs));
  line('rest: total - committedMs - indexWaitMs (HTTP, auth, GraphQL, read back)', column((r) => r.totalMs - r.committedMs - r.indexWaitMs));
  console.log('');
}

async function main(): Promise<void> {
  const options = new Command('bench:gateway')
    .option('--assets <n>', 'assets to build', positiveInt, 200)
    .option('--changes <n>', 'changes per asset (create, updates, a transfer)', positiveInt, 5)
    .option('--users <n>', 'users owning them', positiveInt, 4)
    .option('--connections <n>', 'concurrent connections for the portal query', positiveInt, 16)
    .option('--seconds <n>', 'seconds per round and side', positiveInt, 10)
    .option('--rounds <n>', 'rounds per side (alternating)', positiveInt, 3)
    .option('--pages <n>', 'pages of 50 the load goes through', positiveInt, 4)
    .option('--mutations <n>', 'SYNC mutations, one at a time', positiveInt, 50)
    .option('--port-base <n>', 'port base of the benchmark network', positiveInt, 26000)
    .option('--reuse-network', 'keep the network and its ledger from the last run instead of starting a new one', false)
    .option('--gateway-node-flags <flags>', 'V8/Node flags for the serve process, e.g. "--max-semi-space-size=64"', '')
    .option('--profile-gateway <dir>', "write the serve process's CPU profile (node --cpu-prof) into <dir> when it stops")
    .parse()
    .opts<Options>();
  if (options.assets < options.pages * PAGE_SIZE) throw new Error(`--assets must be at least ${options.pages * PAGE_SIZE} for ${options.pages} pages`);
  const run = Date.now().toString(36);
  log(`load average before: ${load()}`);
  log(`starting ${options.reuseNetwork ? 'the' : 'a new'} benchmark network (${stateDir}, ports ${options.portBase}+)`);
  const bench: BenchNetwork = await startBenchNetwork({ stateDir, portBase: options.portBase, fresh: !options.reuseNetwork });
  let database: IsolatedDatabase | undefined;
  let gateway: Gateway | undefined;
  let baseline: { child: ChildProcess; url: string } | undefined;
  let db: Client | undefined;
  try {
    await waitUntilEndorsable(bench.network, `probe-gateway-${run}`);
    database = await createIsolatedDatabase('bench_gateway');
    log('scratch database migrated (prisma migrate deploy); starting serve --role all');
    gateway = await startGateway(database.url, options.portBase, run, options.gatewayNodeFlags.split(/\s+/).filter(Boolean), options.profileGateway);
    db = new Client({ connectionString: database.url });
    await db.connect();
    log(`building data through the API: ${options.users} users, ${options.assets} assets x ${options.changes} changes (ASYNC mutations)`);
    const { users, assetIds } = await buildData(gateway, db, options, run);
    const portalUser = users[0] as BenchUser;
    const userId = (await db.query<{ id: string }>('SELECT id::text FROM users WHERE username = $1', [portalUser.username])).rows[0]?.id ?? '';
    baseline = await startBaseline(database.url);
    await measurePortal(gateway, baseline.url, portalUser, userId, database.url, assetIds, options);
    // After the transfers, asset i belongs to user (i + 1) % users: user 0 owns asset users - 1.
    await measureSync(gateway, portalUser, assetIds[options.users - 1] ?? '', options.mutations);
    log(`load average after: ${load()}`);
  } finally {
    if (baseline) await stopChild(baseline.child);
    if (gateway) {
      await stopChild(gateway.child);
      rmSync(gateway.logPath, { force: true });
    }
    await db?.end();
    await database?.drop();
    log('stopping the benchmark network (its state stays)');
    await bench.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
