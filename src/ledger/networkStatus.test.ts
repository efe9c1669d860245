import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { silentLogger } from '../common';
import { changeSignature, createNetworkStatus, type NetworkSnapshot } from './networkStatus';
import { createOperationsHealthCheck, describeHealthz, type OperationsEndpoint, type OperationsHealth } from './operationsHealth';
import { createPeerMonitor, type PeerProbe, type PeerTarget, type ProbeResult } from './peerMonitor';

const target = (name: string, mspId: string): PeerTarget => ({ name, mspId, url: `grpcs://localhost/${name}`, tlsCaPem: undefined, hostnameOverride: undefined });
const targets = [target('peer0.org1', 'Org1MSP'), target('peer1.org1', 'Org1MSP'), target('peer0.org2', 'Org2MSP')];
const endpoints: OperationsEndpoint[] = [
  { kind: 'orderer', name: 'orderer0', url: 'http://127.0.0.1:1/o0' },
  { kind: 'ca', name: 'ca.org1', url: 'http://127.0.0.1:1/ca1' },
];

/** Peer heights and node health the test moves by hand; a peer without a height is down. */
function world(): { heights: Map<string, bigint | undefined>; health: Map<string, OperationsHealth>; clock: { t: number } } {
  return {
    heights: new Map<string, bigint | undefined>([['peer0.org1', 10n], ['peer1.org1', 10n], ['peer0.org2', 10n]]),
    health: new Map([['orderer0', { healthy: true, status: 'OK' }], ['ca.org1', { healthy: true, status: 'OK' }]]),
    clock: { t: 0 },
  };
}

function serviceOf(w: ReturnType<typeof world>) {
  const probe: PeerProbe = {
    probe: (t): Promise<ProbeResult> => {
      const height = w.heights.get(t.name);
      return Promise.resolve(height === undefined ? { reachable: false, error: 'connect ECONNREFUSED', responseMs: 1 } : { reachable: true, height, responseMs: 1 });
    },
    close: () => undefined,
  };
  const now = (): Date => new Date(w.clock.t);
  const monitor = createPeerMonitor({ probe, targets, channels: ['mychannel'], intervalMs: 60_000, divergence: { maxLagBlocks: 2, graceMs: 10_000 }, log: silentLogger, now });
  return createNetworkStatus({
    monitor,
    targets,
    channels: ['mychannel'],
    endpoints,
    checkHealth: (e) => Promise.resolve(w.health.get(e.name) ?? { healthy: false, status: 'unknown' }),
    intervalMs: 60_000,
    log: silentLogger,
    now,
  });
}

describe('network status', () => {
  it('combines peers, organisations, channel heights and node health in one snapshot', async () => {
    const w = world();
    w.heights.set('peer1.org1', 12n);
    w.heights.set('peer0.org2', undefined);
    w.health.set('ca.org1', { healthy: false, status: 'server: down' });
    const snapshot = await serviceOf(w).refresh();

    expect(snapshot.channels).toEqual([{ name: 'mychannel', peerHeight: 12n }]);
    expect(snapshot.organisations).toEqual([
      { mspId: 'Org1MSP', peers: 2, reachablePeers: 2 },
      { mspId: 'Org2MSP', peers: 1, reachablePeers: 0 },
    ]);
    expect(snapshot.peers.map((p) => [p.peer, p.reachable, p.height])).toEqual([
      ['peer0.org1', true, 10n],
      ['peer0.org2', false, null],
      ['peer1.org1', true, 12n],
    ]);
    expect(snapshot.orderers).toEqual([expect.objectContaining({ name: 'orderer0', healthy: true, status: 'OK' })]);
    expect(snapshot.certificateAuthorities).toEqual([expect.objectContaining({ name: 'ca.org1', healthy: false, status: 'server: down' })]);
    expect(snapshot.checkedAt).toEqual(new Date(0));
  });

  it('tells subscribers about changes of reachability, height, divergence and health, and keeps only the newest unread one', async () => {
    const w = world();
    const service = serviceOf(w);
    const feed = service.changes();
    await service.refresh(); // the first round is a change (from "never checked")
    const first = await feed.next();
    expect(first.done).toBe(false);

    // Nothing changed: no snapshot. Then a height moves, then (unread) a peer goes down: one snapshot, the newest.
    await service.refresh();
    w.heights.set('peer0.org1', 11n);
    await service.refresh();
    w.heights.set('peer0.org2', undefined);
    w.clock.t = 1000;
    await service.refresh();
    const next = (await feed.next()).value as NetworkSnapshot;
    expect(next.peers.find((p) => p.peer === 'peer0.org2')?.reachable).toBe(false);

    // Divergence after the grace period: peer0.org2 stays at 10 while the others reach 20.
    w.heights.set('peer0.org2', 10n);
    w.heights.set('peer0.org1', 20n);
    w.heights.set('peer1.org1', 20n);
    await service.refresh();
    await feed.next();
    w.clock.t = 20_000;
    const flagged = service.refresh();
    const diverged = (await feed.next()).value as NetworkSnapshot;
    await flagged;
    expect(diverged.peers.find((p) => p.peer === 'peer0.org2')).toMatchObject({ diverged: true, height: 10n });

    w.health.set('orderer0', { healthy: false, status: 'timed out' });
    await service.refresh();
    expect(((await feed.next()).value as NetworkSnapshot).orderers[0]?.healthy).toBe(false);

    // return() ends the feed, also for a reader already waiting.
    const waiting = feed.next();
    await feed.return?.();
    expect((await waiting).done).toBe(true);
    service.stop();
  });

  it('signs a snapshot by what subscribers are told about, not by the time of the check', async () => {
    const w = world();
    const service = serviceOf(w);
    const a = changeSignature(await service.refresh());
    w.clock.t = 5000;
    expect(changeSignature(await service.refresh())).toBe(a);
  });
});

describe('operations health', () => {
  it("reads Fabric's /healthz answers", () => {
    expect(describeHealthz(200, '{"status":"OK","time":"2026-01-01T00:00:00Z"}')).toEqual({ healthy: true, status: 'OK' });
    expect(describeHealthz(503, '{"status":"Service Unavailable","failed_checks":[{"component":"docker","reason":"failed to connect"}]}')).toEqual({
      healthy: false,
      status: 'docker: failed to connect',
    });
    expect(describeHealthz(404, 'not found\n')).toEqual({ healthy: false, status: 'not found' });
  });

  describe('over HTTP', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url === '/slow/healthz') return; // never answers
        res.writeHead(req.url === '/healthz' ? 200 : 503, { 'content-type': 'application/json' });
        res.end(req.url === '/healthz' ? '{"status":"OK"}' : '{"failed_checks":[{"component":"raft","reason":"no leader"}]}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('answers healthy, the failed checks, a timeout or a refused connection', async () => {
      const check = createOperationsHealthCheck({ timeoutMs: 300 });
      const node = (url: string): OperationsEndpoint => ({ kind: 'orderer', name: 'o', url });
      expect(await check(node(base))).toEqual({ healthy: true, status: 'OK' });
      expect(await check(node(`${base}/bad/`))).toEqual({ healthy: false, status: 'raft: no leader' });
      expect(await check(node(`${base}/slow/`))).toEqual({ healthy: false, status: 'no answer within 300 ms' });
      expect((await check(node('http://127.0.0.1:1'))).status).toMatch(/ECONNREFUSED/);
    });
  });
});
