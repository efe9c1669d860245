import { ensureFabricBinaries } from '../localnet';
import { reportFailure, runWithProgress } from './output';

/** `npm run fabric:build`: build (or find in the cache) the pinned Fabric and Fabric CA binaries. */
async function main(): Promise<void> {
  let binDir = '';
  await runWithProgress([
    {
      title: 'Fabric and Fabric CA binaries from their Go modules',
      run: async (report) => {
        binDir = (await ensureFabricBinaries({ onProgress: report })).binDir;
      },
    },
  ]);
  console.log(`binaries: ${binDir}`);
}

main().catch((error: unknown) => {
  process.exitCode = reportFailure(error);
});
