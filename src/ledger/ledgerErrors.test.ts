import { AppError, ErrorCode } from '../common/errors';
import { mapCommitError, mapEndorsementError, mapOrderError, mapValidationCode, needsRediscovery, parseChaincodeError, peerAnswersOf } from './ledgerErrors';

/** Error shapes as fabric-network 2.2 / fabric-common build them (see Transaction.submit, DiscoveryHandler). */
function peerResponse(peer: string, status: number, message: string): Record<string, unknown> {
  return { response: { status, message }, connection: { name: peer, type: 'Endorser' }, peer, endorsement: null };
}
function grpcError(peer: string, message: string): Error {
  return Object.assign(new Error(message), { connection: { name: peer, type: 'Endorser' }, peer });
}
/** What Transaction.submit throws when discovery's plan failed: the handler's error nests the endorsements. */
function discoveryFailure(endorsements: unknown[]): Error {
  const inner = Object.assign(new Error('Endorsement has failed'), { endorsements });
  return Object.assign(new Error('No valid responses from any peers. Errors:\n    peer=undefined, status=grpc, message=Endorsement has failed'), { responses: [], errors: [inner] });
}
const ctx = { phase: 'endorse' as const, transactionId: 'abc123' };

describe('parseChaincodeError', () => {
  test.each([
    ['ASSET_NOT_FOUND: no asset a1', ErrorCode.ASSET_NOT_FOUND, 'ASSET_NOT_FOUND: no asset a1'],
    ['chaincode response 500, FORBIDDEN: only the owner or an admin', ErrorCode.FORBIDDEN, 'FORBIDDEN: only the owner or an admin'],
    ['transaction returned with failure: INSUFFICIENT_FUNDS: balance 3 < 7', ErrorCode.INSUFFICIENT_FUNDS, 'INSUFFICIENT_FUNDS: balance 3 < 7'],
    ['peer=localhost:29020, status=500, message=ASSET_EXISTS: a1', ErrorCode.ASSET_EXISTS, 'ASSET_EXISTS: a1'],
    ['INVALID_ARGUMENT: id must match ^[A-Za-z0-9._:-]{1,64}$\nmore', ErrorCode.INVALID_ARGUMENT, 'INVALID_ARGUMENT: id must match ^[A-Za-z0-9._:-]{1,64}$'],
    ['UNKNOWN_FUNCTION: assets:Nope', ErrorCode.INVALID_ARGUMENT, 'UNKNOWN_FUNCTION: assets:Nope'],
    ['Expected 3 parameters, but 2 have been supplied', ErrorCode.INVALID_ARGUMENT, 'INVALID_ARGUMENT: Expected 3 parameters, but 2 have been supplied'],
    ['Contract name is not known: nft', ErrorCode.INVALID_ARGUMENT, 'INVALID_ARGUMENT: Contract name is not known: nft'],
  ])('%s', (message, code, clean) => {
    expect(parseChaincodeError(message)).toMatchObject({ code, message: clean });
  });

  test('ignores codes that are not the chaincode\'s, and codes inside words', () => {
    expect(parseChaincodeError('14 UNAVAILABLE: No connection established')).toBeUndefined();
    expect(parseChaincodeError('xFORBIDDEN: nope')).toBeUndefined();
    expect(parseChaincodeError('access denied')).toBeUndefined();
  });
});

