import type { LedgerBlock } from '../ledger';
import type { Projector } from './projector';
import { storedKey } from './keys';
import type { RowChange } from './rowChange';

/**
 * The generic index of one block: the block, its transactions (valid or not, with their
 * validation code), read and write sets and chaincode events; then what the projectors make of
 * the valid transactions. Invalid transactions are recorded but never reach a projector.
 */
export function blockChanges(block: LedgerBlock, projectors: readonly Projector[]): RowChange[] {
  const channel = block.channel;
  const changes: RowChange[] = [
    {
      kind: 'insert',
      table: 'blocks',
      key: ['channel', 'number'],
      row: {
        channel,
        number: block.number,
        hash: block.hash,
        previous_hash: block.previousHash,
        data_hash: block.dataHash,
        tx_count: block.transactions.length,
        is_config: block.isConfig,
        created_at: block.createdAt ?? null,
      },
    },
  ];
  for (const tx of block.transactions) {
    const txKey = { channel, block_number: block.number, tx_index: tx.index };
    changes.push({
      kind: 'insert',
      table: 'transactions',
      key: ['channel', 'block_number', 'tx_index'],
      row: {
        ...txKey,
        tx_id: tx.txId,
        type: tx.type,
        validation_code: tx.validationCode,
        is_valid: tx.isValid,
        creator_msp_id: tx.creator?.mspId ?? null,
        creator_id: tx.creator?.id ?? null,
        endorsers: { json: tx.endorsers },
        chaincode: tx.chaincode ?? null,
        function: tx.fn ?? null,
        created_at: tx.createdAt ?? null,
      },
    });
    for (const read of tx.reads) {
      changes.push({
        kind: 'insert',
        table: 'tx_reads',
        key: ['channel', 'block_number', 'tx_index', 'namespace', 'key'],
        row: { ...txKey, namespace: read.namespace, key: storedKey(read.key), version_block: read.version?.block ?? null, version_tx: read.version?.tx ?? null },
      });
    }
    for (const write of tx.writes) {
      changes.push({
        kind: 'insert',
        table: 'tx_writes',
        key: ['channel', 'block_number', 'tx_index', 'namespace', 'key'],
        row: { ...txKey, namespace: write.namespace, key: storedKey(write.key), is_delete: write.isDelete, value: write.value ?? null },
      });
    }
    if (tx.event) {
      changes.push({
        kind: 'insert',
        table: 'chaincode_events',
        key: ['channel', 'block_number', 'tx_index'],
        row: { ...txKey, chaincode: tx.event.chaincode, event_name: tx.event.name, payload: tx.event.payload },
      });
    }
    if (!tx.isValid) continue;
    for (const projector of projectors) {
      const writes = tx.writes.filter((w) => projector.wants(w.namespace));
      if (writes.length === 0) continue;
      changes.push(...projector.project({ channel, blockNumber: block.number, blockTime: block.createdAt, tx, writes }));
    }
  }
  return changes;
}
