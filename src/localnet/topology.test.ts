import { allNodes, createTopology, listeningPorts, DEFAULT_PORT_BASE } from './topology';

const MACHINE_SERVICES = [5432, 3306, 6379, 5672, 1883, 4222, 15672, 25672, 4369];

describe('the local network topology', () => {
  const topology = createTopology({ stateDir: '/tmp/state' });

  it('has 3 orderers, 2 organisations with 2 peers each, and a CA per organisation', () => {
    expect(topology.orderers).toHaveLength(3);
    expect(topology.peers.map((p) => p.name)).toEqual([
      'peer0.org1.example.com',
      'peer1.org1.example.com',
      'peer0.org2.example.com',
      'peer1.org2.example.com',
    ]);
    expect(topology.orgs.map((o) => [o.mspId, o.ca.name])).toEqual([
      ['OrdererMSP', 'ca.example.com'],
      ['Org1MSP', 'ca.org1.example.com'],
      ['Org2MSP', 'ca.org2.example.com'],
    ]);
  });

  it('gives every listener its own port inside the 60 above the base, clear of the machine services', () => {
    const ports = allNodes(topology).flatMap((n) => listeningPorts(n).map((p) => p.port));
    const [ccFirst, ccLast] = topology.chaincodePortRange;
    const all = [...ports, ...Array.from({ length: ccLast - ccFirst + 1 }, (_, i) => ccFirst + i)];
    expect(new Set(all).size).toBe(all.length);
    for (const port of all) {
      expect(port).toBeGreaterThanOrEqual(DEFAULT_PORT_BASE);
      expect(port).toBeLessThan(DEFAULT_PORT_BASE + 60);
      expect(MACHINE_SERVICES).not.toContain(port);
    }
  });

  it('moves every port with the base, so two networks can run side by side', () => {
    const other = createTopology({ stateDir: '/tmp/other', portBase: 29000 });
    expect(other.peers.map((p) => p.port - 29000)).toEqual(topology.peers.map((p) => p.port - DEFAULT_PORT_BASE));
    expect(other.orderers[0]?.home).toMatch(/^\/tmp\/other\//);
  });
});
