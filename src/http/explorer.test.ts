import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import Fastify, { type FastifyInstance } from 'fastify';

import { registerExplorer, resolveExplorerFile } from './explorer';

describe('explorer static files', () => {
  let dir: string;
  let app: FastifyInstance;
  let base: string;

  // Over a real socket: fastify.inject loads an ES-module-only cookie package that jest on Node 20 cannot require.
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'explorer-'));
    app = Fastify();
    registerExplorer(app, { distDir: dir });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  async function get(url: string): Promise<{ statusCode: number; headers: Record<string, string>; body: string }> {
    const response = await fetch(`${base}${url}`, { redirect: 'manual' });
    return { statusCode: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
  }
  afterEach(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function build(): void {
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'assets', 'index-abc123.css'), 'body{}');
  }

  it('answers 503 with a page that says how to build it while the build is missing', async () => {
    const response = await get('/explorer/');
    expect(response.statusCode).toBe(503);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('npm run explorer:build');
  });

  it('serves a build made after the server started, with content types and caching', async () => {
    build();
    const page = await get('/explorer/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['cache-control']).toBe('no-cache');

    const script = await get('/explorer/assets/index-abc123.js');
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toContain('immutable');
    expect(script.body).toBe('console.log(1)');

    const style = await get('/explorer/assets/index-abc123.css');
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers every page of the app with index.html (SPA fallback) and redirects the bare path', async () => {
    build();
    for (const url of ['/explorer/blocks/12', '/explorer/transactions/abc?x=1', '/explorer/network']) {
      const response = await get(url);
      expect([url, response.statusCode, response.body]).toEqual([url, 200, '<!doctype html><div id="root"></div>']);
    }
    const bare = await get('/explorer');
    expect(bare.statusCode).toBe(301);
    expect(bare.headers.location).toBe('/explorer/');
  });

  it('answers 404 for a missing file and never leaves the folder', async () => {
    build();
    writeFileSync(path.join(dir, '..', `${path.basename(dir)}-secret.txt`), 'secret');
    try {
      expect((await get('/explorer/assets/missing.js')).statusCode).toBe(404);
      expect((await get(`/explorer/..%2f${path.basename(dir)}-secret.txt`)).statusCode).toBe(404);
      expect((await get('/explorer/assets')).body).toContain('<div id="root">');
    } finally {
      rmSync(path.join(dir, '..', `${path.basename(dir)}-secret.txt`));
    }
  });

  it('resolves URL paths inside the folder only', () => {
    expect(resolveExplorerFile('/srv/ui', 'assets/a.js')).toBe('/srv/ui/assets/a.js');
    expect(resolveExplorerFile('/srv/ui', '../etc/passwd')).toBe('/srv/ui/etc/passwd');
    expect(resolveExplorerFile('/srv/ui', '%2e%2e/%2e%2e/etc/passwd')).toBe('/srv/ui/etc/passwd');
    expect(resolveExplorerFile('/srv/ui', 'a%00.js')).toBeUndefined();
    expect(resolveExplorerFile('/srv/ui', '%E0%A4%A')).toBeUndefined();
  });
});
