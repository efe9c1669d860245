import { Listr, type ListrTask } from 'listr2';

import { LocalnetError, type Task } from '../localnet';

/** Runs tasks with live progress (listr2): one line per task, sub-steps shown under the running one. */
export async function runWithProgress(tasks: readonly Task[]): Promise<void> {
  const list = new Listr(
    tasks.map(
      (task): ListrTask => ({
        title: task.title,
        task: async (_ctx, listrTask) => {
          const started = Date.now();
          await task.run((message) => {
            listrTask.output = message;
          });
          listrTask.title = `${task.title} (${((Date.now() - started) / 1000).toFixed(1)} s)`;
        },
        rendererOptions: { persistentOutput: false },
      }),
    ),
    { concurrent: false, exitOnError: true, rendererOptions: { collapseErrors: false } },
  );
  await list.run();
}

/** What to do after a failed `up` or `start`, when the error itself has no better advice. */
export const HALF_STARTED_HINT =
  'The network may be half started: fix the cause, then run `npm run network -- up` (or `npm start`) again to resume, or `npm run network -- reset` to start over.';

/** Prints a failure as the operator needs it: the message, and what to do about it. */
export function reportFailure(error: unknown, fallbackHint?: string): number {
  if (error instanceof LocalnetError) {
    console.error(`\nError [${error.code}]: ${error.message}`);
    const hint = error.hint ?? fallbackHint;
    if (hint) console.error(`Hint: ${hint}`);
    return 1;
  }
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  if (fallbackHint) console.error(`Hint: ${fallbackHint}`);
  return 1;
}

export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}
