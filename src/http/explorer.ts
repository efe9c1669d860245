import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The explorer web UI (issue #6) at /explorer: the files Vite built into dist/explorer
 * (`npm run explorer:build`), with the SPA fallback (any other path under /explorer/ gets
 * index.html, so a bookmarked /explorer/blocks/12 works) and a plain 503 page that says how to
 * build it when the build is missing. Files are read when asked for, so a build made after the
 * server started is served without a restart. Nothing else is served: no directory listings, no
 * path outside the folder.
 */
export const EXPLORER_PATH = '/explorer';

/** dist/explorer of this checkout or image: from src/http (tsx) and from dist/http (compiled) alike. */
export const DEFAULT_EXPLORER_DIR = path.resolve(__dirname, '..', '..', 'dist', 'explorer');

export interface ExplorerOptions {
  /** The folder holding index.html and assets/ (default: DEFAULT_EXPLORER_DIR). */
  readonly distDir?: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.mjs': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Scripts, styles, images and fonts only from this origin; the API on this origin over HTTP and WebSocket. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

const MISSING_BUILD_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Explorer not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; color: #1c1f23">
<main>
<h1>The explorer is not built</h1>
<p>This gateway serves the explorer web UI from <code>dist/explorer</code>, and that folder has no <code>index.html</code>.</p>
<p>Build it with <code>npm run explorer:build</code> (or <code>npm run build</code>); the gateway serves it without a restart.</p>
<p>The GraphQL API works meanwhile at <a href="/graphql">/graphql</a>.</p>
</main>
</body>
</html>
`;

/** The file under `root` for a URL path, or undefined for anything that would leave the folder. */
export function resolveExplorerFile(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const file = path.resolve(root, `.${path.posix.normalize(`/${decoded}`)}`);
  return file === root || file.startsWith(`${root}${path.sep}`) ? file : undefined;
}

async function readIfFile(file: string): Promise<Buffer | undefined> {
  try {
    if (!(await stat(file)).isFile()) return undefined;
    return await readFile(file);
  } catch {
    return undefined;
  }
}

export function registerExplorer(app: FastifyInstance, options: ExplorerOptions = {}): void {
  const root = path.resolve(options.distDir ?? DEFAULT_EXPLORER_DIR);

  const sendIndex = async (reply: FastifyReply): Promise<FastifyReply> => {
    const index = await readIfFile(path.join(root, 'index.html'));
    void reply.header('x-content-type-options', 'nosniff').header('cache-control', 'no-cache');
    if (!index) return reply.code(503).type('text/html; charset=utf-8').header('retry-after', '60').send(MISSING_BUILD_PAGE);
    return reply.type('text/html; charset=utf-8').header('content-security-policy', CONTENT_SECURITY_POLICY).send(index);
  };

  app.get(EXPLORER_PATH, (_request, reply) => reply.redirect(`${EXPLORER_PATH}/`, 301));
  app.get<{ Params: { '*': string } }>(`${EXPLORER_PATH}/*`, async (request, reply) => {
    const rest = request.params['*'];
    const extension = path.posix.extname(rest);
    // A path without an extension is a page of the single-page app: the app's router draws it.
    if (extension === '' || extension === '.html') return sendIndex(reply);
    const file = resolveExplorerFile(root, rest);
    const body = file ? await readIfFile(file) : undefined;
    if (!body) {
      return reply.code(404).type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(`Not found: ${EXPLORER_PATH}/${rest}\n`);
    }
    // Vite puts a content hash in every file name under assets/: those never change.
    const immutable = rest.startsWith('assets/');
    return reply
      .type(CONTENT_TYPES[extension] ?? 'application/octet-stream')
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .send(body);
  });
}
