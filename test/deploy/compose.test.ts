/**
 * docker-compose.fabric.yml must describe the native network of src/localnet/topology.ts: the same
 * node names, MSP IDs and ports (at the default port base), so that the two cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'yaml';

import { createTopology, DEFAULT_PORT_BASE, orgOf, type FabricNode, type Topology } from '../../src/localnet';
import { listeningPorts } from '../../src/localnet/topology';

const REPO = path.resolve(__dirname, '..', '..');

interface ComposeService {
  container_name?: string;
  hostname?: string;
  image?: string;
  command?: string | string[];
  environment?: Record<string, string>;
  ports?: string[];
  build?: { context: string; dockerfile: string; target?: string };
}

const compose = parse(readFileSync(path.join(REPO, 'docker-compose.fabric.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const topology: Topology = createTopology({ stateDir: path.join(REPO, '.fabric'), portBase: DEFAULT_PORT_BASE });

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.fabric.yml has no service ${name}`);
  return found;
}

/** "27020:27020" -> [27020, 27020]; "127.0.0.1:27432:5432" -> [27432, 5432]. */
function published(s: ComposeService): [number, number][] {
  return (s.ports ?? []).map((p) => {
    const parts = p.split(':').map(Number);
    return [parts[parts.length - 2] ?? NaN, parts[parts.length - 1] ?? NaN];
  });
}

function portOf(address: string | undefined): number {
  return Number(address?.split(':').pop());
}

