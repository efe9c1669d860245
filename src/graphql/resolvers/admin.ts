/**
 * Resolvers of schema/admin.graphql, the explorer-style admin API (issue #6). Every field needs the
 * ADMIN role. Reads go through the admin read queries and per-request loaders of src/store (one
 * statement per relation and page); the network comes from this replica's network status service;
 * chaincode definitions from `_lifecycle` through src/ledger. Nothing here writes SQL.
 */
import type { GraphQLResolveInfo } from 'graphql';

import { AppError, ErrorCode } from '../../common';
import { ADMIN_ORDER_KEYS, createAdminLoaders, type AdminLoaders, type BlockFilter as StoreBlockFilter, type Key, type TransactionFilter as StoreTransactionFilter } from '../../store';
import { pageWindow, selects, toPage, type CursorSpec } from '../connections';
import type { AdminServices, GraphqlContext } from '../context';
import type { BlockFilter, Endorser, Resolvers, StatsBucket, TransactionFilter } from '../generated/resolvers';
import { requireRole } from '../guards';
import * as check from '../inputs';
import type { NetworkStatusModel } from '../models';

/** Most buckets one `stats` query may ask for. */
export const MAX_STATS_BUCKETS = 1000;
const BUCKET_MS: Record<StatsBucket, number> = { MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 };
const MAX_FILTER_TEXT = 128;

/** The admin services, once the caller is known to be an ADMIN. */
function adminOf(ctx: Pick<GraphqlContext, 'principal' | 'services'>): AdminServices {
  requireRole(ctx.principal, 'ADMIN');
  const { admin } = ctx.services;
  if (!admin) throw new AppError(ErrorCode.INTERNAL, 'the admin API is not set up in this process', {});
  return admin;
}

// The admin loaders live as long as the request's context object (one per request or WebSocket
// operation), like the request's other loaders, without the HTTP layer having to know about them.
const loadersOfContext = new WeakMap<object, AdminLoaders>();

function loadersOf(ctx: GraphqlContext): AdminLoaders {
  const admin = adminOf(ctx);
  let loaders = loadersOfContext.get(ctx);
  if (!loaders) {
    loaders = createAdminLoaders({ reads: admin.reads });
    loadersOfContext.set(ctx, loaders);
  }
  return loaders;
}

/** The channel an admin query names (default: the gateway's), which must be one the cache indexes. */
function channelOf(ctx: GraphqlContext, admin: AdminServices, channel: string | null | undefined): string {
  const name = channel ?? ctx.services.domain.channel;
  if (!admin.channels.includes(name)) {
    throw check.badInput('channel', `the cache indexes ${admin.channels.join(', ')}; not "${name}"`);
  }
  return name;
}

function text(field: string, value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value.length === 0 || value.length > MAX_FILTER_TEXT) throw check.badInput(field, `must have 1 to ${MAX_FILTER_TEXT} characters`);
  return value;
}

function defined<T extends Record<string, unknown>>(values: T): { [K in keyof T]?: Exclude<T[K], null | undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null && v !== undefined)) as { [K in keyof T]?: Exclude<T[K], null | undefined> };
}

function blockFilter(filter: BlockFilter | null | undefined): StoreBlockFilter {
  return defined({ fromNumber: filter?.fromNumber, toNumber: filter?.toNumber, after: filter?.after, before: filter?.before });
}

function transactionFilter(filter: TransactionFilter | null | undefined): StoreTransactionFilter {
  return defined({
    fromBlock: filter?.fromBlock,
    toBlock: filter?.toBlock,
    after: filter?.after,
    before: filter?.before,
    chaincode: text('filter.chaincode', filter?.chaincode),
    creatorMspId: text('filter.creatorMspId', filter?.creatorMspId),
    validationCode: text('filter.validationCode', filter?.validationCode),
  });
}

async function countIfSelected(info: GraphQLResolveInfo, count: () => Promise<number>): Promise<number> {
  return selects(info, 'totalCount') ? count() : 0;
}

/** How many buckets [from, to) spans (UTC buckets: whole minutes, hours and days since the epoch). */
export function bucketCount(from: Date, to: Date, bucket: StatsBucket): number {
  const size = BUCKET_MS[bucket];
  return Math.floor((to.getTime() - 1) / size) - Math.floor(from.getTime() / size) + 1;
}

function statsRange(range: { from: Date; to: Date }, bucket: StatsBucket): { from: Date; to: Date } {
  if (range.to.getTime() <= range.from.getTime()) throw check.badInput('range', 'to must be after from');
  const buckets = bucketCount(range.from, range.to, bucket);
  if (buckets > MAX_STATS_BUCKETS) {
    throw check.badInput('range', `spans ${buckets} ${bucket.toLowerCase()} buckets; at most ${MAX_STATS_BUCKETS} (use a larger bucket or a shorter range)`);
  }
  return range;
}

function endorsersOf(json: unknown): Endorser[] {
  if (!Array.isArray(json)) return [];
  return json.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const { mspId, id } = item as { mspId?: unknown; id?: unknown };
    return typeof mspId === 'string' ? [{ mspId, id: typeof id === 'string' ? id : null }] : [];
  });
}

