import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

import WebSocket from 'ws';

/**
 * The soak's view into a Node role through the V8 inspector (the role runs with
 * `--inspect=127.0.0.1:0`): its live memory after a forced full collection, and heap snapshots.
 *
 * Why: a Node process's RSS says little about leaks. With the production 128 MiB semi-spaces V8
 * grows and shrinks its young generation and releases old-space pages lazily, so RSS swings by
 * 100 MiB and more between samples and a 30-minute trend cannot tell a leak from sizing. What a
 * leak grows is the memory still reachable after a full mark-compact: `heapUsed + external`
 * (Buffers and ArrayBuffers included) right after `HeapProfiler.collectGarbage`.
 */

/** Where the process's inspector listens, from the line Node prints on stderr at start. */
export function inspectorUrl(output: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
}

export interface LiveMemory {
  /** V8 heap in use after a full collection, MiB. */
  readonly heapMiB: number;
  /** Memory of C++ objects bound to JS ones (Buffers, ArrayBuffers) after it, MiB. */
  readonly externalMiB: number;
}

export interface InspectorSession {
  /** A full collection, then `process.memoryUsage()`. */
  liveMemory(): Promise<LiveMemory>;
  /** A heap snapshot (Chrome DevTools format) written to `file`. */
  snapshot(file: string): Promise<void>;
  close(): Promise<void>;
}

interface Reply {
  id?: number;
  method?: string;
  params?: { chunk?: string };
  result?: { result?: { value?: unknown } };
  error?: { message: string };
}

const MiB = 1024 * 1024;

export async function openInspector(url: string, timeoutMs = 60_000): Promise<InspectorSession> {
  const socket = new WebSocket(url, { maxPayload: 256 * MiB });
  await Promise.race([
    once(socket, 'open'),
    once(socket, 'error').then(([error]) => {
      throw error;
    }),
  ]);
  let nextId = 1;
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  let onEvent: ((message: Reply) => void) | undefined;
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as Reply;
    if (message.id === undefined) {
      onEvent?.(message);
      return;
    }
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiter?.reject(new Error(message.error.message));
    else waiter?.resolve(message);
  });
  socket.on('close', () => {
    for (const w of pending.values()) w.reject(new Error('the inspector connection closed'));
    pending.clear();
  });
  const call = (method: string, params: Record<string, unknown> = {}): Promise<Reply> =>
    new Promise<Reply>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${method}: no answer from the inspector within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      socket.send(JSON.stringify({ id, method, params }));
    });

  return {
    async liveMemory() {
      await call('HeapProfiler.collectGarbage');
      const reply = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
      const usage = JSON.parse(String(reply.result?.result?.value)) as NodeJS.MemoryUsage;
      return { heapMiB: usage.heapUsed / MiB, externalMiB: usage.external / MiB };
    },
    async snapshot(file) {
      const out = createWriteStream(file);
      onEvent = (message) => {
        if (message.method === 'HeapProfiler.addHeapSnapshotChunk' && message.params?.chunk) out.write(message.params.chunk);
      };
      try {
        await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      } finally {
        onEvent = undefined;
        out.end();
        await once(out, 'close');
      }
    },
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return;
      const closed = once(socket, 'close');
      socket.close();
      await closed;
    },
  };
}
