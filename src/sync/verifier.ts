import type { ClientBase } from 'pg';

import type { BlockSource, LedgerBlock } from '../ledger';
import { storedKey } from './keys';

/**
 * Compares the cache with the ledger as a peer serves it: every block's hashes and the hash
 * chain, transaction ids and validation codes, then the latest state of every key, rebuilt here
 * by replaying the peer's blocks (a second, independent path to the same answer), and the domain
 * rows that derive from it. Lists every difference instead of stopping at the first.
 */
export interface VerifyReport {
  readonly channel: string;
  readonly ledgerHeight: bigint;
  readonly cacheHeight: bigint;
  readonly blocksChecked: number;
  readonly keysChecked: number;
  readonly differences: readonly string[];
}

type Queryable = Pick<ClientBase, 'query'>;

interface CachedBlock {
  number: string;
  hash: string;
  previous_hash: string;
  data_hash: string;
  tx_count: number;
}

interface CachedTx {
  block_number: string;
  tx_index: number;
  tx_id: string;
  validation_code: string;
}

const PAGE = 500;
const MAX_DIFFERENCES = 200;

export async function verifyChannel(deps: { db: Queryable; source: BlockSource; channel: string }): Promise<VerifyReport> {
  const { db, source, channel } = deps;
  const differences: string[] = [];
  const differ = (text: string): void => {
    if (differences.length < MAX_DIFFERENCES) differences.push(text);
  };
  const ledgerHeight = await source.height(channel);
  const checkpoint = await db.query<{ next_block: string }>('SELECT next_block::text FROM sync_checkpoints WHERE channel = $1', [channel]);
  const cacheHeight = BigInt(checkpoint.rows[0]?.next_block ?? '0');
  if (cacheHeight !== ledgerHeight) differ(`height: the cache has ${cacheHeight} blocks, the ledger ${ledgerHeight}`);

  const replay = new Map<string, { value: Buffer | null; isDelete: boolean }>();
  const upTo = cacheHeight < ledgerHeight ? cacheHeight : ledgerHeight;
  let previousCachedHash: string | undefined;
  let blocksChecked = 0;
  for (let start = 0n; start < upTo; start += BigInt(PAGE)) {
    const end = start + BigInt(PAGE) < upTo ? start + BigInt(PAGE) : upTo;
    const cachedBlocks = await db.query<CachedBlock>(
      'SELECT number::text, hash, previous_hash, data_hash, tx_count FROM blocks WHERE channel = $1 AND number >= $2 AND number < $3 ORDER BY number',
      [channel, start.toString(), end.toString()],
    );
    const cachedTxs = await db.query<CachedTx>(
      'SELECT block_number::text, tx_index, tx_id, validation_code FROM transactions WHERE channel = $1 AND block_number >= $2 AND block_number < $3 ORDER BY block_number, tx_index',
      [channel, start.toString(), end.toString()],
    );
    const blocksByNumber = new Map(cachedBlocks.rows.map((b) => [b.number, b]));
    const txsByBlock = new Map<string, CachedTx[]>();
    for (const tx of cachedTxs.rows) txsByBlock.set(tx.block_number, [...(txsByBlock.get(tx.block_number) ?? []), tx]);
    for (let n = start; n < end; n++) {
      const ledger = await source.block(channel, n);
      const cached = blocksByNumber.get(n.toString());
      blocksChecked++;
      compareBlock(ledger, cached, txsByBlock.get(n.toString()) ?? [], previousCachedHash, differ);
      previousCachedHash = cached?.hash;
      for (const tx of ledger.transactions) {
        if (!tx.isValid) continue;
        for (const w of tx.writes) replay.set(`${w.namespace}\u0000${storedKey(w.key)}`, { value: w.value ?? null, isDelete: w.isDelete });
      }
    }
  }
  const keysChecked = await compareState(db, channel, replay, differ);
  await compareDomain(db, channel, replay, differ);
  return { channel, ledgerHeight, cacheHeight, blocksChecked, keysChecked, differences };
}

