import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vite';

/**
 * The explorer UI is served by the gateway under /explorer/ (src/http/explorer.ts), so every asset
 * URL starts with that base. `npm run explorer:build` writes dist/explorer; nothing is loaded
 * from a CDN: React, the router, urql, graphql-ws and recharts are all bundled.
 */
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/explorer/',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../../dist/explorer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The dashboard's chart (recharts) is its own chunk, loaded with that page.
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      // React Router marks its modules "use client" (for React Server Components); meaningless in a plain SPA bundle.
      onLog(level, log, handler) {
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
    },
  },
});
