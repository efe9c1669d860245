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

/** Prints a failure as the operator needs it: the message, and what to do about it. */
export function reportFailure(error: unknown): number {
  if (error instanceof LocalnetError) {
    console.error(`\nError [${error.code}]: ${error.message}`);
    if (error.hint) console.error(`Hint: ${error.hint}`);
    return 1;
  }
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return 1;
}

export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}
