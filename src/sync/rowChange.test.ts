import { foldChanges, type RowChange } from './rowChange';

const assetUpsert = (block: bigint, owner: string): RowChange => ({
  kind: 'upsert',
  table: 'assets',
  key: ['channel', 'id'],
  row: { channel: 'c', id: 'a1', owner, kind: 'car', created_block: block, updated_block: block },
  update: ['owner', 'updated_block'],
  guard: ['updated_block'],
});

describe('folding the row changes of one batch', () => {
  it('keeps one row per key, as it stands after the last change', () => {
    const folded = foldChanges([assetUpsert(1n, 'alice'), assetUpsert(2n, 'bob')]);
    expect(folded).toHaveLength(1);
    expect(folded[0]?.row).toMatchObject({ owner: 'bob', updated_block: 2n });
  });

  it('turns an update of a row created in the same batch into part of its insert', () => {
    const deletion: RowChange = {
      kind: 'update',
      table: 'assets',
      key: ['channel', 'id'],
      row: { channel: 'c', id: 'a1', deleted: true, updated_block: 3n },
      guard: ['updated_block'],
    };
    const [folded] = foldChanges([assetUpsert(1n, 'alice'), deletion]);
    expect(folded?.kind).toBe('upsert');
    expect(folded?.row).toMatchObject({ owner: 'alice', kind: 'car', created_block: 1n, deleted: true, updated_block: 3n });
    expect(folded?.kind === 'upsert' ? folded.update : []).toEqual(expect.arrayContaining(['owner', 'updated_block', 'deleted']));
  });

  it('keeps the first of repeated inserts and separates different keys and tables', () => {
    const insert = (id: string, n: number): RowChange => ({ kind: 'insert', table: 'history', key: ['id'], row: { id, n } });
    const folded = foldChanges([insert('x', 1), insert('x', 2), insert('y', 3), assetUpsert(1n, 'alice')]);
    expect(folded.map((c) => [c.table, c.row.id ?? c.row.channel, c.row.n ?? null])).toEqual([
      ['history', 'x', 1],
      ['history', 'y', 3],
      ['assets', 'a1', null],
    ]);
  });
});
