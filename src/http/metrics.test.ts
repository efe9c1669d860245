import { GraphQLError } from 'graphql';

import { AppError, createMetrics, ErrorCode, silentLogger } from '../common';
import { loadConfig } from '../config';
import { createGraphqlSchema, type GatewayServices } from '../graphql';
import type { Loaders, ReadQueries } from '../store';
import { createOperationLabeler, errorCodeLabel } from './metrics';
import { createHttpServer } from './server';

describe('operation labels', () => {
  it('keeps sane names, names the nameless and the unresolved, and bounds the set', () => {
    const label = createOperationLabeler(3);
    expect(label('MyAssets', true)).toBe('MyAssets');
    expect(label(undefined, true)).toBe('anonymous');
    expect(label('', true)).toBe('anonymous');
    expect(label('Whatever', false)).toBe('unknown');
    expect(label('has spaces-and"quotes', true)).toBe('has_spaces_and_quotes');
    expect(label('x'.repeat(100), true)).toBe('x'.repeat(64));
    expect(label('OneTooMany', true)).toBe('other');
    expect(label('MyAssets', true)).toBe('MyAssets');
  });

  it('labels errors with their code from the one list, or as masked', () => {
    expect(errorCodeLabel(new GraphQLError('x', { path: ['createAsset'], originalError: new AppError(ErrorCode.ASSET_EXISTS, 'exists') }))).toBe('ASSET_EXISTS');
    expect(errorCodeLabel(new GraphQLError('bad', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }))).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(errorCodeLabel(new GraphQLError('boom', { path: ['assets'], originalError: new Error('secret detail') }))).toBe('INTERNAL_SERVER_ERROR');
  });
});

describe('/metrics on the HTTP server', () => {
  it('serves the registry and records GraphQL operations by name, type and error code', async () => {
    const metrics = createMetrics({ role: 'gateway', processMetrics: false });
    const services = { domain: { channel: 'mychannel', chaincode: 'sample' }, reads: { indexedHeight: () => Promise.resolve(3n) } as unknown as ReadQueries } as GatewayServices;
    const http = await createHttpServer({
      config: loadConfig({ PORT: '0' }, '/repo').gateway,
      log: silentLogger,
      role: 'gateway',
      metrics,
      graphql: { schema: createGraphqlSchema(), services, createLoaders: () => ({}) as Loaders },
    });
    try {
      const { url } = await http.listen();
      const post = (body: unknown): Promise<Response> => fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post({ query: 'query Info { gateway { channel } }' })).status).toBe(200);
      await post({ query: '{ gateway { channel } }' });
      await post({ query: 'query Broken { nope }', operationName: 'Broken' });
      const response = await fetch(`${url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const body = await response.text();
      expect(body).toContain('ledger_gateway_graphql_operation_duration_seconds_count{role="gateway",operation="Info",type="query"} 1');
      expect(body).toContain('ledger_gateway_graphql_operation_duration_seconds_count{role="gateway",operation="anonymous",type="query"} 1');
      expect(body).toContain('ledger_gateway_graphql_operation_duration_seconds_count{role="gateway",operation="unknown",type="unknown"} 1');
      expect(body).toContain('ledger_gateway_graphql_errors_total{operation="unknown",code="GRAPHQL_VALIDATION_FAILED",role="gateway"} 1');
    } finally {
      await http.close();
    }
  });
});
