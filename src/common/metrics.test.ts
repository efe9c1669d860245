import { createMetrics } from './metrics';

describe('metrics', () => {
  it('renders what was recorded in the Prometheus text format, labelled with the role', async () => {
    const metrics = createMetrics({ role: 'sync', processMetrics: false });
    metrics.syncLagBlocks.set({ channel: 'mychannel' }, 7);
    metrics.submissions.inc({ outcome: 'committed' }, 3);
    metrics.syncBatchDuration.observe({ channel: 'mychannel' }, 0.2);

    const { contentType, body } = await metrics.render();

    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain('ledger_gateway_sync_lag_blocks{channel="mychannel",role="sync"} 7');
    expect(body).toContain('ledger_gateway_submissions_total{outcome="committed",role="sync"} 3');
    expect(body).toContain('ledger_gateway_sync_batch_duration_seconds_count{role="sync",channel="mychannel"} 1');
  });

  it('keeps each registry to itself, so two in one process do not collide', async () => {
    const first = createMetrics({ role: 'gateway', processMetrics: false });
    const second = createMetrics({ role: 'gateway', processMetrics: false });
    first.queueDepth.set(5);

    expect((await first.render()).body).toContain('ledger_gateway_submission_queue_depth{role="gateway"} 5');
    expect((await second.render()).body).toContain('ledger_gateway_submission_queue_depth{role="gateway"} 0');
  });

  it('adds process metrics under the same prefix', async () => {
    const { body } = await createMetrics({ role: 'all' }).render();
    expect(body).toContain('ledger_gateway_process_resident_memory_bytes');
  });
});
