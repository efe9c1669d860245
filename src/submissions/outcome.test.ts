import { createMetrics, ErrorCode } from '../common';
import { recordOutcome, recordPhases, submissionOutcome, SUBMISSION_OUTCOMES } from './outcome';

describe('submission outcomes', () => {
  it('maps a commit and each error code to the label values the alerts expect', () => {
    expect(submissionOutcome(null)).toBe('committed');
    expect(submissionOutcome(ErrorCode.TIMEOUT)).toBe('timeout');
    expect(submissionOutcome(ErrorCode.OVERLOADED)).toBe('overloaded');
    for (const code of [ErrorCode.ASSET_EXISTS, ErrorCode.INSUFFICIENT_FUNDS, ErrorCode.FORBIDDEN, ErrorCode.BAD_USER_INPUT, ErrorCode.INVALID_ARGUMENT]) {
      expect(submissionOutcome(code)).toBe('rejected');
    }
    for (const code of [ErrorCode.LEDGER_UNAVAILABLE, ErrorCode.ENDORSEMENT_FAILED, ErrorCode.MVCC_CONFLICT, ErrorCode.INTERNAL, 'SOMETHING_NEW']) {
      expect(submissionOutcome(code)).toBe('failed');
    }
    for (const code of Object.values(ErrorCode)) expect(SUBMISSION_OUTCOMES).toContain(submissionOutcome(code));
  });

  it('records outcomes and the three phases in seconds', async () => {
    const metrics = createMetrics({ role: 'submitter', processMetrics: false });
    recordOutcome(metrics, null);
    recordOutcome(metrics, ErrorCode.ASSET_EXISTS);
    recordOutcome(undefined, null);
    recordPhases(metrics, { endorseMs: 30, orderMs: 20, commitMs: 2000, totalMs: 2050 });
    const { body } = await metrics.render();
    expect(body).toContain('ledger_gateway_submissions_total{outcome="committed",role="submitter"} 1');
    expect(body).toContain('ledger_gateway_submissions_total{outcome="rejected",role="submitter"} 1');
    expect(body).toContain('ledger_gateway_submission_phase_seconds_sum{role="submitter",phase="commit"} 2');
    expect(body).toContain('ledger_gateway_submission_phase_seconds_count{role="submitter",phase="endorse"} 1');
  });
});
