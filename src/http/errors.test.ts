import { GraphQLError } from 'graphql';

import { AppError, ErrorCode } from '../common/errors';
import { formatGraphqlError, httpFailure, MASKED_MESSAGE } from './errors';

/** A resolver's error as Apollo Server hands it to formatError: wrapped, with a path. */
function fromResolver(original: Error): GraphQLError {
  return new GraphQLError(original.message, { path: ['asset'], originalError: original });
}

const formatted = (error: GraphQLError): ReturnType<typeof formatGraphqlError> => formatGraphqlError(error.toJSON(), error);

describe('formatGraphqlError', () => {
  it('keeps an AppError’s code and message, and its details unless they are private', () => {
    const timeout = fromResolver(new AppError(ErrorCode.TIMEOUT, 'commit not seen in time', { mayCommit: true, transactionId: 'tx1', blockNumber: 7n }));
    expect(formatted(timeout)).toEqual({
      message: 'commit not seen in time',
      path: ['asset'],
      extensions: { code: 'TIMEOUT', details: { mayCommit: true, transactionId: 'tx1', blockNumber: '7' } },
    });
    const refused = fromResolver(new AppError(ErrorCode.UNAUTHENTICATED, 'invalid username or password', { reason: 'no such user' }));
    expect(formatted(refused)).toEqual({ message: 'invalid username or password', path: ['asset'], extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('keeps the listed codes of Apollo Server and graphql-js', () => {
    const invalid = new GraphQLError('Cannot query field "nope" on type "Query".', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(formatted(invalid).extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(formatted(invalid).message).toBe('Cannot query field "nope" on type "Query".');
  });

  it.each([
    ['a plain Error from a resolver', fromResolver(new Error('connect ECONNREFUSED 10.0.0.7:5432'))],
    ['an AppError INTERNAL', fromResolver(new AppError(ErrorCode.INTERNAL, 'wallet entry could not be decrypted'))],
    ['a GraphQLError with a code not in the list', new GraphQLError('secret', { extensions: { code: 'SOME_LIBRARY_CODE' } })],
    ['a graphql-js execution error without a code', new GraphQLError('Cannot return null for non-nullable field Asset.id.', { path: ['asset', 'id'] })],
  ])('masks %s as INTERNAL_SERVER_ERROR', (_what, error) => {
    const result = formatted(error);
    expect(result.message).toBe(MASKED_MESSAGE);
    expect(result.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(JSON.stringify(result)).not.toMatch(/stack|ECONNREFUSED|decrypted|secret|non-nullable/);
  });
});

describe('httpFailure', () => {
  it('maps an AppError to its status and code', () => {
    expect(httpFailure(new AppError(ErrorCode.UNAUTHENTICATED, 'the token has expired'))).toEqual({
      status: 401,
      body: { errors: [{ message: 'the token has expired', extensions: { code: 'UNAUTHENTICATED' } }] },
      expected: true,
    });
  });

  it('maps Fastify’s request errors (bad JSON, body too large, rate limit) to BAD_REQUEST or RATE_LIMITED', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413 });
    expect(httpFailure(tooLarge)).toMatchObject({ status: 413, body: { errors: [{ extensions: { code: 'BAD_REQUEST' } }] } });
    expect(httpFailure(Object.assign(new Error('x'), { statusCode: 429 }))).toMatchObject({ status: 429, body: { errors: [{ extensions: { code: 'RATE_LIMITED' } }] } });
  });

  it('masks anything else as a 500', () => {
    expect(httpFailure(new TypeError('undefined is not a function'))).toEqual({
      status: 500,
      body: { errors: [{ message: MASKED_MESSAGE, extensions: { code: 'INTERNAL_SERVER_ERROR' } }] },
      expected: false,
    });
  });
});
