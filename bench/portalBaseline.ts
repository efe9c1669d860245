import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Pool } from 'pg';

import { createReadQueries, type Prisma, type SqlReader, type StoreDomain, type TxKey } from '../src/store';

/**
 * The ceiling for bench:gateway's portal query, as its own process: node:http and `pg`, nothing
 * else. It runs the very statements the store runs for that query (the builders of
 * src/store/reads.ts, run here by a bare `pg` pool with default type parsing instead of the
 * gateway's SqlReader), in the same order and with the same batching as the gateway's DataLoaders: the page of
 * assets; the owners' users and the assets' last N history entries together; the entries'
 * transactions; their blocks. It answers the JSON the gateway answers for
 *
 *   assets(first, after) { edges { cursor node { id kind version owner { id user { username } }
 *     history(first: N) { edges { node { action version at transaction { id blockNumber block { number } } } } } } }
 *     pageInfo { hasNextPage endCursor } }
 *
 * with no GraphQL, authentication, DataLoader or Prisma in between.
 *
 *   POST /portal {"first": 50, "history": 5, "after": "<cursor>" | null, "trace": false}
 *
 * `trace: true` adds the statements' text under `extensions.statements`. Settings: DATABASE_URL,
 * PORT (0: any free port), GATEWAY_CHANNEL, GATEWAY_CHAINCODE; POOL_MAX (default 10, as the
 * gateway's Prisma pool). Prints `listening <port>` when ready; stops on SIGTERM.
 */
interface PortalRequest {
  readonly first?: number;
  readonly history?: number;
  readonly after?: string | null;
  readonly trace?: boolean;
}

/** The query's key of a row as the store's rows carry it (pg reads int8 as a string). */
type Num = string | number | bigint;

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_MAX ?? 10), application_name: 'bench-portal-baseline' });
let tracing: string[] | null = null;
// pg with its default type parsing (int8 and numeric stay strings): the leanest reading there is.
const viaPg: SqlReader = {
  async query<T>(sql: Prisma.Sql): Promise<T[]> {
    tracing?.push(sql.text);
    const result = await pool.query<T & Record<string, unknown>>(sql.text, sql.values);
    return result.rows;
  },
  end: () => pool.end(),
};
const reads = createReadQueries({ sql: viaPg });
const domain: StoreDomain = { channel: process.env.GATEWAY_CHANNEL ?? 'mychannel', chaincode: process.env.GATEWAY_CHAINCODE ?? 'sample' };

// The gateway's opaque cursors (src/graphql/connections.ts): base64url of JSON [list, ...key].
const cursorOf = (list: string, ...key: Num[]): string => Buffer.from(JSON.stringify([list, ...key.map(String)]), 'utf8').toString('base64url');
const afterId = (cursor: string): string => (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as string[])[1] ?? '';
const txKeyString = (k: { channel: string; blockNumber: Num; txIndex: number }): string => `${k.channel}\u0000${String(k.blockNumber)}\u0000${k.txIndex}`;

async function portal({ first = 50, history = 5, after = null }: PortalRequest): Promise<unknown> {
  const page = await reads.assets(domain, {}, { field: 'ID', direction: 'ASC' }, { limit: first, fromEnd: false, ...(after ? { after: [afterId(after)] } : {}) });
  const ids = page.rows.map((a) => a.id);
  const owners = [...new Set(page.rows.map((a) => a.owner))];
  const [users, histories] = await Promise.all([reads.usersByOwners(owners), reads.historyByAssets(domain, ids, { limit: history, fromEnd: false })]);
  const entries = [...histories.values()].flatMap((s) => s.rows);
  const txKeys = [...new Map(entries.map((e): [string, TxKey] => [txKeyString(e), { channel: e.channel, blockNumber: e.blockNumber, txIndex: e.txIndex }])).values()];
  const transactions = new Map((await reads.transactionsByKeys(txKeys)).map((t) => [txKeyString(t), t]));
  const blockKeys = [...new Map([...transactions.values()].map((t) => [`${t.channel}\u0000${String(t.blockNumber)}`, { channel: t.channel, number: t.blockNumber }])).values()];
  const blocks = new Map((await reads.blocksByKeys(blockKeys)).map((b) => [`${b.channel}\u0000${String(b.number)}`, b]));
  const usernames = new Map(users.map((u) => [u.owner, u.username]));
  const edges = page.rows.map((a) => ({
    cursor: cursorOf('assets:ID', a.id),
    node: {
      id: a.id,
      kind: a.kind,
      version: a.version,
      owner: { id: a.owner, user: usernames.has(a.owner) ? { username: usernames.get(a.owner) } : null },
      history: {
        edges: (histories.get(a.id)?.rows ?? []).map((h) => {
          const tx = transactions.get(txKeyString(h));
          const block = tx ? blocks.get(`${tx.channel}\u0000${String(tx.blockNumber)}`) : undefined;
          if (!tx || !block) throw new Error(`transaction or block of ${h.txId} missing`);
          return { node: { action: h.action, version: h.version, at: h.at, transaction: { id: tx.txId, blockNumber: String(tx.blockNumber), block: { number: String(block.number) } } } };
        }),
      },
    },
  }));
  return { assets: { edges, pageInfo: { hasNextPage: page.more, endCursor: edges.at(-1)?.cursor ?? null } } };
}

async function body(request: IncomingMessage): Promise<PortalRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? {} : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as PortalRequest);
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'POST' || request.url !== '/portal') {
    response.writeHead(404).end();
    return;
  }
  const input = await body(request);
  if (input.trace === true) tracing = [];
  try {
    const data = await portal(input);
    const extensions = tracing ? { extensions: { statements: tracing } } : {};
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data, ...extensions }));
  } finally {
    if (input.trace === true) tracing = null;
  }
}

const server = createServer((request, response) => {
  handle(request, response).catch((error: unknown) => {
    response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: error instanceof Error ? error.message : String(error) }] }));
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.end();
});
