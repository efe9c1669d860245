import { loadConfig } from '../config';
import { checkInput, requestHash } from './types';

const user = { userId: 'u1', identityLabel: 'Org1MSP/u1' };
const request = { channel: 'mychannel', chaincode: 'sample', contract: 'assets', fn: 'CreateAsset', args: ['a1', 'car', '{}'] };

describe('the request hash an idempotency key must match', () => {
  test('is stable and covers every part of the request', () => {
    const base = requestHash(request);
    expect(requestHash({ ...request, args: [...request.args] })).toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    const variants = [
      { ...request, channel: 'second' },
      { ...request, chaincode: 'other' },
      { ...request, contract: 'tokens' },
      { channel: request.channel, chaincode: request.chaincode, fn: request.fn, args: request.args },
      { ...request, fn: 'UpdateAsset' },
      { ...request, args: ['a1', 'car'] },
      { ...request, args: ['a1', 'car', '{}', ''] },
      // No ambiguity from joining: ["ab","c"] is not ["a","bc"].
      { ...request, args: ['a1car', '', '{}'] },
    ];
    const hashes = new Set(variants.map(requestHash));
    expect(hashes.size).toBe(variants.length);
    expect(hashes.has(base)).toBe(false);
  });
});

describe('input checks', () => {
  test('a good request passes', () => {
    expect(() => {
      checkInput(user, request, 'key-1');
    }).not.toThrow();
  });

  test.each([
    ['an empty user id', { ...user, userId: '' }, request, undefined],
    ['a bad channel', user, { ...request, channel: 'My Channel' }, undefined],
    ['a bad function', user, { ...request, fn: 'drop table' }, undefined],
    ['an argument that is not a string', user, { ...request, args: [1 as unknown as string] }, undefined],
    ['a NUL in an argument', user, { ...request, args: ['a\u0000b'] }, undefined],
    ['too much data', user, { ...request, args: ['x'.repeat(1_000_001)] }, undefined],
    ['an empty key', user, request, ''],
    ['a key too long', user, request, 'k'.repeat(201)],
  ])('%s is BAD_USER_INPUT', (_what, u, r, key) => {
    expect(() => {
      checkInput(u, r, key);
    }).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }) as Error);
  });
});

describe('settings', () => {
  test('defaults, and a bad value reported by name', () => {
    expect(loadConfig({}, '/repo').submissions).toEqual({
      queueBound: 1000,
      concurrency: 8,
      jobExpireSeconds: 180,
      retryLimit: 20,
      retryDelaySeconds: 2,
      maintenanceSeconds: 30,
      pollingSeconds: 1,
      inflightGraceMs: 45_000,
      duplicateWaitMs: 60_000,
    });
    expect(loadConfig({ SUBMISSION_QUEUE_BOUND: '50', SUBMITTER_CONCURRENCY: '2' }, '/repo').submissions).toMatchObject({ queueBound: 50, concurrency: 2 });
    expect(() => loadConfig({ SUBMISSION_QUEUE_BOUND: '0', SUBMITTER_CONCURRENCY: 'many' }, '/repo')).toThrow(/SUBMISSION_QUEUE_BOUND[\s\S]*SUBMITTER_CONCURRENCY/);
  });
});
