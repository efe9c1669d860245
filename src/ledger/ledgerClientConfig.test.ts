import { ConfigError, loadConfig } from '../config';
import { DEFAULT_PEER_BACKOFF } from './peerSelector';
import { DEFAULT_POOL } from './gatewayPool';
import { DEFAULT_RETRY } from './retryPolicy';
import type { FabricLedgerClientDeps } from './fabricLedgerClient';

describe('the ledger client settings from the environment', () => {
  test('defaults: both organisations\' profiles in the state folder, the documented deadlines and bounds', () => {
    const c = loadConfig({}, '/repo').ledgerClient;
    expect(c.connectionProfiles).toEqual({ Org1MSP: '/repo/.fabric/connection-org1.json', Org2MSP: '/repo/.fabric/connection-org2.json' });
    expect(c).toMatchObject({ asLocalhost: true, eventStrategy: 'PREFER_MSPID_SCOPE_ANYFORTX', timeouts: { endorseMs: 15_000, orderMs: 5000, commitMs: 30_000, evaluateMs: 10_000, connectMs: 3000 } });
    // The same defaults as the client's own.
    expect(c.pool).toEqual(DEFAULT_POOL);
    expect(c.retry).toEqual(DEFAULT_RETRY);
    expect(c.peerBackoff).toEqual(DEFAULT_PEER_BACKOFF);
    // The config is accepted by the client factory as it is.
    const deps: FabricLedgerClientDeps = c;
    expect(deps.eventStrategy).toBe('PREFER_MSPID_SCOPE_ANYFORTX');
  });

  test('values from the environment', () => {
    const c = loadConfig({ LEDGER_CONNECTION_PROFILES: 'Org1MSP=/a.json, Org3MSP=/b.json', LEDGER_EVENT_STRATEGY: 'NETWORK_SCOPE_ALLFORTX', LEDGER_COMMIT_TIMEOUT_MS: '5000', LEDGER_RETRY_MAX_ATTEMPTS: '3' }, '/repo').ledgerClient;
    expect(c.connectionProfiles).toEqual({ Org1MSP: '/a.json', Org3MSP: '/b.json' });
    expect(c).toMatchObject({ eventStrategy: 'NETWORK_SCOPE_ALLFORTX', timeouts: { commitMs: 5000 }, retry: { maxAttempts: 3 } });
  });

  test('every bad key in one error', () => {
    let error: unknown;
    try {
      loadConfig({ LEDGER_CONNECTION_PROFILES: 'nonsense', LEDGER_EVENT_STRATEGY: 'ALL', LEDGER_COMMIT_TIMEOUT_MS: '0', LEDGER_RETRY_INITIAL_MS: '500', LEDGER_RETRY_MAX_MS: '100' }, '/repo');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const key of ['LEDGER_CONNECTION_PROFILES', 'LEDGER_EVENT_STRATEGY', 'LEDGER_COMMIT_TIMEOUT_MS', 'LEDGER_RETRY_MAX_MS']) expect(problems).toContain(key);
  });
});
