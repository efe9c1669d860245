import { silentLogger } from '../common';
import { createPeerMonitor, organisationsWithoutPeers, peerTargetsFromProfiles, type PeerProbe, type PeerStatus, type PeerTarget, type ProbeResult } from './peerMonitor';

const target = (name: string, mspId: string): PeerTarget => ({ name, mspId, url: `grpcs://localhost/${name}`, tlsCaPem: undefined, hostnameOverride: undefined });
const peers = [target('peer0.org1', 'Org1MSP'), target('peer1.org1', 'Org1MSP'), target('peer0.org2', 'Org2MSP')];

/** A ledger the test moves by hand: each peer's height, or undefined when it is down. */
function fakeProbe(heights: Map<string, bigint | undefined>): PeerProbe {
  return {
    probe: (t): Promise<ProbeResult> => {
      const height = heights.get(t.name);
      return Promise.resolve(height === undefined ? { reachable: false, error: 'connect ECONNREFUSED', responseMs: 3 } : { reachable: true, height, responseMs: 2 });
    },
    close: () => undefined,
  };
}

function monitorOf(heights: Map<string, bigint | undefined>, clock: { t: number }) {
  return createPeerMonitor({
    probe: fakeProbe(heights),
    targets: peers,
    channels: ['mychannel'],
    intervalMs: 60_000,
    divergence: { maxLagBlocks: 2, graceMs: 10_000 },
    log: silentLogger,
    now: () => new Date(clock.t),
  });
}

const byPeer = (statuses: readonly PeerStatus[]) => new Map(statuses.map((s) => [s.peer, s]));

describe('peer monitor', () => {
  it("reports every peer's own height and who answered", async () => {
    const heights = new Map<string, bigint | undefined>([['peer0.org1', 10n], ['peer1.org1', 10n], ['peer0.org2', undefined]]);
    const statuses = byPeer(await monitorOf(heights, { t: 0 }).checkNow());

    expect(statuses.get('peer0.org1')).toMatchObject({ reachable: true, height: 10n, error: null, diverged: false });
    expect(statuses.get('peer0.org2')).toMatchObject({ reachable: false, height: null, error: 'connect ECONNREFUSED', lastSeen: null });
  });

  it('flags a peer that lags beyond the allowed blocks for longer than the grace, and clears it once it catches up', async () => {
    const heights = new Map<string, bigint | undefined>([['peer0.org1', 10n], ['peer1.org1', 10n], ['peer0.org2', 10n]]);
    const clock = { t: 0 };
    const monitor = monitorOf(heights, clock);
    await monitor.checkNow();

    // peer0.org2 stops committing while the others move on.
    heights.set('peer0.org1', 20n);
    heights.set('peer1.org1', 20n);
    clock.t = 1_000;
    let lagging = byPeer(await monitor.checkNow()).get('peer0.org2');
    expect(lagging).toMatchObject({ height: 10n, diverged: false, laggingSince: new Date(1_000) });

    clock.t = 11_000;
    lagging = byPeer(await monitor.checkNow()).get('peer0.org2');
    expect(lagging?.diverged).toBe(true);

    heights.set('peer0.org2', 19n);
    clock.t = 12_000;
    lagging = byPeer(await monitor.checkNow()).get('peer0.org2');
    expect(lagging).toMatchObject({ diverged: false, laggingSince: null });
  });

  it('keeps the last height and last-seen time of a peer that went down, and counts it as lagging', async () => {
    const heights = new Map<string, bigint | undefined>([['peer0.org1', 5n], ['peer1.org1', 5n], ['peer0.org2', 5n]]);
    const clock = { t: 0 };
    const monitor = monitorOf(heights, clock);
    await monitor.checkNow();

    heights.set('peer1.org1', undefined);
    heights.set('peer0.org1', 9n);
    heights.set('peer0.org2', 9n);
    clock.t = 30_000;
    await monitor.checkNow();
    clock.t = 45_000;
    const down = byPeer(await monitor.checkNow()).get('peer1.org1');

    expect(down).toMatchObject({ reachable: false, height: 5n, lastSeen: new Date(0), diverged: true });
  });

  it('names the organisations none of whose peers answered', async () => {
    const heights = new Map<string, bigint | undefined>([['peer0.org1', undefined], ['peer1.org1', 3n], ['peer0.org2', undefined]]);
    expect(organisationsWithoutPeers(await monitorOf(heights, { t: 0 }).checkNow())).toEqual(['Org2MSP']);
  });

  it('never runs two rounds at once', async () => {
    let calls = 0;
    const probe: PeerProbe = {
      probe: async () => {
        calls += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { reachable: true, height: 1n, responseMs: 20 };
      },
      close: () => undefined,
    };
    const monitor = createPeerMonitor({ probe, targets: peers, channels: ['a'], intervalMs: 60_000, divergence: { maxLagBlocks: 1, graceMs: 0 }, log: silentLogger });
    await Promise.all([monitor.checkNow(), monitor.checkNow(), monitor.checkNow()]);
    expect(calls).toBe(peers.length);
  });
});

describe('peerTargetsFromProfiles', () => {
  it('lists each peer of every organisation once, with its TLS settings', () => {
    const profile = (org: string, msp: string, port: number) => ({
      organizations: { [msp]: { mspid: msp, peers: [`peer0.${org}`] } },
      peers: { [`peer0.${org}`]: { url: `grpcs://localhost:${port}`, tlsCACerts: { pem: 'PEM' }, grpcOptions: { 'ssl-target-name-override': 'localhost' } } },
    });
    const targets = peerTargetsFromProfiles([profile('org2', 'Org2MSP', 2), profile('org1', 'Org1MSP', 1), profile('org1', 'Org1MSP', 1)]);
    expect(targets).toEqual([
      { name: 'peer0.org1', mspId: 'Org1MSP', url: 'grpcs://localhost:1', tlsCaPem: 'PEM', hostnameOverride: 'localhost' },
      { name: 'peer0.org2', mspId: 'Org2MSP', url: 'grpcs://localhost:2', tlsCaPem: 'PEM', hostnameOverride: 'localhost' },
    ]);
  });
});
