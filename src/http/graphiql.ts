import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { FastifyInstance } from 'fastify';

/**
 * GraphiQL at /graphiql, served from npm packages (no CDN: the machines are offline): graphiql's
 * UMD build with React 18's UMD files, and a page and start script of our own. The page allows
 * only scripts and styles from this origin (Content-Security-Policy). Subscriptions go over
 * WebSocket to the same /graphql; headers typed into GraphiQL (e.g. Authorization) are sent on
 * HTTP requests and as the connection_init payload.
 */
export const GRAPHIQL_PATH = '/graphiql';

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

function packageFile(pkg: string, file: string): Buffer {
  return readFileSync(path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file));
}

const START_SCRIPT = `(function () {
  var url = new URL('/graphql', window.location.href).toString();
  var fetcher = GraphiQL.createFetcher({ url: url, subscriptionUrl: url.replace(/^http/, 'ws') });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultEditorToolsVisibility: true,
    defaultQuery: '# Queries run as the caller of the Authorization header (Headers tab below):\\n#   { "Authorization": "Bearer <token from the login mutation>" }\\n\\n{\\n  gateway {\\n    channel\\n    chaincode\\n    indexedHeight\\n  }\\n}\\n',
  }));
})();
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Ledger gateway · GraphiQL</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="${GRAPHIQL_PATH}/assets/graphiql.min.css">
  <style>body { margin: 0; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="${GRAPHIQL_PATH}/assets/react.production.min.js"></script>
  <script src="${GRAPHIQL_PATH}/assets/react-dom.production.min.js"></script>
  <script src="${GRAPHIQL_PATH}/assets/graphiql.min.js"></script>
  <script src="${GRAPHIQL_PATH}/assets/start.js"></script>
</body>
</html>
`;

/** Read once when the server is built; a missing package fails the start, not the first visitor. */
function loadAssets(): ReadonlyMap<string, Asset> {
  const js = 'application/javascript; charset=utf-8';
  return new Map<string, Asset>([
    ['react.production.min.js', { type: js, body: packageFile('react', 'umd/react.production.min.js') }],
    ['react-dom.production.min.js', { type: js, body: packageFile('react-dom', 'umd/react-dom.production.min.js') }],
    ['graphiql.min.js', { type: js, body: packageFile('graphiql', 'dist/index.umd.js') }],
    ['graphiql.min.css', { type: 'text/css; charset=utf-8', body: packageFile('graphiql', 'dist/style.css') }],
    ['start.js', { type: js, body: Buffer.from(START_SCRIPT) }],
  ]);
}

export function registerGraphiql(app: FastifyInstance): void {
  const assets = loadAssets();
  app.get(GRAPHIQL_PATH, (_request, reply) => {
    void reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:")
      .header('x-content-type-options', 'nosniff');
    return PAGE;
  });
  app.get<{ Params: { file: string } }>(`${GRAPHIQL_PATH}/assets/:file`, (request, reply) => {
    const asset = assets.get(request.params.file);
    if (!asset) return reply.code(404).send({ errors: [{ message: 'no such asset', extensions: { code: 'NOT_FOUND' } }] });
    return reply.type(asset.type).header('cache-control', 'public, max-age=3600').header('x-content-type-options', 'nosniff').send(asset.body);
  });
}
