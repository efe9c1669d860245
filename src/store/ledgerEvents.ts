/**
 * What the sync worker and the submissions layer announce through PostgreSQL NOTIFY, fanned out to
 * this process's subscribers. Every gateway replica listens on its own connection, so
 * read-your-writes and subscriptions work behind a load balancer.
 *
 * - One dedicated connection LISTENs on `ledger_indexed` (src/sync, after each committed batch:
 *   `{"channel":…,"height":"<next block number>"}`) and `submission_updated` (src/submissions, the
 *   submission's id whenever its status changes). When it is lost it is re-opened with back-off;
 *   notifications sent meanwhile are lost, so after a reconnect the heights are read again (and
 *   every channel that moved is announced) and submission watchers are told to re-read.
 * - Work per notification is per process, not per subscriber: one statement for the blocks of the
 *   new range when someone watches blocks, one for the watched assets, one for the watched accounts.
 * - Every subscriber has a bounded buffer: one that does not keep up is dropped (its iterator
 *   rejects with OVERLOADED) instead of buffering without bound.
 */
import type { Asset, PrismaClient, TokenAccount } from '@prisma/client';
import { Client, type Notification } from 'pg';

import { AppError, ErrorCode, silentLogger, type Logger } from '../common';

/** The sync worker's channel (src/sync INDEXED_NOTIFY_CHANNEL). */
export const LEDGER_INDEXED_CHANNEL = 'ledger_indexed';
/** The submissions layer's channel (src/submissions SUBMISSION_NOTIFY_CHANNEL); the payload is the submission id. */
export const SUBMISSION_UPDATED_CHANNEL = 'submission_updated';

/** Blocks `from` … `height - 1` of `channel` are newly in the cache. */
export interface BlockIndexedEvent {
  readonly channel: string;
  /** The height before this advance (0 for a channel first seen now). */
  readonly from: bigint;
  /** The channel's indexed height, Fabric's sense: blocks 0 … height - 1 are in the cache. */
  readonly height: bigint;
}

export interface IndexedBlock {
  readonly channel: string;
  readonly number: bigint;
  readonly txCount: number;
}

/** A submission's status changed; `id` undefined: notifications may have been lost (reconnect), re-read. */
export interface SubmissionNotice {
  readonly id: string | undefined;
}

export interface FeedOptions {
  /** Events held for a subscriber that does not read them; one more drops it. Default 256. */
  readonly bufferSize?: number;
}

export interface LedgerEvents {
  /** Resolves `true` once `channel`'s block `blockNumber` is in the cache; `false` when `timeoutMs` passes first. */
  waitForIndexed(channel: string, blockNumber: bigint, timeoutMs: number): Promise<boolean>;
  /** Every advance of an indexed height from now on, until the iterator is returned. */
  blocksIndexed(options?: FeedOptions): AsyncIterableIterator<BlockIndexedEvent>;
  /** Each block of `channel` as it is indexed, in order, with its transaction count. */
  blocks(channel: string, options?: FeedOptions): AsyncIterableIterator<IndexedBlock>;
  /** The asset's cache row each time a newly indexed block range changed it (deletion included). */
  assetChanges(scope: ChaincodeScope, id: string, options?: FeedOptions): AsyncIterableIterator<Asset>;
  /** The account's cache row each time a newly indexed block range changed its balance. */
  accountChanges(scope: ChaincodeScope, account: string, options?: FeedOptions): AsyncIterableIterator<TokenAccount>;
  /** Notices for this submission (and "re-read" notices after a reconnect). */
  submissionUpdates(id: string, options?: FeedOptions): AsyncIterableIterator<SubmissionNotice>;
  /** Whether the listening connection is up now. */
  listening(): boolean;
  close(): Promise<void>;
}

export interface ChaincodeScope {
  readonly channel: string;
  readonly chaincode: string;
}

export interface LedgerEventsDeps {
  readonly databaseUrl: string;
  /** Reads the cache (heights, block and change ranges). */
  readonly prisma: PrismaClient;
  readonly log?: Logger;
  /** First reconnect delay; doubles up to `maxReconnectDelayMs`. Defaults 200 and 10 000. */
  readonly reconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
}

const DEFAULT_BUFFER = 256;