const blockKey = (b: { number: bigint }): Key => [b.number];
const txPosition = (t: { blockNumber: bigint; txIndex: number }): Key => [t.blockNumber, t.txIndex];

export const adminResolvers: Resolvers = {
  Query: {
    network: async (_parent, _args, ctx) => {
      const { network } = adminOf(ctx);
      const snapshot = network.snapshot();
      // Before this replica's first round (just started), wait for it rather than show nothing.
      return snapshot.checkedAt === null ? network.refresh() : snapshot;
    },

    chaincodes: async (_parent, args, ctx) => {
      const admin = adminOf(ctx);
      const channel = channelOf(ctx, admin, args.channel);
      const definitions = await admin.chaincodes.committed(channel);
      const activity = await admin.reads.chaincodeActivity(
        channel,
        definitions.map((d) => d.name),
      );
      return definitions.map((d) => ({ ...d, activity: activity.find((a) => a.chaincode === d.name) }));
    },

    blocks: async (_parent, args, ctx, info) => {
      const admin = adminOf(ctx);
      const channel = channelOf(ctx, admin, args.channel);
      const spec: CursorSpec = { list: `blocks:${channel}`, types: ADMIN_ORDER_KEYS.blocks };
      const window = pageWindow(args, spec);
      const filter = blockFilter(args.filter);
      const [slice, totalCount] = await Promise.all([
        admin.reads.blocks(channel, filter, window),
        countIfSelected(info, () => admin.reads.countBlocks(channel, filter)),
      ]);
      return { ...toPage(slice, window, spec, blockKey), totalCount };
    },

    block: (_parent, args, ctx) => {
      const admin = adminOf(ctx);
      return ctx.loaders.block.load({ channel: channelOf(ctx, admin, args.channel), number: args.number });
    },

    transactions: async (_parent, args, ctx, info) => {
      const admin = adminOf(ctx);
      const channel = channelOf(ctx, admin, args.channel);
      const spec: CursorSpec = { list: `transactions:${channel}`, types: ADMIN_ORDER_KEYS.transactions };
      const window = pageWindow(args, spec);
      const filter = transactionFilter(args.filter);
      const [slice, totalCount] = await Promise.all([
        admin.reads.transactions(channel, filter, window),
        countIfSelected(info, () => admin.reads.countTransactions(channel, filter)),
      ]);
      return { ...toPage(slice, window, spec, txPosition), totalCount };
    },

    stats: async (_parent, args, ctx) => {
      const admin = adminOf(ctx);
      const channel = channelOf(ctx, admin, args.channel);
      const stats = await admin.reads.stats(channel, statsRange(args.range, args.bucket), args.bucket);
      return { channel, bucket: args.bucket, ...stats };
    },

    syncStatus: async (_parent, _args, ctx) => {
      const admin = adminOf(ctx);
      const states = await admin.reads.syncStates(admin.channels.map((channel) => ({ channel, lockKey: admin.syncLockKey(channel) })));
      const heights = admin.network.snapshot().channels;
      const now = Date.now();
      return states.map((s) => {
        const indexedHeight = s.nextBlock ?? 0n;
        const peerHeight = heights.find((h) => h.name === s.channel)?.peerHeight ?? null;
        const lagBlocks = peerHeight === null ? null : peerHeight > indexedHeight ? peerHeight - indexedHeight : 0n;
        const waitingSince = s.newestBlockAt === null ? null : Math.max(0, (now - s.newestBlockAt.getTime()) / 1000);
        return {
          channel: s.channel,
          indexedHeight,
          peerHeight,
          lagBlocks,
          lagSeconds: lagBlocks === null ? null : lagBlocks === 0n ? 0 : waitingSince,
          lockHolder: s.lockHolder,
          lastError: s.lastError,
          updatedAt: s.updatedAt,
        };
      });
    },
  },

  Subscription: {
    networkChanged: {
      subscribe: (_parent, _args, ctx) => adminOf(ctx).network.changes(),
      resolve: (snapshot: NetworkStatusModel) => snapshot,
    },
  },

  ChannelInfo: {
    indexedHeight: (channel, _args, ctx) => loadersOf(ctx).nextBlock.load(channel.name),
  },

  PeerInfo: {
    name: (p) => p.peer,
    ledgerHeight: (p) => p.height,
  },

  ChaincodeInfo: {
    transactionCount: (c) => c.activity?.transactions ?? 0,
    lastActivity: (c) => c.activity?.lastActivity ?? null,
    lastBlock: (c) => c.activity?.lastBlock ?? null,
  },

  Block: {
    transactions: (block, _args, ctx) => loadersOf(ctx).blockTransactions.load({ channel: block.channel, number: block.number }),
  },

  Transaction: {
    reads: (t, _args, ctx) => loadersOf(ctx).reads.load({ channel: t.channel, blockNumber: t.blockNumber, txIndex: t.txIndex }),
    event: (t, _args, ctx) => loadersOf(ctx).event.load({ channel: t.channel, blockNumber: t.blockNumber, txIndex: t.txIndex }),
    endorsers: (t, _args, ctx) => {
      adminOf(ctx);
      return endorsersOf(t.endorsers);
    },
  },
};
