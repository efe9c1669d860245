import type { Resolvers } from '../generated/resolvers';
import { adminResolvers } from './admin';
import { baseResolvers } from './base';
import { mutationResolvers } from './mutations';
import { queryResolvers } from './queries';

/** One resolver map per part of the schema (./schema/<part>.graphql); merged by makeExecutableSchema. */
export const resolvers: Resolvers[] = [baseResolvers, queryResolvers, mutationResolvers, adminResolvers];
