import { ensureHelmBinary } from '../localnet/helmBinary';
import { reportFailure, runWithProgress } from './output';

/** `npm run helm:build`: build (or find in the cache) the pinned Helm binary (deploy/tools.json). */
async function main(): Promise<void> {
  let bin = '';
  await runWithProgress([
    {
      title: 'Helm from its Go module',
      run: async (report) => {
        bin = await ensureHelmBinary({ onProgress: report });
      },
    },
  ]);
  console.log(`helm: ${bin}`);
}

main().catch((error: unknown) => {
  process.exitCode = reportFailure(error);
});