describe('docker-compose.fabric.yml agrees with the native topology', () => {
  const nodes: FabricNode[] = [...topology.orgs.map((o) => o.ca), ...topology.orderers, ...topology.peers];

  it('has one service per node, named, hostnamed and container-named as the node', () => {
    expect(nodes).toHaveLength(3 + 3 + 4);
    for (const node of nodes) {
      const s = service(node.name);
      expect(s.container_name).toBe(node.name);
      expect(s.hostname).toBe(node.name);
    }
    const fabricServices = Object.keys(compose.services).filter((n) => /^(ca|orderer\d|peer\d)\b/.test(n));
    expect(fabricServices.sort()).toEqual(nodes.map((n) => n.name).sort());
  });

  it('publishes every port each node listens on natively, on the same number inside and outside', () => {
    for (const node of nodes) {
      const expected = listeningPorts(node).map((p) => [p.port, p.port]);
      expect({ node: node.name, ports: published(service(node.name)) }).toEqual({ node: node.name, ports: expected });
    }
  });

  it('uses the official images: fabric-ca 1.5, fabric-orderer and fabric-peer 2.5', () => {
    for (const ca of topology.orgs.map((o) => o.ca)) expect(service(ca.name).image).toBe('hyperledger/fabric-ca:1.5');
    for (const o of topology.orderers) expect(service(o.name).image).toBe('hyperledger/fabric-orderer:2.5');
    for (const p of topology.peers) expect(service(p.name).image).toBe('hyperledger/fabric-peer:2.5');
  });

  it('gives the CAs their API and operations ports and the CA names the native network uses', () => {
    for (const org of topology.orgs) {
      const s = service(org.ca.name);
      expect(String(s.command)).toContain(`--port ${org.ca.port}`);
      expect(String(s.command)).toContain(`--ca.name ca-${org.name}`);
      expect(portOf(s.environment?.FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS)).toBe(org.ca.opsPort);
    }
  });

  it('runs the orderers as OrdererMSP on their listen, admin and operations ports', () => {
    const msp = orgOf(topology, 'orderer').mspId;
    for (const o of topology.orderers) {
      const env = service(o.name).environment ?? {};
      expect(env.ORDERER_GENERAL_LOCALMSPID).toBe(msp);
      expect(Number(env.ORDERER_GENERAL_LISTENPORT)).toBe(o.port);
      expect(portOf(env.ORDERER_ADMIN_LISTENADDRESS)).toBe(o.adminPort);
      expect(portOf(env.ORDERER_OPERATIONS_LISTENADDRESS)).toBe(o.opsPort);
      expect(env.ORDERER_GENERAL_LOCALMSPDIR).toContain(`/nodes/${o.name}/msp`);
    }
  });

  it("runs each peer with its organisation's MSP ID, its ports, and gossip to its sibling", () => {
    for (const p of topology.peers) {
      const env = service(p.name).environment ?? {};
      const sibling = topology.peers.find((q) => q.org === p.org && q.name !== p.name);
      expect(env.CORE_PEER_LOCALMSPID).toBe(orgOf(topology, p.org).mspId);
      expect(env.CORE_PEER_ID).toBe(p.name);
      expect(env.CORE_PEER_ADDRESS).toBe(`${p.name}:${p.port}`);
      expect(portOf(env.CORE_PEER_LISTENADDRESS)).toBe(p.port);
      expect(portOf(env.CORE_PEER_CHAINCODELISTENADDRESS)).toBe(p.chaincodePort);
      expect(portOf(env.CORE_OPERATIONS_LISTENADDRESS)).toBe(p.opsPort);
      expect(env.CORE_PEER_GOSSIP_BOOTSTRAP).toBe(`${sibling?.name ?? ''}:${sibling?.port ?? ''}`);
      expect(env.CORE_PEER_MSPCONFIGPATH).toContain(`/orgs/${p.org}/nodes/${p.name}/msp`);
    }
  });

  it('creates the native default channel and serves the chaincode on the first chaincode port', () => {
    expect(service('channel').environment?.CHANNEL).toBe(topology.channels[0]);
    expect(service('chaincode-deploy').environment?.CHANNEL).toBe(topology.channels[0]);
    const [first] = topology.chaincodePortRange;
    expect(published(service('chaincode-sample'))).toEqual([[first, first]]);
    expect(service('chaincode-deploy').environment?.CHAINCODE_ADDRESS).toBe(`chaincode-sample:${first}`);
    expect(service('chaincode-sample').build?.target).toBe('chaincode');
  });

  it('has a channel configuration with the topology orderers and anchor peers (deploy/compose/configtx.yaml)', () => {
    const configtx = readFileSync(path.join(REPO, 'deploy', 'compose', 'configtx.yaml'), 'utf8');
    const doc = parse(configtx, { merge: true }) as {
      Profiles: { AppChannel: { Orderer: { Addresses: string[]; EtcdRaft: { Consenters: { Host: string; Port: number }[] } }; Application: { Organizations: { ID: string; AnchorPeers: { Host: string; Port: number }[] }[] } } };
    };
    const profile = doc.Profiles.AppChannel;
    expect(profile.Orderer.Addresses).toEqual(topology.orderers.map((o) => `${o.name}:${o.port}`));
    expect(profile.Orderer.EtcdRaft.Consenters.map((c) => `${c.Host}:${c.Port}`)).toEqual(topology.orderers.map((o) => `${o.name}:${o.port}`));
    const anchors = profile.Application.Organizations.map((o) => ({ id: o.ID, anchor: o.AnchorPeers.map((a) => `${a.Host}:${a.Port}`) }));
    expect(anchors).toEqual(
      (['org1', 'org2'] as const).map((org) => {
        const peer0 = topology.peers.find((p) => p.org === org);
        return { id: orgOf(topology, org).mspId, anchor: [`${peer0?.name ?? ''}:${peer0?.port ?? ''}`] };
      }),
    );
  });

  it('gives the gateway roles connection profiles that point at the topology peers and CAs', () => {
    for (const org of ['org1', 'org2'] as const) {
      const profile = JSON.parse(readFileSync(path.join(REPO, 'deploy', 'compose', `connection-${org}.json`), 'utf8')) as {
        organizations: Record<string, { mspid: string }>;
        peers: Record<string, { url: string }>;
        certificateAuthorities: Record<string, { url: string; caName: string }>;
      };
      const { mspId, ca } = orgOf(topology, org);
      expect(Object.values(profile.organizations).map((o) => o.mspid)).toEqual([mspId]);
      const peers = topology.peers.filter((p) => p.org === org);
      expect(Object.entries(profile.peers).map(([name, p]) => [name, p.url])).toEqual(peers.map((p) => [p.name, `grpcs://${p.name}:${p.port}`]));
      expect(profile.certificateAuthorities[ca.name]).toMatchObject({ url: `https://${ca.name}:${ca.port}`, caName: `ca-${org}` });
    }
  });

  it('runs gateway, sync and submitter from the one image, each with its ROLE, on PORT 4000', () => {
    for (const role of ['gateway', 'sync', 'submitter']) {
      const s = service(role);
      expect(s.build).toMatchObject({ context: '.', dockerfile: 'deploy/Dockerfile', target: 'runtime' });
      expect(s.environment?.ROLE).toBe(role);
      expect(s.environment?.PORT).toBe('4000');
      expect(published(s).map(([, inside]) => inside)).toEqual([4000]);
      expect(s.environment?.LEDGER_CONNECTION_PROFILES).toContain('Org1MSP=/etc/ledger-gateway/compose/connection-org1.json');
    }
    expect(service('postgres').image).toBe('postgres:15');
  });
});
