import { parse, specifiedRules, validate, type GraphQLError } from 'graphql';

import { loadConfig, type GatewayLimits } from '../config';
import { createGraphqlSchema } from '../graphql';
import { createDocumentLimits } from './limits';

/** Every limit against the real schema with real documents, at the default settings unless a test says otherwise. */
const schema = createGraphqlSchema();
const defaults = loadConfig({}, '/repo').gateway.limits;

function check(query: string, overrides: Partial<GatewayLimits> = {}, variables?: Record<string, unknown>): string[] {
  const limits = createDocumentLimits(schema, { ...defaults, ...overrides }, { blockFieldSuggestions: false });
  let document;
  try {
    document = parse(query, limits.parseOptions);
  } catch (error) {
    return [(error as GraphQLError).message];
  }
  const errors = validate(schema, document, [...specifiedRules, ...limits.validationRules]);
  if (errors.length > 0) return errors.map((e) => e.message);
  const cost = limits.costError(document, undefined, variables);
  return cost ? [cost.message] : [];
}

const PORTAL = `query Portal($n: Int) {
  assets(first: $n) { totalCount edges { cursor node { id kind version owner { id user { username } }
    history(first: 5) { edges { node { action blockNumber transaction { id valid } } } } } } }
}`;

describe('document limits', () => {
  it('let the portal query through at the defaults', () => {
    expect(check(PORTAL, {}, { n: 50 })).toEqual([]);
    expect(check('{ gateway { channel chaincode indexedHeight } }')).toEqual([]);
  });

  it('refuse a document deeper than GATEWAY_MAX_DEPTH, also through fragments', () => {
    const deep = '{ assets(first: 1) { edges { node { history(first: 1) { edges { node { transaction { creator { user { id } } } } } } } } } }';
    expect(check(deep)).toEqual([]);
    expect(check(deep, { maxDepth: 8 })).toEqual([expect.stringMatching(/depth limit of 8 exceeded/)]);
    const viaFragment = '{ assets(first: 1) { edges { node { ...H } } } } fragment H on Asset { history(first: 1) { edges { node { transaction { creator { user { id } } } } } } }';
    expect(check(viaFragment, { maxDepth: 8 })).toEqual([expect.stringMatching(/depth limit of 8 exceeded/)]);
  });

  it('do not count the introspection query against the depth', () => {
    expect(check('{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }', { maxDepth: 3 })).toEqual([]);
  });

  it('multiply the cost by the page sizes asked for (default page 50)', () => {
    expect(check(PORTAL, { maxCost: 100 }, { n: 2 })).toEqual([]);
    expect(check(PORTAL, { maxCost: 100 }, { n: 50 })).toEqual([expect.stringMatching(/^Query cost \d+ exceeds the limit of 100/)]);
    expect(check(PORTAL, { maxCost: 100 })).toEqual([expect.stringMatching(/^Query cost \d+ exceeds/)]);
    const nested = '{ assets(first: 500) { edges { node { history(first: 500) { edges { node { id: action } } } } } } }';
    expect(check(nested)).toEqual([expect.stringMatching(/^Query cost 751501 exceeds the limit of 20000/)]);
    // 50 assets with 50 history entries each (both default pages) is 15151: allowed.
    expect(check('{ assets { edges { node { history { edges { node { action transaction { id } } } } } } } }')).toEqual([]);
  });

  it('refuse too many aliases', () => {
    const aliased = (n: number): string => `{ ${Array.from({ length: n }, (_, i) => `a${i}: gateway { channel }`).join(' ')} }`;
    expect(check(aliased(3), { maxAliases: 3 })).toEqual([]);
    expect(check(aliased(4), { maxAliases: 3, maxRootFields: 100 })).toEqual([expect.stringMatching(/Aliases limit of 3 exceeded/)]);
  });

  it('refuse too many root fields, counting through fragments', () => {
    expect(check('{ gateway { channel } me { id } asset(id: "a") { id } }', { maxRootFields: 3 })).toEqual([]);
    expect(check('{ gateway { channel } me { id } ...F } fragment F on Query { asset(id: "a") { id } account(id: "b") { id } }', { maxRootFields: 3 })).toEqual([
      'Too many root fields: 4, the limit is 3',
    ]);
  });

  it('refuse too many directives', () => {
    const fields = ['channel', 'chaincode', 'indexedHeight'];
    const directives = (n: number): string => `{ gateway { ${fields.map((f, i) => (i < n ? `${f} @include(if: true)` : f)).join(' ')} } }`;
    expect(check(directives(2), { maxDirectives: 2 })).toEqual([]);
    expect(check(directives(3), { maxDirectives: 2 })).toEqual([expect.stringMatching(/Directives limit of 2 exceeded/)]);
  });

  it('refuse a document with more tokens than GATEWAY_MAX_TOKENS before validating it', () => {
    expect(check(`{ gateway { ${'channel '.repeat(2500)} } }`)).toEqual([expect.stringMatching(/contains more th.t 2000 tokens/)]);
  });
});
