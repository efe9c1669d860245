/**
 * The fault suite's process crashes (issue #8), each under the steady mixed workload of
 * `workload.ts` and followed by the invariant checker: the sync worker SIGKILLed inside its batch
 * transaction again and again while blocks arrive; the active sync worker SIGKILLed while a
 * standby waits; the submitter SIGKILLed with jobs in hand; one of two gateway replicas SIGKILLed
 * under a WebSocket subscriber, which reconnects to the other and keeps receiving. The first and
 * the third come from `scenarios.ts`, shared with the fast slice in `npm test`
 * (test/fabric/faults.fast.test.ts). Results: test-artifacts/faults/results.jsonl.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import type { GatewayProcess } from '../fabric/gatewayProcess';
import { TEST_CHANNEL } from '../fabric/testNetwork';
import { eventually } from '../fabric/waiting';
import { alive, runScenario, startEnvironment, type Environment } from './environment';
import { submitterKilledWithJobInHand, syncWorkerKilledMidBatch } from './scenarios';

jest.setTimeout(900_000);

let env: Environment;

beforeAll(async () => {
  env = await startEnvironment({ name: 'processes' });
});

afterAll(async () => {
  await env.stopAll();
});

/** The sync replica that holds the channel's lock now (ledger_gateway_sync_leader 1). */
async function leader(syncs: readonly GatewayProcess[]): Promise<GatewayProcess> {
  return eventually(async () => {
    for (const p of syncs.filter(alive)) {
      const body = await (await fetch(`${p.url}/metrics`)).text();
      if (new RegExp(`^ledger_gateway_sync_leader\\{[^}]*channel="${TEST_CHANNEL}"[^}]*\\} 1$`, 'm').test(body)) return p;
    }
    throw new Error('no sync replica holds the lock');
  }, 60_000);
}

test('the sync worker SIGKILLed mid-batch ten times in a row while blocks arrive: the cache catches up, nothing lost or doubled', async () => {
  await syncWorkerKilledMidBatch(env, 10);
});

test('the active sync worker SIGKILLed while a standby waits: the standby takes over', async () => {
  const standby = await env.start('sync');
  await runScenario(env, 'active sync worker SIGKILLed, a standby waiting', 'workload', async () => {
    const active = await leader(env.processes.sync);
    expect(active).not.toBe(standby);
    const faultAt = Date.now();
    await active.kill('SIGKILL');
    expect(await leader(env.processes.sync)).toBe(standby);
    return { faultAt, extra: { takeoverMs: Date.now() - faultAt } };
  });
});

test('the submitter SIGKILLed with jobs in hand: another one finishes them, each once', async () => {
  await submitterKilledWithJobInHand(env);
});

test('one of two gateway replicas SIGKILLed: HTTP clients and a WebSocket subscriber go on with the other', async () => {
  const second = await env.start('gateway');
  const first = env.processes.gateway[0];
  if (!first) throw new Error('no gateway');
  const token = env.clients[0]?.token ?? '';
  // The subscriber starts on the first replica and, once it is gone, reconnects to a live one.
  let connectedTo = '';
  const subscriber = createClient({
    url: () => (connectedTo = (env.liveGateways()[0] ?? second).websocketUrl),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 100,
    retryWait: () => sleep(500),
    shouldRetry: () => true,
    lazy: false,
  });
  const blocks: { number: string; at: number }[] = [];
  const unsubscribe = subscriber.subscribe<{ blockIndexed: { number: string } }>(
    { query: 'subscription { blockIndexed { number } }' },
    {
      next: (m) => {
        if (m.data) blocks.push({ number: m.data.blockIndexed.number, at: Date.now() });
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  try {
    await runScenario(env, 'one of two gateway replicas SIGKILLed, a WebSocket subscriber on it', 'workload + 1 subscriber', async () => {
      await eventually(() => {
        expect(blocks.length).toBeGreaterThan(0);
      }, 60_000);
      expect(connectedTo).toBe(first.websocketUrl);
      const faultAt = Date.now();
      await first.kill('SIGKILL');
      await eventually(() => {
        expect(blocks.some((b) => b.at > faultAt)).toBe(true);
      }, 120_000);
      expect(connectedTo).toBe(second.websocketUrl);
      return { faultAt, extra: { subscriberBackMs: (blocks.find((b) => b.at > faultAt)?.at ?? 0) - faultAt, blocksReceived: blocks.length } };
    });
  } finally {
    unsubscribe();
    await subscriber.dispose();
  }
});
