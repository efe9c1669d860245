import { untilStopped } from './untilStopped';

describe('waiting for blocks until the session stops', () => {
  it('gives the work its result, and leaves no listener behind on the long-lived signals', async () => {
    const abort = new AbortController();
    const stop = new AbortController();
    const listening = { abort: 0, stop: 0 };
    for (const [name, signal] of [['abort', abort.signal], ['stop', stop.signal]] as const) {
      const add = signal.addEventListener.bind(signal);
      const remove = signal.removeEventListener.bind(signal);
      signal.addEventListener = (...args: Parameters<AbortSignal['addEventListener']>) => {
        listening[name]++;
        add(...args);
      };
      signal.removeEventListener = (...args: Parameters<AbortSignal['removeEventListener']>) => {
        listening[name]--;
        remove(...args);
      };
    }
    for (let i = 0; i < 1000; i++) expect(await untilStopped(Promise.resolve([i]), abort.signal, [], stop.signal)).toEqual([i]);
    expect(listening).toEqual({ abort: 0, stop: 0 });
  });

  it('ends with the given value when the session is aborted while waiting', async () => {
    const abort = new AbortController();
    const waiting = untilStopped(new Promise<number[]>(() => undefined), abort.signal, [], new AbortController().signal);
    abort.abort();
    expect(await waiting).toEqual([]);
  });

  it("ends with the failed write's error while waiting, and at once when it failed before", async () => {
    const stop = new AbortController();
    const waiting = untilStopped(new Promise<number[]>(() => undefined), new AbortController().signal, [], stop.signal);
    stop.abort(new Error('write failed: SYNC_GAP'));
    await expect(waiting).rejects.toThrow('write failed: SYNC_GAP');
    await expect(untilStopped(Promise.resolve([1]), new AbortController().signal, [], stop.signal)).rejects.toThrow('SYNC_GAP');
  });
});
