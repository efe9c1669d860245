import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';

import { ErrorCode } from '../common/errors';
import type { GatewayLimits } from '../config';

/**
 * Bounds on one GraphQL document, the same over HTTP and WebSocket. Depth, aliases and directives
 * come from graphql-armor (validation rules); tokens from graphql-js's own parser limit; the cost
 * (page sizes multiply) from graphql-query-complexity, which needs the variables and so runs once
 * the operation is resolved; root fields per operation from the small rule below. Every rejection
 * is GRAPHQL_VALIDATION_FAILED (GRAPHQL_PARSE_FAILED for tokens) with HTTP 400, the message naming
 * the limit.
 */
export interface DocumentLimits {
  /** For Apollo Server's and graphql-ws's `validate`. */
  readonly validationRules: readonly ValidationRule[];
  /** graphql-js `parse` options (`maxTokens`). */
  readonly parseOptions: { readonly maxTokens: number };
  /** Apollo Server plugins: graphql-armor's, and the cost check. */
  readonly plugins: readonly ApolloServerPlugin[];
  /** The cost error of an operation, or undefined when it is within the limit (or its variables do not coerce). */
  costError(document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown> | undefined): GraphQLError | undefined;
}

export function createDocumentLimits(schema: GraphQLSchema, limits: GatewayLimits, options: { blockFieldSuggestions: boolean }): DocumentLimits {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true, exposeLimits: true },
    maxAliases: { n: limits.maxAliases, exposeLimits: true },
    maxDirectives: { n: limits.maxDirectives, exposeLimits: true },
    // Tokens: graphql-js's parser limit below gives a clean GRAPHQL_PARSE_FAILED. Cost: ours multiplies by page sizes.
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: options.blockFieldSuggestions },
  }).protect();
  const estimator = pageSizeEstimator(limits.defaultPageSize);
  const costError: DocumentLimits['costError'] = (document, operationName, variables) => {
    let cost: number;
    try {
      cost = getComplexity({ schema, query: document, estimators: [estimator], ...(operationName ? { operationName } : {}), ...(variables ? { variables } : {}) });
    } catch {
      return undefined; // Variables that do not coerce: execution reports them as BAD_USER_INPUT.
    }
    if (cost <= limits.maxCost) return undefined;
    return new GraphQLError(`Query cost ${cost} exceeds the limit of ${limits.maxCost} (each field costs 1, times the page size of every connection above it)`, {
      extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED, http: { status: 400, headers: new Map() } },
    });
  };
  const costPlugin: ApolloServerPlugin = {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ document, request }) {
          const error = costError(document, request.operationName ?? undefined, request.variables);
          return error ? Promise.reject(error) : Promise.resolve();
        },
      });
    },
  };
  return {
    validationRules: [...armor.validationRules, maxRootFieldsRule(limits.maxRootFields)],
    parseOptions: { maxTokens: limits.maxTokens },
    plugins: [...armor.plugins, costPlugin],
    costError,
  };
}

/**
 * A field costs 1 plus its children; a field that takes `first`/`last` (a connection) multiplies its
 * children by the page asked for, or by `defaultPageSize` when neither is given.
 */
export function pageSizeEstimator(defaultPageSize: number): ComplexityEstimator {
  return ({ field, args, childComplexity }) => {
    const paged = field.args.some((a) => a.name === 'first' || a.name === 'last');
    if (!paged) return 1 + childComplexity;
    const asked = [args.first, args.last].find((v): v is number => typeof v === 'number' && v >= 0);
    return 1 + childComplexity * (asked ?? defaultPageSize);
  };
}

/** At most `max` fields at the top of each operation (fragments at the top level are counted through). */
export function maxRootFieldsRule(max: number): ValidationRule {
  return (context: ValidationContext) => ({
    OperationDefinition(operation) {
      const count = countFields(operation.selectionSet, context, new Set());
      if (count > max) {
        context.reportError(new GraphQLError(`Too many root fields: ${count}, the limit is ${max}`, { nodes: [operation] }));
      }
    },
  });
}

function countFields(selectionSet: SelectionSetNode, context: ValidationContext, seen: Set<string>): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) count += 1;
    else if (selection.kind === Kind.INLINE_FRAGMENT) count += countFields(selection.selectionSet, context, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment: FragmentDefinitionNode | null | undefined = context.getFragment(selection.name.value);
      if (fragment) count += countFields(fragment.selectionSet, context, seen);
    }
  }
  return count;
}
