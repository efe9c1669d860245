import path from 'node:path';

import { createLogger } from '../common';
import { ConfigError, loadConfig } from '../config';
import { startSubmissionsFromConfig } from '../submissions';

/**
 * `npm run submitter`: works the submission queue (SUBMITTER_CONCURRENCY jobs at a time) until
 * SIGTERM/SIGINT. Run as many as needed; a killed one's jobs are retried by the others (or by
 * itself after a restart) once they expire, without writing twice (see src/submissions/executor.ts).
 */
const repoRoot = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const config = loadConfig(process.env, repoRoot);
  const log = createLogger({ level: config.logLevel, name: 'submitter' });
  const runtime = await startSubmissionsFromConfig({ config, log, submitter: true });
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        resolve();
      });
    }
  });
  log.info({}, 'stopping: finishing the jobs in hand');
  await runtime.close();
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
});
