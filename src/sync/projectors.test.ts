import type { LedgerTransaction, LedgerWrite } from '../ledger';
import { createSampleProjector, stateProjector } from './projectors';

const at = new Date('2026-01-01T00:00:00Z');
const tx = (overrides: Partial<LedgerTransaction>): LedgerTransaction => ({
  index: 2,
  txId: 'tx1',
  type: 'ENDORSER_TRANSACTION',
  validationCode: 'VALID',
  isValid: true,
  creator: { mspId: 'Org1MSP', id: 'user1' },
  endorsers: [],
  chaincode: 'sample',
  fn: 'assets:CreateAsset',
  createdAt: at,
  reads: [],
  writes: [],
  event: undefined,
  ...overrides,
});
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const write = (key: string, value?: unknown): LedgerWrite => ({ namespace: 'sample', key, isDelete: value === undefined, value: value === undefined ? undefined : json(value) });

describe('the sample projector', () => {
  const projector = createSampleProjector(['sample']);
  const input = (t: LedgerTransaction, writes: LedgerWrite[]) => ({ channel: 'ch', blockNumber: 7n, blockTime: at, tx: t, writes });

  it('only wants the namespaces it was given', () => {
    expect(projector.wants('sample')).toBe(true);
    expect(projector.wants('_lifecycle')).toBe(false);
  });

  it('makes an asset row and a history row from an asset write', () => {
    const asset = { id: 'a1', kind: 'car', owner: 'Org1MSP/user1', attributes: { colour: 'red' }, version: 1 };
    const changes = projector.project(input(tx({ event: { chaincode: 'sample', name: 'AssetCreated', payload: json(asset) } }), [write('asset:a1', asset)]));
    expect(changes.map((c) => [c.kind, c.table])).toEqual([['upsert', 'assets'], ['insert', 'asset_history']]);
    expect(changes[0]?.row).toMatchObject({ channel: 'ch', chaincode: 'sample', id: 'a1', owner: 'Org1MSP/user1', created_block: 7n, updated_tx_id: 'tx1' });
    expect(changes[1]?.row).toMatchObject({ asset_id: 'a1', action: 'CREATED', block_number: 7n, tx_index: 2 });
  });

  it('marks a deleted asset and records its last state in the history', () => {
    const before = { id: 'a1', kind: 'car', owner: 'Org1MSP/user1', attributes: {}, version: 3 };
    const changes = projector.project(input(tx({ event: { chaincode: 'sample', name: 'AssetDeleted', payload: json(before) } }), [write('asset:a1')]));
    expect(changes[0]).toMatchObject({ kind: 'update', table: 'assets', row: { id: 'a1', deleted: true, updated_block: 7n } });
    expect(changes[1]?.row).toMatchObject({ action: 'DELETED', version: 3 });
  });

  it('keeps exact balances and records a transfer from the event', () => {
    const big = '18446744073709551615';
    const changes = projector.project(
      input(tx({ event: { chaincode: 'sample', name: 'Transferred', payload: json({ from: 'Org1MSP/a', to: 'Org2MSP/b', amount: big }) } }), [
        write('balance:Org1MSP/a', { account: 'Org1MSP/a', balance: '0' }),
        write('balance:Org2MSP/b', { account: 'Org2MSP/b', balance: big }),
      ]),
    );
    expect(changes.map((c) => c.table)).toEqual(['token_accounts', 'token_accounts', 'token_transfers']);
    expect(changes[1]?.row.balance).toBe(big);
    expect(changes[2]?.row).toMatchObject({ kind: 'TRANSFER', from_account: 'Org1MSP/a', to_account: 'Org2MSP/b', amount: big });
  });
});

describe('the state projector', () => {
  it('keeps the latest value of every key, newest by block and transaction', () => {
    const [change] = stateProjector.project({ channel: 'ch', blockNumber: 9n, blockTime: at, tx: tx({}), writes: [write('anything', { a: 1 })] });
    expect(change).toMatchObject({ kind: 'upsert', table: 'state', guard: ['block_number', 'tx_index'], row: { namespace: 'sample', key: 'anything', block_number: 9n, tx_index: 2 } });
  });
});
