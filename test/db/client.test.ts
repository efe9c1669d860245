/**
 * The generated Prisma client through src/store against a migrated database: rows of the ledger
 * tables round-trip exactly (bigint, bytea, jsonb, numeric(20,0), timestamptz) and relations work
 * (channel -> checkpoint; the bulk tables of the ledger index are joined by key, without foreign keys).
 */
import { createPrismaClient, Prisma, type PrismaClient } from '../../src/store';
import { createIsolatedDatabase, type IsolatedDatabase } from './isolatedDatabase';

jest.setTimeout(120_000);

const MAX_INT64 = 9_223_372_036_854_775_807n;
const MAX_UINT64 = '18446744073709551615';

describe('store: Prisma client', () => {
  let db: IsolatedDatabase;
  let prisma: PrismaClient;

  beforeAll(async () => {
    db = await createIsolatedDatabase('db_client');
    prisma = createPrismaClient({ databaseUrl: db.url, maxConnections: 2 });
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  test('a channel with its checkpoint, a block and a transaction round-trip exactly', async () => {
    const at = new Date('2024-05-06T07:08:09.123Z');
    await prisma.channel.create({
      data: {
        name: 'mychannel',
        checkpoint: { create: { nextBlock: MAX_INT64, lastBlockHash: 'ab'.repeat(32) } },
      },
    });
    await prisma.block.create({
      data: {
        channel: 'mychannel',
        number: MAX_INT64,
        hash: 'ab'.repeat(32),
        previousHash: 'cd'.repeat(32),
        dataHash: 'ef'.repeat(32),
        txCount: 1,
        isConfig: false,
        createdAt: at,
      },
    });
    // The bulk tables have no foreign keys (the sync worker writes parents and children in one
    // transaction): they are joined by key, not through Prisma relations.
    const txKey = { channel: 'mychannel', blockNumber: MAX_INT64, txIndex: 0 };
    await prisma.transaction.create({
      data: {
        ...txKey,
        txId: 'f'.repeat(64),
        type: 'ENDORSER_TRANSACTION',
        validationCode: 'VALID',
        isValid: true,
        creatorMspId: 'Org1MSP',
        creatorId: 'x509::CN=user1',
        endorsers: [{ mspId: 'Org1MSP' }, { mspId: 'Org2MSP', id: 'peer0' }],
        chaincode: 'sample',
        function: 'assets:CreateAsset',
        createdAt: at,
      },
    });
    await prisma.txWrite.create({ data: { ...txKey, namespace: 'sample', key: 'asset:a1', isDelete: false, value: Uint8Array.from([0, 1, 254, 255]) } });
    await prisma.txRead.create({ data: { ...txKey, namespace: 'sample', key: 'asset:a1', versionBlock: null, versionTx: null } });
    await prisma.chaincodeEvent.create({ data: { ...txKey, chaincode: 'sample', eventName: 'AssetCreated', payload: Buffer.from('{"id":"a1"}') } });

    const block = await prisma.block.findUniqueOrThrow({
      where: { channel_number: { channel: 'mychannel', number: MAX_INT64 } },
      include: { channelRef: { include: { checkpoint: true } } },
    });
    expect(block.number).toBe(MAX_INT64);
    expect(block.createdAt).toEqual(at);
    expect(block.indexedAt).toBeInstanceOf(Date);
    expect(block.channelRef.checkpoint?.nextBlock).toBe(MAX_INT64);

    const transactions = await prisma.transaction.findMany({ where: { channel: block.channel, blockNumber: block.number } });
    expect(transactions).toHaveLength(1);
    const tx = transactions[0];
    if (!tx) throw new Error('no transaction');
    expect(tx.blockNumber).toBe(MAX_INT64);
    expect(tx.endorsers).toEqual([{ mspId: 'Org1MSP' }, { mspId: 'Org2MSP', id: 'peer0' }]);
    expect(tx.createdAt).toEqual(at);
    const writes = await prisma.txWrite.findMany({ where: txKey });
    const reads = await prisma.txRead.findMany({ where: txKey });
    const event = await prisma.chaincodeEvent.findUnique({ where: { channel_blockNumber_txIndex: txKey } });
    expect(writes.map((w) => [w.key, Array.from(w.value ?? [])])).toEqual([['asset:a1', [0, 1, 254, 255]]]);
    expect(reads.map((r) => [r.key, r.versionBlock, r.versionTx])).toEqual([['asset:a1', null, null]]);
    expect(Buffer.from(event?.payload ?? []).toString()).toBe('{"id":"a1"}');
  });

  test('a transaction without endorsers gets the default []', async () => {
    await prisma.transaction.create({
      data: {
        channel: 'mychannel',
        blockNumber: MAX_INT64,
        txIndex: 1,
        txId: 'f'.repeat(64), // the same id again: DUPLICATE_TXID rows are allowed
        type: 'ENDORSER_TRANSACTION',
        validationCode: 'DUPLICATE_TXID',
        isValid: false,
      },
    });
    const dup = await prisma.transaction.findMany({ where: { txId: 'f'.repeat(64) }, orderBy: { txIndex: 'asc' } });
    expect(dup.map((t) => [t.txIndex, t.validationCode])).toEqual([
      [0, 'VALID'],
      [1, 'DUPLICATE_TXID'],
    ]);
    expect(dup[1]?.endorsers).toEqual([]);
  });

  test('numeric(20,0) keeps the largest uint64 balance exactly', async () => {
    await prisma.tokenAccount.create({
      data: {
        channel: 'mychannel',
        chaincode: 'sample',
        account: 'alice',
        balance: new Prisma.Decimal(MAX_UINT64),
        updatedBlock: 7n,
        updatedTxId: 'a'.repeat(64),
      },
    });
    await prisma.tokenTransfer.create({
      data: {
        channel: 'mychannel',
        chaincode: 'sample',
        blockNumber: 7n,
        txIndex: 0,
        txId: 'a'.repeat(64),
        kind: 'MINT',
        toAccount: 'alice',
        amount: MAX_UINT64,
      },
    });
    const account = await prisma.tokenAccount.findUniqueOrThrow({
      where: { channel_chaincode_account: { channel: 'mychannel', chaincode: 'sample', account: 'alice' } },
    });
    expect(account.balance.toFixed()).toBe(MAX_UINT64);
    const richest = await prisma.tokenAccount.findFirst({ where: { balance: { gte: MAX_UINT64 } } });
    expect(richest?.account).toBe('alice');
    const mint = await prisma.tokenTransfer.findFirstOrThrow({ where: { toAccount: 'alice' } });
    expect(mint.amount.toFixed()).toBe(MAX_UINT64);
    expect(mint.fromAccount).toBeNull();
  });

  test('an asset keeps its jsonb attributes; deleted defaults to false', async () => {
    const attributes = { color: 'blue', size: 5, tags: ['a', 'b'], nested: { ok: true, none: null } };
    await prisma.asset.create({
      data: {
        channel: 'mychannel',
        chaincode: 'sample',
        id: 'a1',
        kind: 'car',
        owner: 'Org1MSP:user1',
        attributes,
        version: 1,
        createdBlock: 3n,
        createdTxId: 'b'.repeat(64),
        updatedBlock: 3n,
        updatedTxId: 'b'.repeat(64),
      },
    });
    const asset = await prisma.asset.findUniqueOrThrow({ where: { channel_chaincode_id: { channel: 'mychannel', chaincode: 'sample', id: 'a1' } } });
    expect(asset.attributes).toEqual(attributes);
    expect(asset.deleted).toBe(false);
    expect(asset.updatedAt).toBeNull();
  });

  test('a block and its rows are deleted table by table (no foreign keys, so no cascade)', async () => {
    const rows = { channel: 'mychannel', blockNumber: MAX_INT64 };
    await prisma.$transaction([
      prisma.chaincodeEvent.deleteMany({ where: rows }),
      prisma.txWrite.deleteMany({ where: rows }),
      prisma.txRead.deleteMany({ where: rows }),
      prisma.transaction.deleteMany({ where: rows }),
      prisma.block.delete({ where: { channel_number: { channel: 'mychannel', number: MAX_INT64 } } }),
    ]);
    expect(await prisma.transaction.count()).toBe(0);
    expect(await prisma.txWrite.count()).toBe(0);
    expect(await prisma.txRead.count()).toBe(0);
    expect(await prisma.chaincodeEvent.count()).toBe(0);
  });

  test('a channel that still has blocks cannot be deleted', async () => {
    await prisma.block.create({
      data: { channel: 'mychannel', number: 0n, hash: '00', previousHash: '', dataHash: '11', txCount: 0, isConfig: true },
    });
    await expect(prisma.channel.delete({ where: { name: 'mychannel' } })).rejects.toThrow();
  });
});