describe('mapEndorsementError', () => {
  test('a chaincode refusal from discovery\'s plan keeps its code, the clean message and what each peer said', () => {
    const error = discoveryFailure([peerResponse('localhost:29020', 500, 'FORBIDDEN: not the owner'), peerResponse('localhost:29026', 500, 'FORBIDDEN: not the owner')]);
    const mapped = mapEndorsementError(error, ctx);
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped.code).toBe(ErrorCode.FORBIDDEN);
    expect(mapped.message).toBe('FORBIDDEN: not the owner');
    expect(mapped.details).toMatchObject({ phase: 'endorse', transactionId: 'abc123', mayCommit: false, chaincodeCode: 'FORBIDDEN' });
    expect(mapped.details.peers).toEqual([
      { peer: 'localhost:29020', status: 500, message: 'FORBIDDEN: not the owner' },
      { peer: 'localhost:29026', status: 500, message: 'FORBIDDEN: not the owner' },
    ]);
  });

  test('a chaincode refusal next to an unreachable peer is still the chaincode\'s', () => {
    const error = discoveryFailure([grpcError('localhost:29023', '14 UNAVAILABLE: No connection established'), peerResponse('localhost:29020', 500, 'INSUFFICIENT_FUNDS: 3 < 7')]);
    expect(mapEndorsementError(error, ctx).code).toBe(ErrorCode.INSUFFICIENT_FUNDS);
  });

  test('without discovery: responses and errors directly on the SDK error', () => {
    const error = Object.assign(new Error('No valid responses from any peers.'), { responses: [peerResponse('p0', 500, 'ASSET_NOT_FOUND: a9')], errors: [grpcError('p1', 'REQUEST TIMEOUT')] });
    expect(peerAnswersOf(error)).toEqual([
      { peer: 'p0', status: 500, message: 'ASSET_NOT_FOUND: a9' },
      { peer: 'p1', status: 'grpc', message: 'REQUEST TIMEOUT' },
    ]);
    expect(mapEndorsementError(error, ctx).code).toBe(ErrorCode.ASSET_NOT_FOUND);
  });

  test('only unreachable peers: LEDGER_UNAVAILABLE, not committed (retryable)', () => {
    const error = discoveryFailure([grpcError('localhost:29023', 'Peer localhost:29023 is not connected'), new Error('Endorsement plan group does not contain enough peers (0) to satisfy policy (required:1)')]);
    const mapped = mapEndorsementError(error, ctx);
    expect(mapped.code).toBe(ErrorCode.LEDGER_UNAVAILABLE);
    expect(mapped.details.mayCommit).toBe(false);
  });

  test('only timeouts: TIMEOUT, and the transaction cannot commit', () => {
    const error = discoveryFailure([grpcError('p0', 'REQUEST TIMEOUT'), grpcError('p1', 'REQUEST TIMEOUT')]);
    expect(mapEndorsementError(error, ctx)).toMatchObject({ code: ErrorCode.TIMEOUT, details: { mayCommit: false } });
  });

  test('uncoded refusals (access denied, mismatching results) are ENDORSEMENT_FAILED with the peers', () => {
    const denied = Object.assign(new Error('No valid responses'), { responses: [peerResponse('p0', 500, 'access denied: channel [mychannel] creator org [Org3MSP]')], errors: [] });
    expect(mapEndorsementError(denied, ctx)).toMatchObject({ code: ErrorCode.ENDORSEMENT_FAILED, details: { peers: [{ peer: 'p0', status: 500 }] } });
    const mismatch = Object.assign(new Error('No valid responses'), { responses: [], errors: [Object.assign(new Error('Peer endorsements do not match'), { endorsements: [] })] });
    expect(mapEndorsementError(mismatch, ctx)).toMatchObject({ code: ErrorCode.ENDORSEMENT_FAILED, message: 'the peers returned different results' });
  });

  test('a chaincode that is not deployed is NOT_FOUND', () => {
    const error = Object.assign(new Error('x'), { responses: [peerResponse('p0', 500, 'make sure the chaincode nope has been successfully defined on channel mychannel and try again')], errors: [] });
    expect(mapEndorsementError(error, ctx).code).toBe(ErrorCode.NOT_FOUND);
  });

  test('endorsed responses are not failures', () => {
    const error = Object.assign(new Error('x'), { responses: [{ ...peerResponse('p0', 200, ''), endorsement: {} }], errors: [grpcError('p1', 'UNAVAILABLE')] });
    expect(peerAnswersOf(error)).toEqual([{ peer: 'p1', status: 'grpc', message: 'UNAVAILABLE' }]);
  });
});

