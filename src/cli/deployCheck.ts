import path from 'node:path';

import { chartValuesFiles, lintChart, renderChart, requireHelmBinary } from '../localnet/helmBinary';
import { reportFailure } from './output';

/**
 * `npm run deploy:check`: `helm lint --strict` and `helm template` of deploy/helm/ledger-gateway
 * with each values file, using the pinned Helm (`npm run helm:build`). Exits 1 on the first failure.
 */
async function main(): Promise<void> {
  const bin = requireHelmBinary();
  for (const file of chartValuesFiles()) {
    const name = path.basename(file);
    await lintChart(file, bin);
    const rendered = await renderChart(file, bin);
    const kinds = [...rendered.matchAll(/^kind: (\S+)$/gm)].map((m) => m[1]);
    console.log(`ok  ${name}: lint --strict passed; template rendered ${kinds.length} resources (${[...new Set(kinds)].join(', ')})`);
  }
}

main().catch((error: unknown) => {
  process.exitCode = reportFailure(error);
});