function compareBlock(
  ledger: LedgerBlock,
  cached: CachedBlock | undefined,
  cachedTxs: readonly CachedTx[],
  previousCachedHash: string | undefined,
  differ: (text: string) => void,
): void {
  const n = ledger.number;
  if (!cached) {
    differ(`block ${n}: missing from the cache`);
    return;
  }
  if (cached.hash !== ledger.hash) differ(`block ${n}: hash ${cached.hash} in the cache, ${ledger.hash} on the ledger`);
  if (cached.previous_hash !== ledger.previousHash) differ(`block ${n}: previous hash differs`);
  if (cached.data_hash !== ledger.dataHash) differ(`block ${n}: data hash differs`);
  if (previousCachedHash !== undefined && cached.previous_hash !== previousCachedHash) differ(`block ${n}: the cache's hash chain is broken`);
  if (cached.tx_count !== ledger.transactions.length || cachedTxs.length !== ledger.transactions.length) {
    differ(`block ${n}: ${cachedTxs.length} transactions in the cache (tx_count ${cached.tx_count}), ${ledger.transactions.length} on the ledger`);
  }
  for (const tx of ledger.transactions) {
    const c = cachedTxs.find((t) => t.tx_index === tx.index);
    if (!c) continue;
    if (c.tx_id !== tx.txId) differ(`block ${n} tx ${tx.index}: id ${c.tx_id} in the cache, ${tx.txId} on the ledger`);
    if (c.validation_code !== tx.validationCode) differ(`block ${n} tx ${tx.index}: validation code ${c.validation_code} in the cache, ${tx.validationCode} on the ledger`);
  }
}

async function compareState(
  db: Queryable,
  channel: string,
  replay: ReadonlyMap<string, { value: Buffer | null; isDelete: boolean }>,
  differ: (text: string) => void,
): Promise<number> {
  const rows = await db.query<{ namespace: string; key: string; value: Buffer | null; is_deleted: boolean }>(
    'SELECT namespace, key, value, is_deleted FROM state WHERE channel = $1',
    [channel],
  );
  const seen = new Set<string>();
  for (const row of rows.rows) {
    const id = `${row.namespace}\u0000${row.key}`;
    seen.add(id);
    const expected = replay.get(id);
    const label = `state ${row.namespace}/${row.key}`;
    if (!expected) differ(`${label}: in the cache but never written on the ledger`);
    else if (expected.isDelete !== row.is_deleted) differ(`${label}: deleted=${row.is_deleted} in the cache, ${expected.isDelete} on the ledger`);
    else if (!expected.isDelete && !(row.value ?? Buffer.alloc(0)).equals(expected.value ?? Buffer.alloc(0))) differ(`${label}: value differs`);
  }
  for (const id of replay.keys()) {
    if (!seen.has(id)) differ(`state ${id.replace('\u0000', '/')}: written on the ledger, missing from the cache`);
  }
  return rows.rows.length;
}

/** Assets and token balances must say what the latest state says. */
async function compareDomain(
  db: Queryable,
  channel: string,
  replay: ReadonlyMap<string, { value: Buffer | null; isDelete: boolean }>,
  differ: (text: string) => void,
): Promise<void> {
  const assets = await db.query<{ chaincode: string; id: string; owner: string; version: number; deleted: boolean }>(
    'SELECT chaincode, id, owner, version, deleted FROM assets WHERE channel = $1',
    [channel],
  );
  for (const a of assets.rows) {
    const expected = replay.get(`${a.chaincode}\u0000asset:${a.id}`);
    if (!expected) {
      differ(`asset ${a.chaincode}/${a.id}: no such key on the ledger`);
      continue;
    }
    if (expected.isDelete !== a.deleted) differ(`asset ${a.chaincode}/${a.id}: deleted=${a.deleted} in the cache, ${expected.isDelete} on the ledger`);
    if (!expected.isDelete && expected.value) {
      const json = JSON.parse(expected.value.toString('utf8')) as { owner: string; version: number };
      if (json.owner !== a.owner || json.version !== a.version) differ(`asset ${a.chaincode}/${a.id}: owner/version differ from the ledger`);
    }
  }
  const accounts = await db.query<{ chaincode: string; account: string; balance: string }>(
    'SELECT chaincode, account, balance::text FROM token_accounts WHERE channel = $1',
    [channel],
  );
  for (const t of accounts.rows) {
    const expected = replay.get(`${t.chaincode}\u0000balance:${t.account}`);
    const balance = expected?.value ? (JSON.parse(expected.value.toString('utf8')) as { balance: string }).balance : undefined;
    if (balance !== t.balance) differ(`token account ${t.chaincode}/${t.account}: balance ${t.balance} in the cache, ${balance ?? 'none'} on the ledger`);
  }
}
