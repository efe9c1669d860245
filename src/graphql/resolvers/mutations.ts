import { requireRole } from '../../auth';
import type { AccountModel, AssetModel } from '../models';
import type { GraphqlContext } from '../context';
import type { Resolvers } from '../generated/resolvers';
import * as check from '../inputs';
import { subscriptionResolvers } from '../subscriptions';
import { signer, submitWrite, visibleSubmission, type ChaincodeWrite, type WriteOptionsInput, type WriteOutcome } from '../writes';

/**
 * Mutations (schema/mutations.graphql): every argument is checked before anything is recorded or
 * sent; writes are signed as the caller and, in SYNC mode, answered with the object as the cache
 * holds it once the transaction's block is indexed.
 */

interface Payload {
  readonly submission: WriteOutcome['submission'];
  readonly transactionId: string | null;
  readonly blockNumber: bigint | null;
  readonly indexed: boolean;
}

function payload({ submission, indexed }: WriteOutcome): Payload {
  return { submission, transactionId: submission.txId, blockNumber: submission.blockNumber, indexed };
}

/** The asset after the write, read fresh from the cache (null when not indexed). */
async function assetWrite(ctx: GraphqlContext, id: string, write: ChaincodeWrite, options: WriteOptionsInput | null | undefined, deletes = false): Promise<Payload & { asset: AssetModel | null }> {
  const outcome = await submitWrite(ctx, write, options);
  const asset = outcome.indexed && !deletes ? await ctx.loaders.asset.clear(id).load(id) : null;
  return { ...payload(outcome), asset };
}

async function accountWrite(ctx: GraphqlContext, account: string, write: ChaincodeWrite, options: WriteOptionsInput | null | undefined): Promise<Payload & { account: AccountModel | null }> {
  const outcome = await submitWrite(ctx, write, options);
  return { ...payload(outcome), account: outcome.indexed ? await ctx.loaders.account.clear(account).load(account) : null };
}

export const mutationResolvers: Resolvers = {
  Query: {
    submission: (_parent, { id }, ctx) => visibleSubmission(ctx, id),
  },
  Mutation: {
    login: (_parent, { username, password }, ctx) => ctx.services.users.login({ username, password, ...(ctx.clientAddress === undefined ? {} : { address: ctx.clientAddress }) }),
    registerUser: (_parent, { input }, ctx) => {
      requireRole(ctx.principal, 'ADMIN');
      return ctx.services.users.createUser({
        username: input.username,
        password: input.password,
        ...(input.role ? { role: input.role } : {}),
        ...(input.mspId ? { mspId: input.mspId } : {}),
      });
    },
    createAsset: (_parent, { input, options }, ctx) => {
      signer(ctx.principal);
      const id = check.assetId('input.id', input.id);
      const args = [id, check.assetId('input.kind', input.kind), check.attributes('input.attributes', input.attributes)];
      return assetWrite(ctx, id, { contract: 'assets', fn: 'CreateAsset', args }, options);
    },
    updateAsset: (_parent, { input, options }, ctx) => {
      signer(ctx.principal);
      const id = check.assetId('input.id', input.id);
      return assetWrite(ctx, id, { contract: 'assets', fn: 'UpdateAsset', args: [id, check.attributes('input.attributes', input.attributes)] }, options);
    },
    transferAsset: (_parent, { input, options }, ctx) => {
      signer(ctx.principal);
      const id = check.assetId('input.id', input.id);
      return assetWrite(ctx, id, { contract: 'assets', fn: 'TransferAsset', args: [id, check.owner('input.newOwner', input.newOwner)] }, options);
    },
    deleteAsset: (_parent, { input, options }, ctx) => {
      signer(ctx.principal);
      const id = check.assetId('input.id', input.id);
      return assetWrite(ctx, id, { contract: 'assets', fn: 'DeleteAsset', args: [id] }, options, true);
    },
    mintTokens: (_parent, { input, options }, ctx) => {
      requireRole(ctx.principal, 'ADMIN');
      signer(ctx.principal);
      const account = check.owner('input.account', input.account);
      return accountWrite(ctx, account, { contract: 'tokens', fn: 'Mint', args: [account, check.amount('input.amount', input.amount)] }, options);
    },
    transferTokens: (_parent, { input, options }, ctx) => {
      const { identityLabel } = signer(ctx.principal);
      const to = check.owner('input.to', input.to);
      if (to === identityLabel) throw check.badInput('input.to', 'is your own account');
      // The caller's own account pays; the payload shows it after the transfer.
      return accountWrite(ctx, identityLabel, { contract: 'tokens', fn: 'Transfer', args: [to, check.amount('input.amount', input.amount)] }, options);
    },
  },
  Subscription: subscriptionResolvers,
  Submission: {
    chaincode: (s) => s.request.chaincode,
    function: (s) => (s.request.contract === undefined ? s.request.fn : `${s.request.contract}:${s.request.fn}`),
    transactionId: (s) => s.txId,
  },
  MutationPayload: {
    __resolveType: (parent) => ('asset' in parent ? 'AssetPayload' : 'AccountPayload'),
  },
};

