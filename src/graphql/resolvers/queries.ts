import type { Resolvers } from '../generated/resolvers';

// Filled in by the queries work (issue #5): resolvers for schema/queries.graphql.
export const queryResolvers: Resolvers = {};
