import { ConfigError, loadConfig } from '.';

describe('the network status settings', () => {
  it("default to the local network's orderers and CAs, 5 blocks for 30 s, a round every 5 s", () => {
    const network = loadConfig({ FABRIC_PORT_BASE: '37000' }, '/repo').network;
    expect(network).toMatchObject({ monitorIntervalMs: 5000, divergence: { maxLagBlocks: 5, graceMs: 30_000 }, probeTimeoutMs: 3000, chaincodeCacheMs: 10_000 });
    expect(network.operationsEndpoints).toEqual([
      { kind: 'orderer', name: 'orderer0.example.com', url: 'http://127.0.0.1:37012' },
      { kind: 'orderer', name: 'orderer1.example.com', url: 'http://127.0.0.1:37015' },
      { kind: 'orderer', name: 'orderer2.example.com', url: 'http://127.0.0.1:37018' },
      { kind: 'ca', name: 'ca.example.com', url: 'http://127.0.0.1:37001' },
      { kind: 'ca', name: 'ca.org1.example.com', url: 'http://127.0.0.1:37003' },
      { kind: 'ca', name: 'ca.org2.example.com', url: 'http://127.0.0.1:37005' },
    ]);
  });

  it('take the endpoints as given, none for another network unless given', () => {
    const given = loadConfig({ NETWORK_OPERATIONS_ENDPOINTS: 'orderer:o1=https://o1.example:9443, ca:ca1=http://ca1:9444/ops', PEER_DIVERGENCE_SECONDS: '2' }, '/repo').network;
    expect(given.operationsEndpoints).toEqual([
      { kind: 'orderer', name: 'o1', url: 'https://o1.example:9443' },
      { kind: 'ca', name: 'ca1', url: 'http://ca1:9444/ops' },
    ]);
    expect(given.divergence.graceMs).toBe(2000);
    expect(loadConfig({ LEDGER_CONNECTION_PROFILES: 'Org1MSP=/p.json' }, '/repo').network.operationsEndpoints).toEqual([]);
    expect(loadConfig({ NETWORK_OPERATIONS_ENDPOINTS: '' }, '/repo').network.operationsEndpoints).toEqual([]);
  });

  it('list every bad key in one error', () => {
    const bad = { NETWORK_OPERATIONS_ENDPOINTS: 'peer:p=http://x,orderer:o=ftp://x', PEER_DIVERGENCE_BLOCKS: '-1', PEER_MONITOR_INTERVAL_MS: 'often' };
    expect(() => loadConfig(bad, '/repo')).toThrow(ConfigError);
    try {
      loadConfig(bad, '/repo');
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      for (const key of ['"peer:p=http://x"', '"orderer:o=ftp://x"', 'PEER_DIVERGENCE_BLOCKS', 'PEER_MONITOR_INTERVAL_MS']) expect(problems).toContain(key);
    }
  });
});
