import { AppError, ErrorCode } from '../common/errors';
import type { LedgerClient, LedgerRequest } from './ledgerClient';
import { decodeBlockNumber, decodeProcessedTransaction, isTransactionNotFound, lookupTransaction } from './submittedTransactions';

const identity = { key: 'alice', mspId: 'Org1MSP', certificate: 'cert', privateKey: 'key' };

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** `ProcessedTransaction { envelope = 1 (bytes), validationCode = 2 }`, zero left out as proto3 does. */
function processed(code: number): Buffer {
  const envelope = [0x0a, 3, 1, 2, 3];
  return Buffer.from(code === 0 ? envelope : [...envelope, 0x10, ...varint(code)]);
}

/** `Block { header = 1 { number = 1, previous_hash = 2 }, data = 2 }`. */
function block(number: number): Buffer {
  const header = [0x08, ...varint(number), 0x12, 2, 9, 9];
  return Buffer.from([0x0a, header.length, ...header, 0x12, 0]);
}

const notFound = (txId: string): AppError =>
  new AppError(ErrorCode.ENDORSEMENT_FAILED, 'the transaction was not endorsed', {
    phase: 'evaluate',
    mayCommit: false,
    peers: [{ peer: 'peer0.org1.example.com', status: 500, message: `Failed to get transaction with id ${txId}, error no such transaction ID [${txId}] in index` }],
  });
const unreachable = new AppError(ErrorCode.LEDGER_UNAVAILABLE, 'no peer could endorse the transaction', {
  phase: 'evaluate',
  mayCommit: false,
  peers: [{ peer: 'peer0.org1.example.com', status: 'grpc', message: 'failed to connect before the deadline' }],
});

function ledgerAnswering(answer: (request: LedgerRequest) => Promise<Buffer>): LedgerClient & { asked: LedgerRequest[] } {
  const asked: LedgerRequest[] = [];
  return {
    asked,
    submit: () => Promise.reject(new Error('not used')),
    evaluate: (_identity, request) => {
      asked.push(request);
      return answer(request);
    },
    close: () => Promise.resolve(),
  };
}

describe('decoding qscc answers by hand', () => {
  it('reads the validation code of a ProcessedTransaction, a missing one being VALID', () => {
    expect(decodeProcessedTransaction(processed(0))).toEqual({ validationCode: 'VALID', isValid: true });
    expect(decodeProcessedTransaction(processed(11))).toEqual({ validationCode: 'MVCC_READ_CONFLICT', isValid: false });
    expect(decodeProcessedTransaction(processed(254))).toMatchObject({ isValid: false });
  });

  it('reads the number of a block', () => {
    expect(decodeBlockNumber(block(0))).toBe(0n);
    expect(decodeBlockNumber(block(300))).toBe(300n);
  });
});

describe('looking a transaction up by id', () => {
  it('finds a valid one with its block, asking qscc on the channel', async () => {
    const ledger = ledgerAnswering((r) => Promise.resolve(r.fn === 'GetTransactionByID' ? processed(0) : block(42)));
    await expect(lookupTransaction(ledger, identity, 'mychannel', 'tx1')).resolves.toEqual({ found: true, validationCode: 'VALID', isValid: true, blockNumber: 42n });
    expect(ledger.asked).toEqual([
      { channel: 'mychannel', chaincode: 'qscc', fn: 'GetTransactionByID', args: ['mychannel', 'tx1'] },
      { channel: 'mychannel', chaincode: 'qscc', fn: 'GetBlockByTxID', args: ['mychannel', 'tx1'] },
    ]);
  });

  it('reports an invalid one without its block', async () => {
    const ledger = ledgerAnswering(() => Promise.resolve(processed(11)));
    await expect(lookupTransaction(ledger, identity, 'mychannel', 'tx2')).resolves.toEqual({ found: true, validationCode: 'MVCC_READ_CONFLICT', isValid: false });
    expect(ledger.asked).toHaveLength(1);
  });

  it('is "not found" only when a peer answered so', async () => {
    await expect(lookupTransaction(ledgerAnswering(() => Promise.reject(notFound('tx3'))), identity, 'mychannel', 'tx3')).resolves.toEqual({ found: false });
    expect(isTransactionNotFound(notFound('tx3'))).toBe(true);
  });

  it('rejects when no peer answered: unreachable is never "not found"', async () => {
    expect(isTransactionNotFound(unreachable)).toBe(false);
    expect(isTransactionNotFound(new Error('no such transaction ID [x] in index'))).toBe(false);
    await expect(lookupTransaction(ledgerAnswering(() => Promise.reject(unreachable)), identity, 'mychannel', 'tx4')).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
  });
});
