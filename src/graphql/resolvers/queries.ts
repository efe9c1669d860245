/**
 * Resolvers of schema/queries.graphql. Every read goes through the request's DataLoaders or the
 * read queries of src/store; nothing here touches a peer or writes SQL. Visibility: ../guards.ts.
 */
import type DataLoader from 'dataloader';
import type { GraphQLResolveInfo } from 'graphql';

import { AppError, ErrorCode } from '../../common';
import { ORDER_KEYS, type AssetFilter as StoreAssetFilter, type AssetOrder as StoreAssetOrder, type Key, type ListKey, type Slice, type TxKey, type UserRecord } from '../../store';
import { pageWindow, selects, toPage, type CursorSpec, type Page, type PageArgs } from '../connections';
import type { AssetAction, AssetFilter, AssetOrder, Resolvers, TransferKind } from '../generated/resolvers';
import { ownerOf, requireAccountAccess, requireRole, requireUser, seesLoginTimes, visibleWrites } from '../guards';
import type { OwnerModel, UserModel } from '../models';

const ASSET_ACTIONS: readonly AssetAction[] = ['CREATED', 'UPDATED', 'TRANSFERRED', 'DELETED'];
const TRANSFER_KINDS: readonly TransferKind[] = ['MINT', 'TRANSFER'];

/** A relation the cache must have (a row's transaction, a transaction's block); its absence is a bug, not input. */
function present<T>(value: T | null, what: string): T {
  if (value === null) throw new AppError(ErrorCode.INTERNAL, `the cache has no ${what}`, { what });
  return value;
}

function oneOf<T extends string>(allowed: readonly T[], value: string, what: string): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new AppError(ErrorCode.INTERNAL, `unexpected ${what} "${value}" in the cache`, { what, value });
  return found;
}

const userModel = (user: UserRecord | null): UserModel | null => user;
const owner = (id: string): OwnerModel => ({ id });
const txKey = (row: { channel: string; blockNumber: bigint; txIndex: number }): TxKey => ({
  channel: row.channel,
  blockNumber: row.blockNumber,
  txIndex: row.txIndex,
});
const position = (row: { blockNumber: bigint; txIndex: number }): Key => [row.blockNumber, row.txIndex];
const splitOwner = (id: string): [string, string] => {
  const slash = id.indexOf('/');
  return slash < 0 ? ['', id] : [id.slice(0, slash), id.slice(slash + 1)];
};

function assetFilter(filter: AssetFilter | null | undefined): StoreAssetFilter {
  return {
    ...(filter?.owner != null ? { owner: filter.owner } : {}),
    ...(filter?.kind != null ? { kind: filter.kind } : {}),
    ...(filter?.includeDeleted != null ? { includeDeleted: filter.includeDeleted } : {}),
    ...(filter?.updatedAfter != null ? { updatedAfter: filter.updatedAfter } : {}),
    ...(filter?.updatedBefore != null ? { updatedBefore: filter.updatedBefore } : {}),
  };
}

function assetOrder(order: AssetOrder | null | undefined): StoreAssetOrder {
  return { field: order?.field ?? 'ID', direction: order?.direction ?? 'ASC' };
}

/** The count of a connection, read only when the query selects `totalCount`. */
async function countIfSelected(info: GraphQLResolveInfo, count: () => Promise<number>): Promise<number> {
  return selects(info, 'totalCount') ? count() : 0;
}

/** A per-parent list (history, events, transfers) read through its batching loader. */
async function childPage<T extends { blockNumber: bigint; txIndex: number }>(
  info: GraphQLResolveInfo,
  args: PageArgs,
  spec: CursorSpec,
  id: string,
  loaders: { list: DataLoader<ListKey, Slice<T>, string>; count: DataLoader<string, number> },
): Promise<Page<T> & { totalCount: number }> {
  const window = pageWindow(args, spec);
  const [slice, totalCount] = await Promise.all([loaders.list.load({ id, window }), countIfSelected(info, () => loaders.count.load(id))]);
  return { ...toPage<T>(slice, window, spec, position), totalCount };
}

