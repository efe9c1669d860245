import { buildConfigtx, BATCH_TIMEOUT } from './configtx';
import { createTopology } from './topology';

interface Profile {
  Orderer: {
    OrdererType: string;
    BatchTimeout: string;
    EtcdRaft: { Consenters: { Host: string; Port: number; ClientTLSCert: string }[] };
    Organizations: { Name: string; OrdererEndpoints: string[] }[];
  };
  Application: { Organizations: { Name: string; AnchorPeers: { Host: string; Port: number }[] }[]; Capabilities: Record<string, boolean> };
}

describe('the channel configuration', () => {
  const topology = createTopology({ stateDir: '/tmp/state', portBase: 27000 });
  const profile = (buildConfigtx(topology) as { Profiles: { AppChannel: Profile } }).Profiles.AppChannel;

  it('orders with Raft over the three orderers, with their TLS certificates', () => {
    expect(profile.Orderer.OrdererType).toBe('etcdraft');
    expect(profile.Orderer.EtcdRaft.Consenters.map((c) => `${c.Host}:${c.Port}`)).toEqual(['localhost:27010', 'localhost:27013', 'localhost:27016']);
    expect(profile.Orderer.EtcdRaft.Consenters[0]?.ClientTLSCert).toBe('/tmp/state/orgs/orderer/nodes/orderer0.example.com/tls/server.crt');
    expect(profile.Orderer.Organizations[0]?.OrdererEndpoints).toHaveLength(3);
  });

  it('cuts blocks within half a second, for interactive latency', () => {
    expect(BATCH_TIMEOUT).toMatch(/^\d+ms$/);
    expect(Number.parseInt(BATCH_TIMEOUT, 10)).toBeLessThanOrEqual(500);
    expect(profile.Orderer.BatchTimeout).toBe(BATCH_TIMEOUT);
  });

  it('names an anchor peer per organisation and enables the v2.5 application capability', () => {
    expect(profile.Application.Organizations.map((o) => [o.Name, o.AnchorPeers[0]?.Port])).toEqual([
      ['Org1MSP', 27020],
      ['Org2MSP', 27026],
    ]);
    expect(profile.Application.Capabilities).toEqual({ V2_5: true });
  });
});
