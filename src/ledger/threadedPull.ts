import path from 'node:path';
import { Worker, type MessagePort } from 'node:worker_threads';

import type { FabricConnectionSettings } from './fabricConnection';
import type { LedgerBlock, LedgerTransaction, LedgerWrite } from './ledgerBlock';

/**
 * Catching up with the reads on a thread of their own (catchUpThread.ts). Reading a block from a
 * peer costs this process more CPU than anything the cache does with it: a qscc proposal signed
 * with ECDSA in JavaScript per block, gRPC, and decoding the answer. On one thread the cache's own
 * work (rows, COPY) waits for that and the reads wait for the cache; on two, both go on at once.
 *
 * The thread connects with its own gateway, pulls (pullNearHead) and decodes, and posts each
 * block; this side hands it on and acknowledges it once `deliver` has taken it. The thread keeps
 * at most UNACKNOWLEDGED blocks posted but not acknowledged, so memory stays bounded however slow
 * the consumer is. The thread ends once it is near the head (the event stream takes over).
 */
export interface ThreadedPullOptions {
  readonly settings: FabricConnectionSettings;
  readonly channel: string;
  readonly from: bigint;
  readonly deliver: (block: LedgerBlock) => Promise<void>;
  readonly signal: AbortSignal;
  /** For tests: the thread's script (default: catchUpThread next to this file). */
  readonly script?: string;
}

/** What the thread starts with. */
export interface CatchUpThreadInit {
  readonly settings: FabricConnectionSettings;
  readonly channel: string;
  readonly from: bigint;
  readonly unacknowledged: number;
}

/** Thread → this side. */
export type CatchUpMessage =
  | { readonly kind: 'block'; readonly block: LedgerBlock }
  | { readonly kind: 'caughtUp'; readonly next: bigint }
  | { readonly kind: 'failed'; readonly message: string };

/** This side → thread: one block was taken. */
export const ACKNOWLEDGED = 'taken';

/**
 * The thread's end of the exchange: `deliver` posts a block and waits while `unacknowledged` are
 * posted but not yet taken.
 */
export interface ThreadEnd {
  readonly deliver: (block: LedgerBlock) => Promise<void>;
  readonly caughtUp: (next: bigint) => void;
  readonly failed: (error: unknown) => void;
}

export function threadEnd(port: MessagePort, unacknowledged: number): ThreadEnd {
  let posted = 0;
  let taken: (() => void) | undefined;
  port.on('message', (message: unknown) => {
    if (message !== ACKNOWLEDGED) return;
    posted -= 1;
    taken?.();
    taken = undefined;
  });
  const post = (message: CatchUpMessage): void => {
    port.postMessage(message);
  };
  return {
    deliver: async (block) => {
      post({ kind: 'block', block });
      posted += 1;
      while (posted >= unacknowledged) await new Promise<void>((resolve) => (taken = resolve));
    },
    caughtUp: (next) => {
      post({ kind: 'caughtUp', next });
    },
    failed: (error) => {
      post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    },
  };
}

/** Blocks the thread may have posted that `deliver` has not yet taken. */
const UNACKNOWLEDGED = 32;

/**
 * Resolves with the next block to read once within LIVE_WINDOW of the head, or undefined when the
 * signal aborts (the thread is stopped). Rejects with what broke the reading (the peer, the thread
 * itself); every block delivered before that was in order.
 */
export function pullOnThread(options: ThreadedPullOptions): Promise<bigint | undefined> {
  const { signal } = options;
  if (signal.aborted) return Promise.resolve(undefined);
  const init: CatchUpThreadInit = { settings: options.settings, channel: options.channel, from: options.from, unacknowledged: UNACKNOWLEDGED };
  const worker = startThread(options.script ?? defaultScript(), init);
  return new Promise((resolve, reject) => {
    let finished = false;
    // Messages are handled one after another: a block is delivered (and acknowledged) before the
    // next one, or the end, is looked at.
    let handled = Promise.resolve();
    const finish = (settle: () => void): void => {
      if (finished) return;
      finished = true;
      signal.removeEventListener('abort', onAbort);
      void worker.terminate();
      settle();
    };
    const onAbort = (): void => { finish(() => { resolve(undefined); }); };
    signal.addEventListener('abort', onAbort, { once: true });
    const after = (step: () => Promise<void> | void): void => {
      handled = handled.then(async () => {
        if (!finished) await step();
      }).catch((error: unknown) => { finish(() => { reject(error instanceof Error ? error : new Error(String(error))); }); });
    };
    worker.on('message', (message: CatchUpMessage) => {
      after(async () => {
        switch (message.kind) {
          case 'block':
            await options.deliver(reviveBlock(message.block));
            worker.postMessage(ACKNOWLEDGED);
            return;
          case 'caughtUp':
            finish(() => { resolve(message.next); });
            return;
          case 'failed':
            throw new Error(message.message);
        }
      });
    });
    worker.on('error', (error) => { after(() => { throw error; }); });
    worker.on('exit', (code) => { after(() => { throw new Error(`the catch-up reader thread exited with code ${code}`); }); });
  });
}

/**
 * Running from TypeScript sources (tsx, ts-jest), a new thread has none of the parent's loaders, so
 * it registers tsx's CommonJS hooks before loading the script; built JavaScript loads as it is.
 * `argv: []`: fabric-common reads the process arguments when it is imported.
 */
function startThread(script: string, init: CatchUpThreadInit): Worker {
  if (!script.endsWith('.ts')) return new Worker(script, { workerData: init, argv: [] });
  const bootstrap = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(script)});`;
  return new Worker(bootstrap, { eval: true, workerData: init, argv: [] });
}

function defaultScript(): string {
  return path.join(__dirname, `catchUpThread${path.extname(__filename)}`);
}

/**
 * A block as posted by the thread: the structured clone keeps bigints and Dates but turns Buffers
 * into plain Uint8Arrays, so values and event payloads become Buffers again (views, not copies).
 */
export function reviveBlock(block: LedgerBlock): LedgerBlock {
  return { ...block, transactions: block.transactions.map(reviveTransaction) };
}

function reviveTransaction(tx: LedgerTransaction): LedgerTransaction {
  return {
    ...tx,
    writes: tx.writes.map((w): LedgerWrite => (w.value === undefined ? w : { ...w, value: asBuffer(w.value) })),
    event: tx.event && { ...tx.event, payload: asBuffer(tx.event.payload) },
  };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
