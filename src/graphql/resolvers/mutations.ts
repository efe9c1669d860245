import type { Resolvers } from '../generated/resolvers';

// Filled in by the mutations work (issue #5): resolvers for schema/mutations.graphql.
export const mutationResolvers: Resolvers = {};
