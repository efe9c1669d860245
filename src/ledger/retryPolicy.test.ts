import { AppError, ErrorCode } from '../common/errors';
import { backoffDelayMs, DEFAULT_RETRY, isRetryable, shouldRetry } from './retryPolicy';

const settings = { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 1000 };

describe('backoffDelayMs', () => {
  test('grows exponentially, capped, with jitter between half and all of it', () => {
    const expected = [100, 200, 400, 800, 1000, 1000];
    expected.forEach((full, i) => {
      expect(backoffDelayMs(i + 1, settings, () => 0)).toBe(full / 2);
      expect(backoffDelayMs(i + 1, settings, () => 0.999999)).toBe(full);
    });
  });

  test('random jitter stays within its bounds', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const full = Math.min(1000, 100 * 2 ** (attempt - 1));
      for (let i = 0; i < 200; i++) {
        const d = backoffDelayMs(attempt, settings);
        expect(d).toBeGreaterThanOrEqual(full / 2);
        expect(d).toBeLessThanOrEqual(full);
      }
    }
  });

  test('two contenders with different draws do not retry at the same moment', () => {
    expect(backoffDelayMs(3, settings, () => 0.1)).not.toBe(backoffDelayMs(3, settings, () => 0.9));
  });
});

describe('what is retried', () => {
  const mvcc = new AppError(ErrorCode.MVCC_CONFLICT, 'x', { mayCommit: false, validationCode: 'MVCC_READ_CONFLICT' });
  const unavailable = new AppError(ErrorCode.LEDGER_UNAVAILABLE, 'x', { mayCommit: false });

  test('conflicts and unavailability before ordering are retried', () => {
    expect(isRetryable(mvcc)).toBe(true);
    expect(isRetryable(unavailable)).toBe(true);
  });

  test('chaincode refusals, timeouts and anything that may have been ordered are not', () => {
    for (const code of [ErrorCode.FORBIDDEN, ErrorCode.INSUFFICIENT_FUNDS, ErrorCode.ASSET_EXISTS, ErrorCode.ASSET_NOT_FOUND, ErrorCode.INVALID_ARGUMENT, ErrorCode.ENDORSEMENT_FAILED, ErrorCode.INTERNAL]) {
      expect({ code, retried: isRetryable(new AppError(code, 'x', { mayCommit: false })) }).toEqual({ code, retried: false });
    }
    expect(isRetryable(new AppError(ErrorCode.TIMEOUT, 'x', { mayCommit: true, transactionId: 't' }))).toBe(false);
    expect(isRetryable(new AppError(ErrorCode.LEDGER_UNAVAILABLE, 'x', { mayCommit: true }))).toBe(false);
    expect(isRetryable(new AppError(ErrorCode.MVCC_CONFLICT, 'x'))).toBe(false); // mayCommit unknown: never guess
    expect(isRetryable(new Error('MVCC_READ_CONFLICT'))).toBe(false);
  });

  test('the number of attempts is bounded', () => {
    expect([1, 2, 3, 4, 5].map((n) => shouldRetry(mvcc, n, settings))).toEqual([true, true, true, false, false]);
    expect(shouldRetry(mvcc, 1, { ...settings, maxAttempts: 1 })).toBe(false);
    expect(DEFAULT_RETRY.maxAttempts).toBeGreaterThan(1);
  });
});
