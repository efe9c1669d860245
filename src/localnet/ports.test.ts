import { createServer, type Server } from 'node:net';

import { LocalnetErrorCode, type LocalnetError } from './errors';
import { assertPortsFree, isPortFree } from './ports';

describe('port checks before a node starts', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('see a held port as taken', async () => {
    expect(await isPortFree(port)).toBe(false);
  });

  it('name the port, its purpose and what holds it', async () => {
    const failure = await assertPortsFree([{ port, purpose: 'peer0 gRPC' }]).then(
      () => undefined,
      (error: unknown) => error as LocalnetError,
    );
    expect(failure?.code).toBe(LocalnetErrorCode.PORT_IN_USE);
    expect(failure?.message).toMatch(new RegExp(`port ${port} \\(peer0 gRPC\\) is already in use by node \\(pid ${process.pid}\\)`));
    expect(failure?.hint).toContain('FABRIC_PORT_BASE');
  });
});
