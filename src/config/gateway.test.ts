import { ConfigError, loadConfig } from '.';

describe('the gateway settings', () => {
  it('have development defaults, and production ones under NODE_ENV=production', () => {
    const dev = loadConfig({ SYNC_CHANNELS: 'second,mychannel' }, '/repo').gateway;
    expect(dev).toMatchObject({ port: 4000, host: '127.0.0.1', channel: 'second', chaincode: 'sample', indexWaitMs: 5000, introspection: true, graphiql: true });
    expect(dev.limits).toEqual({ maxDepth: 12, maxCost: 20_000, defaultPageSize: 50, maxAliases: 15, maxRootFields: 10, maxDirectives: 20, maxTokens: 2000, maxBatch: 10 });
    const prod = loadConfig({ NODE_ENV: 'production' }, '/repo').gateway;
    expect(prod).toMatchObject({ host: '0.0.0.0', channel: 'mychannel', introspection: false, graphiql: false });
    expect(loadConfig({ NODE_ENV: 'production', GATEWAY_GRAPHIQL: 'true' }, '/repo').gateway.graphiql).toBe(true);
  });

  it('list every bad key in one error', () => {
    const bad = { PORT: '70000', GATEWAY_INTROSPECTION: 'yes', GATEWAY_CHANNEL: 'Bad Channel', GATEWAY_MAX_BATCH: '-1', GATEWAY_RATE_LIMIT_MAX: 'many' };
    let caught: unknown;
    try {
      loadConfig(bad, '/repo');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const keys = (caught as ConfigError).problems.map((p) => p.split(':')[0]);
    expect(keys.sort()).toEqual(['GATEWAY_CHANNEL', 'GATEWAY_INTROSPECTION', 'GATEWAY_MAX_BATCH', 'GATEWAY_RATE_LIMIT_MAX', 'PORT']);
  });
});
