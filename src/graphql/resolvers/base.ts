import type { Resolvers } from '../generated/resolvers';
import { BigIntScalar, DateTimeScalar, JsonScalar } from '../scalars';

export const baseResolvers: Resolvers = {
  BigInt: BigIntScalar,
  DateTime: DateTimeScalar,
  JSON: JsonScalar,
  Query: {
    gateway: async (_parent, _args, { services }) => ({
      channel: services.domain.channel,
      chaincode: services.domain.chaincode,
      indexedHeight: await services.reads.indexedHeight(services.domain.channel),
    }),
  },
};
