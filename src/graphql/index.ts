/**
 * The GraphQL API: SDL in ./schema, resolvers per part, the request context. The HTTP and
 * WebSocket server that carries it lives in src/http.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';

import { resolvers } from './resolvers';

export type { AdminServices, Domain, GatewayServices, GraphqlContext } from './context';

const SCHEMA_DIR = path.join(__dirname, 'schema');

/** Every *.graphql file of the schema folder, in name order, as one SDL document. */
export function loadTypeDefs(dir: string = SCHEMA_DIR): string {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(path.join(dir, name), 'utf8'))
    .join('\n');
}

export function createGraphqlSchema(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers });
}
