/**
 * Subscriptions, fed by the process's LedgerEvents (PostgreSQL LISTEN/NOTIFY, so any replica serves
 * them). Every one needs a signed-in caller (the WebSocket server refuses anonymous connections;
 * this checks again). A subscriber that falls behind is dropped by its bounded feed (OVERLOADED).
 */
import { requireUser } from '../auth';
import { AppError, ErrorCode } from '../common';
import type { Submission } from '../submissions';
import type { GraphqlContext } from './context';
import type { SubscriptionResolvers } from './generated/resolvers';
import type { AccountModel, AssetModel } from './models';
import * as check from './inputs';
import { visibleSubmission } from './writes';

/**
 * `feed` mapped through `step` (which may skip a value, or say it was the last), after `initial`.
 * Not an async generator: returning one that waits on its feed would hang until the next event;
 * this one's return() ends the feed at once.
 */
export function mapFeed<T, R>(
  feed: AsyncIterator<T>,
  step: (value: T) => Promise<{ emit?: R; last?: boolean }>,
  initial: readonly R[] = [],
): AsyncIterableIterator<R> {
  const queued = [...initial];
  let finished = false;
  const stop = async (): Promise<IteratorResult<R>> => {
    finished = true;
    await feed.return?.();
    return { value: undefined, done: true };
  };
  const iterator: AsyncIterableIterator<R> = {
    async next() {
      const first = queued.shift();
      if (first !== undefined) return { value: first, done: false };
      while (!finished) {
        const event = await feed.next();
        if (event.done === true) return stop();
        const out = await step(event.value);
        if (out.last === true) {
          if (out.emit === undefined) return stop();
          await stop();
        }
        if (out.emit !== undefined) return { value: out.emit, done: false };
      }
      return { value: undefined, done: true };
    },
    return: stop,
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

const TERMINAL = new Set(['COMMITTED', 'FAILED']);
const isTerminal = (s: Submission): boolean => TERMINAL.has(s.status);

async function submissionStream(ctx: GraphqlContext, id: string): Promise<AsyncIterableIterator<Submission>> {
  requireUser(ctx.principal);
  // Listening before the first read: a change in between is not missed.
  const feed = ctx.services.ledgerEvents.submissionUpdates(id);
  let last: Submission;
  try {
    last = await visibleSubmission(ctx, id);
  } catch (error) {
    await feed.return?.();
    throw error;
  }
  if (isTerminal(last)) {
    await feed.return?.();
    return mapFeed(feed, () => Promise.resolve({}), [last]);
  }
  return mapFeed(
    feed,
    async () => {
      const current = await ctx.services.submissions.get(id);
      if (current.updatedAt.getTime() === last.updatedAt.getTime() && current.status === last.status) return {};
      last = current;
      return { emit: current, last: isTerminal(current) };
    },
    [last],
  );
}

export const subscriptionResolvers: SubscriptionResolvers = {
  blockIndexed: {
    subscribe: (_parent, args, ctx) => {
      requireUser(ctx.principal);
      const channel = args.channel ? check.channel('channel', args.channel) : ctx.services.domain.channel;
      return ctx.services.ledgerEvents.blocks(channel);
    },
    resolve: (block: { channel: string; number: bigint; txCount: number }) => block,
  },
  assetChanged: {
    subscribe: (_parent, args, ctx) => {
      requireUser(ctx.principal);
      return ctx.services.ledgerEvents.assetChanges(ctx.services.domain, check.assetId('id', args.id));
    },
    resolve: (asset: AssetModel) => asset,
  },
  accountChanged: {
    subscribe: (_parent, args, ctx) => {
      const principal = requireUser(ctx.principal);
      const account = check.owner('id', args.id);
      if (principal.role !== 'ADMIN' && principal.identityLabel !== account) {
        throw new AppError(ErrorCode.FORBIDDEN, "only the account's owner and admins may watch an account", { account });
      }
      return ctx.services.ledgerEvents.accountChanges(ctx.services.domain, account);
    },
    resolve: (account: AccountModel) => account,
  },
  submissionUpdated: {
    subscribe: (_parent, args, ctx) => submissionStream(ctx, args.id),
    resolve: (submission: Submission) => submission,
  },
};