describe('ordering and commit errors', () => {
  test('an orderer that refused (Raft election) means not ordered: retryable', () => {
    const mapped = mapOrderError(new Error('Failed to send transaction successfully to the committer. status:SERVICE_UNAVAILABLE'), { phase: 'order', transactionId: 't1' });
    expect(mapped).toMatchObject({ code: ErrorCode.LEDGER_UNAVAILABLE, details: { mayCommit: false, transactionId: 't1' } });
    expect(mapOrderError(new Error('Failed, not able to reconnect to committer orderer0'), { phase: 'order' }).details.mayCommit).toBe(false);
  });

  test('an orderer that did not confirm may still order it', () => {
    expect(mapOrderError(new Error('Failed to receive committer status'), { phase: 'order', transactionId: 't1' }).details.mayCommit).toBe(true);
    expect(mapOrderError(new Error('REQUEST TIMEOUT'), { phase: 'order', transactionId: 't1' })).toMatchObject({ code: ErrorCode.TIMEOUT, details: { mayCommit: true } });
  });

  test('TransactionError with a validation code', () => {
    const mvcc = Object.assign(new Error('Commit of transaction t1 failed on peer p0 with status MVCC_READ_CONFLICT'), { transactionId: 't1', transactionCode: 'MVCC_READ_CONFLICT' });
    expect(mapCommitError(mvcc, { phase: 'commit', transactionId: 't1' })).toMatchObject({ code: ErrorCode.MVCC_CONFLICT, details: { validationCode: 'MVCC_READ_CONFLICT', mayCommit: false } });
    expect(mapValidationCode('PHANTOM_READ_CONFLICT', { phase: 'commit' }).code).toBe(ErrorCode.MVCC_CONFLICT);
    expect(mapValidationCode('ENDORSEMENT_POLICY_FAILURE', { phase: 'commit' }).code).toBe(ErrorCode.ENDORSEMENT_FAILED);
    expect(mapValidationCode('BAD_PAYLOAD', { phase: 'commit', blockNumber: 7n }).details).toMatchObject({ validationCode: 'BAD_PAYLOAD', blockNumber: '7' });
  });

  test('a commit wait that timed out says the transaction may still commit, with its id', () => {
    const timeout = Object.assign(new Error('Event strategy not satisfied within the timeout period of 30 seconds.'), { name: 'TimeoutError', transactionId: 't2' });
    expect(mapCommitError(timeout, { phase: 'commit', transactionId: 't2' })).toMatchObject({ code: ErrorCode.TIMEOUT, details: { mayCommit: true, transactionId: 't2' } });
  });
});

describe('needsRediscovery', () => {
  const endorseFailure = (...messages: string[]): AppError =>
    mapEndorsementError(Object.assign(new Error('Endorsement has failed'), { endorsements: messages.map((m) => new Error(m)) }), { phase: 'endorse', transactionId: 'tx1' });

  it('is true for a connection that knows too few endorsers, which stays LEDGER_UNAVAILABLE', () => {
    for (const message of [
      'No endorsement available',
      'No endorsement plan available',
      'Endorsement plan group does not contain enough peers (0) to satisfy policy (required:1)',
      'The discovery service did not find any peers active for Org2MSP organizations',
    ]) {
      const error = endorseFailure(message);
      expect(error.code).toBe(ErrorCode.LEDGER_UNAVAILABLE);
      expect(error.details.mayCommit).toBe(false);
      expect(needsRediscovery(error)).toBe(true);
    }
    const noPeerToQuery = mapEndorsementError(new Error('no endorsing peer is known on channel mychannel'), { phase: 'evaluate' });
    expect(noPeerToQuery.code).toBe(ErrorCode.LEDGER_UNAVAILABLE);
    expect(needsRediscovery(noPeerToQuery)).toBe(true);
  });

  it('is false for peers that were known but did not answer, refusals, and other phases', () => {
    expect(needsRediscovery(endorseFailure('REQUEST TIMEOUT'))).toBe(false);
    expect(needsRediscovery(endorseFailure('14 UNAVAILABLE: No connection established'))).toBe(false);
    expect(needsRediscovery(endorseFailure('ASSET_EXISTS: asset a1 already exists'))).toBe(false);
    expect(needsRediscovery(new AppError(ErrorCode.LEDGER_UNAVAILABLE, 'no orderer accepted the transaction', { phase: 'order', mayCommit: false, ordererError: 'No endorsement available' }))).toBe(false);
    expect(needsRediscovery(new Error('No endorsement available'))).toBe(false);
  });
});
