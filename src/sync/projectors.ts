import type { Projector, ProjectionInput } from './projector';
import { storedKey } from './keys';
import type { RowChange } from './rowChange';

/*
 * The column lists every row change of a kind shares: one array each, not one per row (catch-up
 * makes a few rows per transaction, and each array is garbage the worker's thread must collect).
 */
const STATE_KEY = ['channel', 'namespace', 'key'] as const;
const STATE_UPDATE = ['value', 'is_deleted', 'block_number', 'tx_index', 'tx_id'] as const;
const STATE_GUARD = ['block_number', 'tx_index'] as const;
const ASSET_KEY = ['channel', 'chaincode', 'id'] as const;
const ASSET_UPDATE = ['kind', 'owner', 'attributes', 'version', 'deleted', 'updated_block', 'updated_tx_id', 'updated_at'] as const;
const UPDATED_BLOCK_GUARD = ['updated_block'] as const;
const HISTORY_KEY = ['channel', 'chaincode', 'asset_id', 'block_number', 'tx_index'] as const;
const ACCOUNT_KEY = ['channel', 'chaincode', 'account'] as const;
const ACCOUNT_UPDATE = ['balance', 'updated_block', 'updated_tx_id', 'updated_at'] as const;
const TRANSFER_KEY = ['channel', 'chaincode', 'block_number', 'tx_index'] as const;

/** Latest value of every key of every namespace: the generic state table. */
export const stateProjector: Projector = {
  name: 'state',
  wants: () => true,
  project({ channel, blockNumber, tx, writes }) {
    return writes.map(
      (w): RowChange => ({
        kind: 'upsert',
        table: 'state',
        key: STATE_KEY,
        row: {
          channel,
          namespace: w.namespace,
          key: storedKey(w.key),
          value: w.value ?? null,
          is_deleted: w.isDelete,
          block_number: blockNumber,
          tx_index: tx.index,
          tx_id: tx.txId,
        },
        update: STATE_UPDATE,
        guard: STATE_GUARD,
      }),
    );
  },
};

interface AssetJson {
  id: string;
  kind: string;
  owner: string;
  attributes: Record<string, unknown>;
  version: number;
}

const HISTORY_ACTIONS: Readonly<Record<string, string>> = {
  AssetCreated: 'CREATED',
  AssetUpdated: 'UPDATED',
  AssetTransferred: 'TRANSFERRED',
  AssetDeleted: 'DELETED',
};

