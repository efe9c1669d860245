import { requestIdFrom } from './requestId';

describe('requestIdFrom', () => {
  it('keeps a plain id from the caller', () => {
    expect(requestIdFrom('req-0123456789abcdef')).toBe('req-0123456789abcdef');
    expect(requestIdFrom(['6f1c9f3a-2b1e-4c7d-9a55-0f9a1f2e3d4c', 'other-id-123'])).toBe('6f1c9f3a-2b1e-4c7d-9a55-0f9a1f2e3d4c');
  });

  it.each([undefined, '', 'short', 'has space in it', 'line\nbreak-injected', 'x'.repeat(129), '{"json":"value"}'])('replaces %j with a fresh UUID', (header) => {
    const id = requestIdFrom(header);
    expect(id).not.toBe(header);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
