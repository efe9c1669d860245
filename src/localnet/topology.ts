import path from 'node:path';

/**
 * The shape of the local network and every port it uses: the one place to look when a port
 * collides. All ports are `portBase + offset`, so a second network (the tests') can run beside
 * the developer's by choosing another base. The default base keeps clear of the services this
 * machine runs (5432, 3306, 6379, 5672, 1883, 4222, 15672, 25672).
 */
export const DEFAULT_PORT_BASE = 27000;

export interface CaNode {
  readonly kind: 'ca';
  readonly name: string;
  readonly org: OrgName;
  readonly port: number;
  readonly opsPort: number;
  readonly home: string;
}

export interface OrdererNode {
  readonly kind: 'orderer';
  readonly name: string;
  readonly org: 'orderer';
  readonly port: number;
  readonly adminPort: number;
  readonly opsPort: number;
  readonly home: string;
}

export interface PeerNode {
  readonly kind: 'peer';
  readonly name: string;
  readonly org: PeerOrgName;
  readonly port: number;
  readonly chaincodePort: number;
  readonly opsPort: number;
  readonly home: string;
}

export type FabricNode = CaNode | OrdererNode | PeerNode;
export type PeerOrgName = 'org1' | 'org2';
export type OrgName = 'orderer' | PeerOrgName;

export interface Org {
  readonly name: OrgName;
  readonly mspId: string;
  /** Domain used in node names and certificate SANs, e.g. org1.example.com. */
  readonly domain: string;
  readonly ca: CaNode;
  /** The org's MSP folder as it appears in the channel configuration. */
  readonly mspDir: string;
  readonly home: string;
}

export interface Topology {
  readonly portBase: number;
  readonly stateDir: string;
  readonly host: string;
  readonly orgs: readonly Org[];
  readonly orderers: readonly OrdererNode[];
  readonly peers: readonly PeerNode[];
  readonly channels: readonly string[];
  /** Ports from here on are handed to chaincode servers, one per running chaincode package. */
  readonly chaincodePortRange: readonly [number, number];
}

const ORG_SPECS: readonly { name: OrgName; mspId: string; domain: string; caOffset: number }[] = [
  { name: 'orderer', mspId: 'OrdererMSP', domain: 'example.com', caOffset: 0 },
  { name: 'org1', mspId: 'Org1MSP', domain: 'org1.example.com', caOffset: 2 },
  { name: 'org2', mspId: 'Org2MSP', domain: 'org2.example.com', caOffset: 4 },
];

export interface TopologyOptions {
  readonly stateDir: string;
  readonly portBase?: number;
  readonly channels?: readonly string[];
}

export function createTopology(options: TopologyOptions): Topology {
  const base = options.portBase ?? DEFAULT_PORT_BASE;
  const stateDir = path.resolve(options.stateDir);
  const orgs = ORG_SPECS.map((spec): Org => {
    const home = path.join(stateDir, 'orgs', spec.name);
    return {
      name: spec.name,
      mspId: spec.mspId,
      domain: spec.domain,
      home,
      mspDir: path.join(home, 'msp'),
      ca: {
        kind: 'ca',
        name: `ca.${spec.domain}`,
        org: spec.name,
        port: base + spec.caOffset,
        opsPort: base + spec.caOffset + 1,
        home: path.join(home, 'ca'),
      },
    };
  });
  const orderers = [0, 1, 2].map((i): OrdererNode => {
    const name = `orderer${i}.example.com`;
    return {
      kind: 'orderer',
      name,
      org: 'orderer',
      port: base + 10 + i * 3,
      adminPort: base + 11 + i * 3,
      opsPort: base + 12 + i * 3,
      home: path.join(stateDir, 'orgs', 'orderer', 'nodes', name),
    };
  });
  const peers = (['org1', 'org2'] as const).flatMap((org, o) =>
    [0, 1].map((i): PeerNode => {
      const name = `peer${i}.${org}.example.com`;
      const offset = 20 + (o * 2 + i) * 3;
      return {
        kind: 'peer',
        name,
        org,
        port: base + offset,
        chaincodePort: base + offset + 1,
        opsPort: base + offset + 2,
        home: path.join(stateDir, 'orgs', org, 'nodes', name),
      };
    }),
  );
  return {
    portBase: base,
    stateDir,
    host: 'localhost',
    orgs,
    orderers,
    peers,
    channels: options.channels ?? ['mychannel'],
    chaincodePortRange: [base + 40, base + 59],
  };
}

export function orgOf(topology: Topology, name: OrgName): Org {
  const org = topology.orgs.find((o) => o.name === name);
  if (!org) throw new Error(`unknown organisation ${name}`);
  return org;
}

export function allNodes(topology: Topology): readonly FabricNode[] {
  return [...topology.orgs.map((o) => o.ca), ...topology.orderers, ...topology.peers];
}

/** Every port a node listens on, with what it is for, for collision checks and `status`. */
export function listeningPorts(node: FabricNode): readonly { port: number; purpose: string }[] {
  switch (node.kind) {
    case 'ca':
      return [
        { port: node.port, purpose: `${node.name} API` },
        { port: node.opsPort, purpose: `${node.name} operations` },
      ];
    case 'orderer':
      return [
        { port: node.port, purpose: `${node.name} broadcast/deliver/cluster` },
        { port: node.adminPort, purpose: `${node.name} channel participation admin` },
        { port: node.opsPort, purpose: `${node.name} operations` },
      ];
    case 'peer':
      return [
        { port: node.port, purpose: `${node.name} gRPC` },
        { port: node.chaincodePort, purpose: `${node.name} chaincode` },
        { port: node.opsPort, purpose: `${node.name} operations` },
      ];
  }
}
