import type { LedgerBlock } from '../ledgerBlock';

/** A block of one valid transaction that writes `value` to key `k<number>` of `assets`. */
export function blockWithWrite(number: bigint, value = `v${number}`): LedgerBlock {
  return {
    channel: 'mychannel',
    number,
    hash: `h${number}`,
    previousHash: number === 0n ? '' : `h${number - 1n}`,
    dataHash: `d${number}`,
    isConfig: false,
    createdAt: new Date(Date.UTC(2026, 11, 6, 0, 0, Number(number % 60n))),
    transactions: [
      {
        index: 0,
        txId: `tx${number}`,
        type: 'ENDORSER_TRANSACTION',
        validationCode: 'VALID',
        isValid: true,
        creator: { mspId: 'Org1MSP', id: 'user1' },
        endorsers: [{ mspId: 'Org1MSP', id: 'peer0' }],
        chaincode: 'assets',
        fn: 'CreateAsset',
        createdAt: undefined,
        reads: [{ namespace: 'assets', key: `k${number}`, version: { block: number, tx: 0 } }],
        writes: [{ namespace: 'assets', key: `k${number}`, isDelete: false, value: Buffer.from(value) }],
        event: { chaincode: 'assets', name: 'Created', payload: Buffer.from(`e${number}`) },
      },
    ],
  };
}
