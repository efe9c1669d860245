import { execFile } from 'node:child_process';

/** `prisma migrate deploy` through the installed Prisma CLI (idempotent: applies only what is missing). */
export function runPrismaMigrate(databaseUrl: string, repoRoot: string, report: (message: string) => void): Promise<void> {
  const cli = require.resolve('prisma/build/index.js', { paths: [repoRoot] });
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, 'migrate', 'deploy'],
      { cwd: repoRoot, env: { ...process.env, DATABASE_URL: databaseUrl, CHECKPOINT_DISABLE: '1' }, timeout: 180_000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`prisma migrate deploy failed: ${stderr.trim() || stdout.trim() || error.message}`));
          return;
        }
        const applied = /(\d+) migrations? found/.exec(stdout)?.[0];
        report(applied ?? 'up to date');
        resolve();
      },
    );
  });
}
