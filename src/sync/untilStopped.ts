/**
 * Waits for `work`, or ends early: with `onAbort` when `abort` fires, or with `stop`'s reason (a
 * rejection) when `stop` fires. The listeners live only as long as this one wait.
 *
 * Why not `Promise.race([work, abortedPromise, failedPromise])`: racing against promises that
 * stay pending for the whole session adds a reaction to them on every call, and each reaction
 * keeps that call's result alive (here: a batch of decoded blocks). The sync worker's live heap grew
 * ~18 MiB per 10 min that way in the 30-min soak (bench/RESULTS.md, "Soak", third run).
 */
export function untilStopped<T>(work: Promise<T>, abort: AbortSignal, onAbort: T, stop: AbortSignal): Promise<T> {
  if (stop.aborted) return Promise.reject(stop.reason as Error);
  if (abort.aborted) return Promise.resolve(onAbort);
  return new Promise<T>((resolve, reject) => {
    const aborted = (): void => {
      resolve(onAbort);
    };
    const stopped = (): void => {
      reject(stop.reason as Error);
    };
    abort.addEventListener('abort', aborted, { once: true });
    stop.addEventListener('abort', stopped, { once: true });
    const done = (): void => {
      abort.removeEventListener('abort', aborted);
      stop.removeEventListener('abort', stopped);
    };
    work.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