/** An async iterator over pushed values with a bounded buffer. */
class Feed<T> implements AsyncIterableIterator<T> {
  readonly #buffer: T[] = [];
  readonly #capacity: number;
  readonly #onClose: () => void;
  #pending: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  #state: 'open' | 'ended' | 'failed' = 'open';
  #error: Error | undefined;

  constructor(options: FeedOptions | undefined, onClose: () => void) {
    this.#capacity = Math.max(1, options?.bufferSize ?? DEFAULT_BUFFER);
    this.#onClose = onClose;
  }

  push(value: T): void {
    if (this.#state !== 'open') return;
    const pending = this.#pending;
    if (pending) {
      this.#pending = undefined;
      pending.resolve({ value, done: false });
    } else if (this.#buffer.length >= this.#capacity) {
      this.fail(new AppError(ErrorCode.OVERLOADED, `the subscriber fell ${this.#capacity} events behind and was dropped; subscribe again`));
    } else {
      this.#buffer.push(value);
    }
  }

  /** Ends the feed with an error, dropping what is buffered; the next read rejects with it. */
  fail(error: Error): void {
    if (this.#state !== 'open') return;
    this.#state = 'failed';
    this.#error = error;
    this.#buffer.length = 0;
    this.#onClose();
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
    if (pending) this.#error = undefined;
  }

  /** Ends the feed after what is buffered. */
  end(): void {
    if (this.#state !== 'open') return;
    this.#state = 'ended';
    this.#onClose();
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    const value = this.#buffer.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.#state === 'failed' && this.#error !== undefined) {
      const error = this.#error;
      this.#error = undefined;
      return Promise.reject(error);
    }
    if (this.#state !== 'open') return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.#pending = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    this.#buffer.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

/** Subscribers grouped by a key (channel, or channel + chaincode + id). */
class Registry<T> {
  readonly #byKey = new Map<string, Set<Feed<T>>>();

  add(key: string, options: FeedOptions | undefined): Feed<T> {
    const feed: Feed<T> = new Feed<T>(options, () => { this.#remove(key, feed); });
    const set = this.#byKey.get(key) ?? new Set<Feed<T>>();
    set.add(feed);
    this.#byKey.set(key, set);
    return feed;
  }

  #remove(key: string, feed: Feed<T>): void {
    const set = this.#byKey.get(key);
    set?.delete(feed);
    if (set?.size === 0) this.#byKey.delete(key);
  }

  keys(): string[] {
    return [...this.#byKey.keys()];
  }

  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  push(key: string, value: T): void {
    for (const feed of [...(this.#byKey.get(key) ?? [])]) feed.push(value);
  }

  pushAll(value: T): void {
    for (const key of this.keys()) this.push(key, value);
  }

  failAll(error: Error, keys: readonly string[] = this.keys()): void {
    for (const key of keys) for (const feed of [...(this.#byKey.get(key) ?? [])]) feed.fail(error);
  }

  endAll(): void {
    for (const set of [...this.#byKey.values()]) for (const feed of [...set]) feed.end();
  }
}

interface Waiter {
  readonly channel: string;
  readonly height: bigint;
  readonly done: (indexed: boolean) => void;
}

const SEP = '\u0000';
const scopeKey = (scope: ChaincodeScope): string => `${scope.channel}${SEP}${scope.chaincode}`;

/** `{"channel":"mychannel","height":"12"}` → the event fields, or undefined when malformed. */
function parseIndexed(payload: string | undefined): { channel: string; height: bigint } | undefined {
  try {
    const parsed = JSON.parse(payload ?? '') as { channel?: unknown; height?: unknown };
    if (typeof parsed.channel !== 'string' || typeof parsed.height !== 'string' || !/^[0-9]{1,20}$/.test(parsed.height)) return undefined;
    return { channel: parsed.channel, height: BigInt(parsed.height) };
  } catch {
    return undefined;
  }
}

/**
 * Connects and LISTENs before resolving (a database that cannot be reached fails the start);
 * later losses of the connection are retried with back-off for as long as the object is open.
 */
export async function createLedgerEvents(deps: LedgerEventsDeps): Promise<LedgerEvents> {
  const log = (deps.log ?? silentLogger).child({ component: 'ledger-events' });
  const { prisma } = deps;
  const firstDelay = deps.reconnectDelayMs ?? 200;
  const maxDelay = deps.maxReconnectDelayMs ?? 10_000;

  const heights = new Map<string, bigint>();
  const waiters = new Set<Waiter>();
  const rawFeeds = new Registry<BlockIndexedEvent>();
  const blockFeeds = new Registry<IndexedBlock>();
  const assetFeeds = new Registry<Asset>();
  const accountFeeds = new Registry<TokenAccount>();
  const submissionFeeds = new Registry<SubmissionNotice>();

  let client: Client | undefined;
  let closed = false;
  let failures = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  /** Notifications are handled one at a time, in arrival order, so each subscriber sees blocks in order. */
  let work: Promise<void> = Promise.resolve();
  const enqueue = (task: () => Promise<void>): void => {
    work = work.then(task).catch((error: unknown) => { log.error({ err: error instanceof Error ? error.message : String(error) }, 'ledger event handling failed'); });
  };

  /** Of the subscribed ids of `registry` under `scope`, those in `[from, to)`: one statement per scope. */
  async function pushChanges<Row>(
    registry: Registry<Row>,
    advance: BlockIndexedEvent,
    find: (scope: ChaincodeScope, ids: string[], from: bigint, to: bigint) => Promise<Row[]>,
    idOf: (row: Row) => string,
  ): Promise<void> {
    const byScope = new Map<string, { scope: ChaincodeScope; ids: string[] }>();
    for (const key of registry.keys()) {
      const [channel = '', chaincode = '', id = ''] = key.split(SEP);
      if (channel !== advance.channel) continue;
      const entry = byScope.get(`${channel}${SEP}${chaincode}`) ?? { scope: { channel, chaincode }, ids: [] };
      entry.ids.push(id);
      byScope.set(`${channel}${SEP}${chaincode}`, entry);
    }
    for (const [prefix, { scope, ids }] of byScope) {
      try {
        for (const row of await find(scope, ids, advance.from, advance.height)) registry.push(`${prefix}${SEP}${idOf(row)}`, row);
      } catch (error) {
        log.error({ channel: advance.channel, err: error instanceof Error ? error.message : String(error) }, 'could not read changes; subscribers dropped');
        registry.failAll(new AppError(ErrorCode.INTERNAL, 'the cache could not be read; subscribe again'), ids.map((id) => `${prefix}${SEP}${id}`));
      }
    }
  }

  async function pushBlocks(advance: BlockIndexedEvent): Promise<void> {
    if (!blockFeeds.has(advance.channel)) return;
    try {
      const rows = await prisma.block.findMany({
        where: { channel: advance.channel, number: { gte: advance.from, lt: advance.height } },
        select: { number: true, txCount: true },
        orderBy: { number: 'asc' },
      });
      for (const row of rows) blockFeeds.push(advance.channel, { channel: advance.channel, number: row.number, txCount: row.txCount });
    } catch (error) {
      log.error({ channel: advance.channel, err: error instanceof Error ? error.message : String(error) }, 'could not read blocks; subscribers dropped');
      blockFeeds.failAll(new AppError(ErrorCode.INTERNAL, 'the cache could not be read; subscribe again'), [advance.channel]);
    }
  }

  async function advanced(channel: string, height: bigint): Promise<void> {
    const known = heights.get(channel);
    if (known !== undefined && height <= known) return;
    heights.set(channel, height);
    for (const w of [...waiters]) if (w.channel === channel && height >= w.height) w.done(true);
    const advance: BlockIndexedEvent = { channel, from: known ?? 0n, height };
    rawFeeds.pushAll(advance);
    await pushBlocks(advance);
    await pushChanges(
      assetFeeds,
      advance,
      (scope, ids, from, to) => prisma.asset.findMany({ where: { ...scope, id: { in: ids }, updatedBlock: { gte: from, lt: to } } }),
      (row) => row.id,
    );
    await pushChanges(
      accountFeeds,
      advance,
      (scope, ids, from, to) => prisma.tokenAccount.findMany({ where: { ...scope, account: { in: ids }, updatedBlock: { gte: from, lt: to } } }),
      (row) => row.account,
    );
  }

  function onNotification(message: Notification): void {
    if (message.channel === SUBMISSION_UPDATED_CHANNEL) {
      const id = message.payload ?? '';
      submissionFeeds.push(id, { id });
      return;
    }
    const notice = parseIndexed(message.payload);
    if (!notice) {
      log.warn({ payload: message.payload }, 'malformed ledger_indexed notification ignored');
      return;
    }
    enqueue(() => advanced(notice.channel, notice.height));
  }

  /** Heights as the database has them now; after a reconnect, every channel that moved is announced. */
  async function readHeights(connection: Client, announce: boolean): Promise<void> {
    const result = await connection.query<{ channel: string; height: string }>('SELECT channel, next_block::text AS height FROM sync_checkpoints');
    enqueue(async () => {
      for (const row of result.rows) {
        const height = BigInt(row.height);
        if (announce) await advanced(row.channel, height);
        else if ((heights.get(row.channel) ?? -1n) < height) heights.set(row.channel, height);
      }
    });
  }

  function lost(connection: Client, error?: Error): void {
    if (connection !== client) return;
    client = undefined;
    connection.end().catch(() => undefined);
    if (closed) return;
    log.warn({ err: error?.message ?? 'connection ended' }, 'lost the LISTEN connection; reconnecting');
    scheduleReconnect();
  }

  async function connect(announce: boolean): Promise<void> {
    const connection = new Client({ connectionString: deps.databaseUrl, keepAlive: true, application_name: 'ledger-gateway:events' });
    connection.on('error', (error) => { lost(connection, error); });
    connection.on('end', () => { lost(connection); });
    connection.on('notification', onNotification);
    try {
      await connection.connect();
      await connection.query(`LISTEN ${LEDGER_INDEXED_CHANNEL}`);
      await connection.query(`LISTEN ${SUBMISSION_UPDATED_CHANNEL}`);
      if (closed) throw new Error('closed while connecting');
      client = connection;
      // Listening first, then reading: nothing that happens between the two can be missed.
      await readHeights(connection, announce);
    } catch (error) {
      if (client === connection) client = undefined;
      await connection.end().catch(() => undefined);
      throw error;
    }
    // Missed while disconnected: each watcher re-reads its submission.
    if (announce) submissionFeeds.keys().forEach((id) => { submissionFeeds.push(id, { id: undefined }); });
  }

  function scheduleReconnect(): void {
    if (closed || reconnectTimer) return;
    const delay = Math.min(maxDelay, firstDelay * 2 ** Math.min(failures, 16)) * (0.75 + Math.random() / 2);
    failures += 1;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect(true).then(
        () => {
          log.info({ attempts: failures }, 'LISTEN connection re-established');
          failures = 0;
        },
        (error: unknown) => {
          log.warn({ attempts: failures, err: error instanceof Error ? error.message : String(error) }, 'reconnect failed; retrying');
          scheduleReconnect();
        },
      );
    }, delay);
  }

  async function checkpointHeight(channel: string): Promise<bigint | undefined> {
    const row = await prisma.syncCheckpoint.findUnique({ where: { channel }, select: { nextBlock: true } });
    return row?.nextBlock;
  }

  await connect(false);

  return {
    waitForIndexed(channel, blockNumber, timeoutMs) {
      const height = blockNumber + 1n;
      if ((heights.get(channel) ?? -1n) >= height) return Promise.resolve(true);
      if (closed) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        let settled = false;
        const waiter: Waiter = {
          channel,
          height,
          done: (indexed) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(indexed);
          },
        };
        const timer = setTimeout(() => { waiter.done(false); }, Math.max(0, timeoutMs));
        waiters.add(waiter);
        // Subscribed first, then the checkpoint: a notification sent in between is not missed.
        checkpointHeight(channel).then(
          (current) => {
            if (current !== undefined && current >= height) waiter.done(true);
          },
          (error: unknown) => { log.warn({ channel, err: error instanceof Error ? error.message : String(error) }, 'could not read the checkpoint; waiting for a notification'); },
        );
      });
    },
    blocksIndexed: (options) => rawFeeds.add('all', options),
    blocks: (channel, options) => blockFeeds.add(channel, options),
    assetChanges: (scope, id, options) => assetFeeds.add(`${scopeKey(scope)}${SEP}${id}`, options),
    accountChanges: (scope, account, options) => accountFeeds.add(`${scopeKey(scope)}${SEP}${account}`, options),
    submissionUpdates: (id, options) => submissionFeeds.add(id, options),
    listening: () => client !== undefined,
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(reconnectTimer);
      for (const w of [...waiters]) w.done(false);
      for (const registry of [rawFeeds, blockFeeds, assetFeeds, accountFeeds, submissionFeeds]) registry.endAll();
      const connection = client;
      client = undefined;
      await connection?.end().catch(() => undefined);
      await work;
    },
  };
}
