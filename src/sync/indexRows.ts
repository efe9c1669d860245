import type { LedgerBlock, LedgerTransaction } from '../ledger';
import { copyValue } from './copyIn';
import type { Projector } from './projector';
import { storedKey } from './keys';
import type { RowChange } from './rowChange';

/**
 * The rows of one table of the generic index, already in COPY's text format (one line per row).
 * These rows are insert-only and unique by construction within a batch (each block once, each
 * transaction once per block), so they skip the folding that projector output needs and never
 * become one object per row: during catch-up the worker's own CPU is as scarce as PostgreSQL's.
 */
export interface IndexTable {
  readonly table: string;
  /** The primary key: rows already there (a replayed block) are left alone. */
  readonly key: readonly string[];
  readonly columns: readonly string[];
  readonly lines: string[];
}

export interface BatchRows {
  /** blocks, transactions, tx_reads, tx_writes, chaincode_events, in that order. */
  readonly index: readonly IndexTable[];
  /** What the projectors made of the valid transactions, in ledger order. */
  readonly projected: RowChange[];
}

const TX_KEY = ['channel', 'block_number', 'tx_index'];
const ROW_KEY = [...TX_KEY, 'namespace', 'key'];

interface Tables {
  blocks: IndexTable;
  transactions: IndexTable;
  reads: IndexTable;
  writes: IndexTable;
  events: IndexTable;
}

function newTables(): Tables {
  return {
    blocks: {
      table: 'blocks',
      key: ['channel', 'number'],
      columns: ['channel', 'number', 'hash', 'previous_hash', 'data_hash', 'tx_count', 'is_config', 'created_at'],
      lines: [],
    },
    transactions: {
      table: 'transactions',
      key: TX_KEY,
      columns: [...TX_KEY, 'tx_id', 'type', 'validation_code', 'is_valid', 'creator_msp_id', 'creator_id', 'endorsers', 'chaincode', 'function', 'created_at'],
      lines: [],
    },
    reads: { table: 'tx_reads', key: ROW_KEY, columns: [...ROW_KEY, 'version_block', 'version_tx'], lines: [] },
    writes: { table: 'tx_writes', key: ROW_KEY, columns: [...ROW_KEY, 'is_delete', 'value'], lines: [] },
    events: { table: 'chaincode_events', key: TX_KEY, columns: [...TX_KEY, 'chaincode', 'event_name', 'payload'], lines: [] },
  };
}

const v = copyValue;

function transactionLine(txKey: string, tx: LedgerTransaction): string {
  return [
    txKey,
    v(tx.txId),
    v(tx.type),
    v(tx.validationCode),
    v(tx.isValid),
    v(tx.creator?.mspId ?? null),
    v(tx.creator?.id ?? null),
    v({ json: tx.endorsers }),
    v(tx.chaincode ?? null),
    v(tx.fn ?? null),
    v(tx.createdAt ?? null),
  ].join('\t');
}

function txRows(t: Tables, txKey: string, tx: LedgerTransaction): void {
  t.transactions.lines.push(transactionLine(txKey, tx));
  for (const read of tx.reads) {
    t.reads.lines.push(`${txKey}\t${v(read.namespace)}\t${v(storedKey(read.key))}\t${v(read.version?.block ?? null)}\t${v(read.version?.tx ?? null)}`);
  }
  for (const write of tx.writes) {
    t.writes.lines.push(`${txKey}\t${v(write.namespace)}\t${v(storedKey(write.key))}\t${v(write.isDelete)}\t${v(write.value ?? null)}`);
  }
  if (tx.event) t.events.lines.push(`${txKey}\t${v(tx.event.chaincode)}\t${v(tx.event.name)}\t${v(tx.event.payload)}`);
}

function projectTransaction(block: LedgerBlock, tx: LedgerTransaction, projectors: readonly Projector[], out: RowChange[]): void {
  for (const projector of projectors) {
    const writes = tx.writes.filter((w) => projector.wants(w.namespace));
    if (writes.length === 0) continue;
    out.push(...projector.project({ channel: block.channel, blockNumber: block.number, blockTime: block.createdAt, tx, writes }));
  }
}

/**
 * The generic index of a batch of blocks: each block, its transactions (valid or not, with their
 * validation code), read and write sets and chaincode events; then what the projectors make of
 * the valid transactions. Invalid transactions are recorded but never reach a projector.
 */
export function batchRows(blocks: readonly LedgerBlock[], projectors: readonly Projector[]): BatchRows {
  const t = newTables();
  const projected: RowChange[] = [];
  for (const block of blocks) {
    const channel = v(block.channel);
    const number = block.number.toString();
    t.blocks.lines.push(
      [channel, number, v(block.hash), v(block.previousHash), v(block.dataHash), block.transactions.length, v(block.isConfig), v(block.createdAt ?? null)].join('\t'),
    );
    for (const tx of block.transactions) {
      txRows(t, `${channel}\t${number}\t${tx.index}`, tx);
      if (tx.isValid) projectTransaction(block, tx, projectors, projected);
    }
  }
  return { index: [t.blocks, t.transactions, t.reads, t.writes, t.events], projected };
}