function payload(bytes: Uint8Array | null): unknown {
  if (!bytes) return null;
  const text = Buffer.from(bytes).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export const queryResolvers: Resolvers = {
  Query: {
    me: async (_parent, _args, { principal, loaders }) => userModel(await loaders.userById.load(requireUser(principal).userId)),

    asset: (_parent, { id }, { principal, loaders }) => {
      requireUser(principal);
      return loaders.asset.load(id);
    },

    assets: async (_parent, args, { principal, services }, info) => {
      requireUser(principal);
      const order = assetOrder(args.orderBy);
      const spec: CursorSpec = {
        list: `assets:${order.field}`,
        types: order.field === 'ID' ? ORDER_KEYS.assetsById : ORDER_KEYS.assetsByUpdatedBlock,
      };
      const window = pageWindow(args, spec);
      const filter = assetFilter(args.filter);
      const [slice, totalCount] = await Promise.all([
        services.reads.assets(services.domain, filter, order, window),
        countIfSelected(info, () => services.reads.countAssets(services.domain, filter)),
      ]);
      const keyOf = order.field === 'ID' ? (a: { id: string }): Key => [a.id] : (a: { id: string; updatedBlock: bigint }): Key => [a.updatedBlock, a.id];
      return { ...toPage(slice, window, spec, keyOf), totalCount };
    },

    account: (_parent, { id }, { principal, loaders }) => {
      requireUser(principal);
      return loaders.account.load(id);
    },

    transaction: (_parent, { id }, { principal, loaders }) => {
      requireUser(principal);
      return loaders.transactionById.load(id);
    },

    users: async (_parent, args, { principal, services }, info) => {
      requireRole(principal, 'ADMIN');
      const spec: CursorSpec = { list: 'users', types: ORDER_KEYS.users };
      const window = pageWindow(args, spec);
      const [slice, totalCount] = await Promise.all([services.reads.users(window), countIfSelected(info, () => services.reads.countUsers())]);
      return { ...toPage(slice, window, spec, (u) => [u.username]), totalCount };
    },
  },

  User: {
    account: (user) => ownerOf(user),
    lastLoginAt: (user, _args, { principal }) => (seesLoginTimes(principal, user.id) ? (user.lastLoginAt ?? null) : null),
  },

  Owner: {
    mspId: ({ id }) => splitOwner(id)[0],
    enrollmentId: ({ id }) => splitOwner(id)[1],
    user: async ({ id }, _args, { loaders }) => userModel(await loaders.userByOwner.load(id)),
  },

  Asset: {
    owner: (asset) => owner(asset.owner),
    history: (asset, args, ctx, info) =>
      childPage(info, args, { list: `history:${asset.id}`, types: ORDER_KEYS.ledgerPosition }, asset.id, { list: ctx.loaders.history, count: ctx.loaders.historyCount }),
    events: (asset, args, ctx, info) =>
      childPage(info, args, { list: `events:${asset.id}`, types: ORDER_KEYS.ledgerPosition }, asset.id, { list: ctx.loaders.events, count: ctx.loaders.eventCount }),
  },

  AssetHistoryEntry: {
    action: (entry) => oneOf(ASSET_ACTIONS, entry.action, 'asset action'),
    owner: (entry) => owner(entry.owner),
    transaction: async (entry, _args, { loaders }) => present(await loaders.transaction.load(txKey(entry)), `transaction of history entry ${entry.txId}`),
  },

  ChaincodeEvent: {
    name: (event) => event.eventName,
    payload: (event) => payload(event.payload),
    transaction: async (event, _args, { loaders }) => present(await loaders.transaction.load(txKey(event)), 'transaction of a chaincode event'),
  },

  Account: {
    id: (account) => account.account,
    owner: (account) => owner(account.account),
    transfers: (account, args, ctx, info) => {
      requireAccountAccess(ctx.principal, account.account);
      return childPage(info, args, { list: `transfers:${account.account}`, types: ORDER_KEYS.ledgerPosition }, account.account, { list: ctx.loaders.transfers, count: ctx.loaders.transferCount });
    },
  },

  Transfer: {
    kind: (transfer) => oneOf(TRANSFER_KINDS, transfer.kind, 'transfer kind'),
    from: (transfer) => transfer.fromAccount,
    to: (transfer) => transfer.toAccount,
    transaction: async (transfer, _args, { loaders }) => present(await loaders.transaction.load(txKey(transfer)), `transaction ${transfer.txId}`),
  },

  Transaction: {
    id: (tx) => tx.txId,
    valid: (tx) => tx.isValid,
    creator: (tx) => (tx.creatorMspId && tx.creatorId ? owner(`${tx.creatorMspId}/${tx.creatorId}`) : null),
    block: async (tx, _args, { loaders }) => present(await loaders.block.load({ channel: tx.channel, number: tx.blockNumber }), `block ${tx.blockNumber}`),
    writes: async (tx, _args, ctx) => visibleWrites(ctx, await ctx.loaders.writes.load(txKey(tx))),
  },

  TxWrite: {
    value: (write) => (write.isDelete || !write.value ? null : Buffer.from(write.value).toString('utf8')),
  },
};
