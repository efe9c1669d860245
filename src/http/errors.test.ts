import { GraphQLError } from 'graphql';

import { AppError, ErrorCode } from '../common/errors';
import { formatGraphqlError, httpFailure, isDatabaseUnavailable, MASKED_MESSAGE } from './errors';

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

  it('tells which submission and transaction a ledger failure was about, and keeps peers and reasons private', () => {
    const peers = [{ peer: 'peer0.org2.example.com:9051', status: 'grpc', message: 'No endorsement available' }];
    const unavailable = fromResolver(
      new AppError(ErrorCode.LEDGER_UNAVAILABLE, 'no peer could endorse the transaction', { phase: 'endorse', transactionId: 'tx9', mayCommit: false, peers, attempts: 3, retried: ['LEDGER_UNAVAILABLE'], submissionId: 's-1' }),
    );
    expect(formatted(unavailable)).toEqual({
      message: 'no peer could endorse the transaction',
      path: ['asset'],
      extensions: { code: 'LEDGER_UNAVAILABLE', details: { submissionId: 's-1', transactionId: 'tx9', mayCommit: false, phase: 'endorse', attempts: 3 } },
    });
    const timedOut = fromResolver(new AppError(ErrorCode.TIMEOUT, 'the peers did not answer in time', { phase: 'endorse', mayCommit: false, peers, reason: 'connect ETIMEDOUT 10.0.0.7:9051', submissionId: 's-2' }));
    expect(formatted(timedOut).extensions).toEqual({ code: 'TIMEOUT', details: { submissionId: 's-2', mayCommit: false, phase: 'endorse' } });
    // Nothing shareable known (e.g. the connection failed before any submission): no details at all.
    const unconnected = fromResolver(new AppError(ErrorCode.LEDGER_UNAVAILABLE, 'could not connect to the ledger', { reason: 'failed to connect to 10.0.0.7:7051' }));
    expect(formatted(unconnected).extensions).toEqual({ code: 'LEDGER_UNAVAILABLE' });
    expect(JSON.stringify([unavailable, timedOut, unconnected].map(formatted))).not.toMatch(/peer0|10\.0\.0\.7|ETIMEDOUT|No endorsement/);
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

describe('a database that cannot be reached', () => {
  // The shapes seen with PostgreSQL stopped: Prisma 7 through @prisma/adapter-pg, and pg directly.
  const prismaDown = Object.assign(new Error("Invalid `prisma.user.findFirst()` invocation: Can't reach database server at 127.0.0.1:5999"), { name: 'PrismaClientKnownRequestError', code: 'P1001' });
  const rawDown = Object.assign(new Error("Raw query failed. Code: `N/A`. Message: `Can't reach database server at 127.0.0.1:5999`"), { name: 'PrismaClientKnownRequestError', code: 'P2010' });
  const pgDown = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5999'), { code: 'ECONNREFUSED' });
  const pgShutdown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  const wrapped = new Error('reading the user failed', { cause: pgDown });

  it('is DATABASE_UNAVAILABLE (503) for the whole request and inside a GraphQL result, not a masked 500', () => {
    for (const error of [prismaDown, rawDown, pgDown, pgShutdown, wrapped]) {
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect(httpFailure(error)).toMatchObject({ status: 503, body: { errors: [{ extensions: { code: 'DATABASE_UNAVAILABLE' } }] }, expected: true });
      expect(formatGraphqlError({ message: error.message, path: ['me'] }, error)).toEqual({ message: 'the database is unavailable; try again shortly', path: ['me'], extensions: { code: 'DATABASE_UNAVAILABLE' } });
    }
  });

  it('leaves other database errors masked', () => {
    const constraint = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    const otherPrisma = Object.assign(new Error('Unique constraint failed'), { name: 'PrismaClientKnownRequestError', code: 'P2002' });
    for (const error of [constraint, otherPrisma]) {
      expect(isDatabaseUnavailable(error)).toBe(false);
      expect(httpFailure(error).status).toBe(500);
    }
  });
});