/** Chaincode values are JSON we did not write: parse defensively, callers narrow the result. */
function parseJson(value: Buffer | undefined): unknown {
  if (!value) return undefined;
  try {
    return JSON.parse(value.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function assetChanges(input: ProjectionInput, chaincode: string, key: string, value: Buffer | undefined, isDelete: boolean): RowChange[] {
  const { channel, blockNumber, blockTime, tx } = input;
  const id = key.slice('asset:'.length);
  const changes: RowChange[] = [];
  const action = tx.event ? HISTORY_ACTIONS[tx.event.name] : undefined;
  if (isDelete) {
    changes.push({
      kind: 'update',
      table: 'assets',
      key: ASSET_KEY,
      row: { channel, chaincode, id, deleted: true, updated_block: blockNumber, updated_tx_id: tx.txId, updated_at: blockTime ?? null },
      guard: UPDATED_BLOCK_GUARD,
    });
    // The deletion's event carries the asset as it was, for the history row.
    const before = tx.event?.name === 'AssetDeleted' ? (parseJson(tx.event.payload) as AssetJson | undefined) : undefined;
    if (before) changes.push(historyRow(input, chaincode, before, 'DELETED'));
    return changes;
  }
  const asset = parseJson(value) as AssetJson | undefined;
  if (!asset) return changes;
  changes.push({
    kind: 'upsert',
    table: 'assets',
    key: ASSET_KEY,
    row: {
      channel,
      chaincode,
      id,
      kind: asset.kind,
      owner: asset.owner,
      attributes: { json: asset.attributes },
      version: asset.version,
      deleted: false,
      created_block: blockNumber,
      created_tx_id: tx.txId,
      created_at: blockTime ?? null,
      updated_block: blockNumber,
      updated_tx_id: tx.txId,
      updated_at: blockTime ?? null,
    },
    update: ASSET_UPDATE,
    guard: UPDATED_BLOCK_GUARD,
  });
  changes.push(historyRow(input, chaincode, asset, action ?? (asset.version === 1 ? 'CREATED' : 'UPDATED')));
  return changes;
}

function historyRow(input: ProjectionInput, chaincode: string, asset: AssetJson, action: string): RowChange {
  return {
    kind: 'insert',
    table: 'asset_history',
    key: HISTORY_KEY,
    row: {
      channel: input.channel,
      chaincode,
      asset_id: asset.id,
      block_number: input.blockNumber,
      tx_index: input.tx.index,
      tx_id: input.tx.txId,
      action,
      owner: asset.owner,
      kind: asset.kind,
      attributes: { json: asset.attributes },
      version: asset.version,
      at: input.blockTime ?? null,
    },
  };
}

interface BalanceJson {
  account: string;
  balance: string;
}

function tokenChanges(input: ProjectionInput, chaincode: string, value: Buffer | undefined): RowChange[] {
  const balance = parseJson(value) as BalanceJson | undefined;
  if (!balance || !/^\d+$/.test(balance.balance)) return [];
  return [
    {
      kind: 'upsert',
      table: 'token_accounts',
      key: ACCOUNT_KEY,
      row: {
        channel: input.channel,
        chaincode,
        account: balance.account,
        balance: balance.balance,
        updated_block: input.blockNumber,
        updated_tx_id: input.tx.txId,
        updated_at: input.blockTime ?? null,
      },
      update: ACCOUNT_UPDATE,
      guard: UPDATED_BLOCK_GUARD,
    },
  ];
}

function transferRow(input: ProjectionInput, chaincode: string): RowChange[] {
  const event = input.tx.event;
  if (!event || (event.name !== 'Minted' && event.name !== 'Transferred')) return [];
  const payload = parseJson(event.payload) as { account?: string; from?: string; to?: string; amount?: string } | undefined;
  const to = event.name === 'Minted' ? payload?.account : payload?.to;
  if (!payload?.amount || !to || !/^\d+$/.test(payload.amount)) return [];
  return [
    {
      kind: 'insert',
      table: 'token_transfers',
      key: TRANSFER_KEY,
      row: {
        channel: input.channel,
        chaincode,
        block_number: input.blockNumber,
        tx_index: input.tx.index,
        tx_id: input.tx.txId,
        kind: event.name === 'Minted' ? 'MINT' : 'TRANSFER',
        from_account: event.name === 'Minted' ? null : (payload.from ?? null),
        to_account: to,
        amount: payload.amount,
        at: input.blockTime ?? null,
      },
    },
  ];
}

/**
 * Assets, their history, token accounts and transfers of the sample chaincode, under whichever
 * names it is deployed as. Keys tell record types apart: `asset:<id>`, `balance:<account>`.
 */
export function createSampleProjector(chaincodes: readonly string[]): Projector {
  const names = new Set(chaincodes);
  return {
    name: 'sample',
    wants: (namespace) => names.has(namespace),
    project(input) {
      const changes: RowChange[] = [];
      let touchedBalances = false;
      for (const w of input.writes) {
        if (w.key.startsWith('asset:')) changes.push(...assetChanges(input, w.namespace, w.key, w.value, w.isDelete));
        else if (w.key.startsWith('balance:') && !w.isDelete) {
          changes.push(...tokenChanges(input, w.namespace, w.value));
          touchedBalances = true;
        }
      }
      const chaincode = input.writes[0]?.namespace;
      if (touchedBalances && chaincode) changes.push(...transferRow(input, chaincode));
      return changes;
    },
  };
}
