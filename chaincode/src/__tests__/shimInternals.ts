import { createRequire } from 'node:module';

import { JSONSerializer } from 'fabric-contract-api';

/**
 * fabric-shim's ChaincodeFromContract: the class `fabric-chaincode-node start|server` uses to turn
 * a peer invocation (string arguments, creator certificate) into a call on a contract class. It
 * is internal to fabric-shim and ships no type declarations, so it is loaded and typed by hand;
 * the dispatch tests use it to run the contracts exactly as the peer-facing process does.
 */
export interface ChaincodeResponse {
  readonly status: number;
  readonly message?: string;
  readonly payload?: Uint8Array;
}

export interface Chaincode {
  Invoke(stub: unknown): Promise<ChaincodeResponse>;
}

type ChaincodeFromContractClass = new (contracts: unknown[], serializers: unknown, metadata: object, title: string, version: string) => Chaincode;

const load = createRequire(__filename);
const ChaincodeFromContract = load('fabric-shim/lib/contract-spi/chaincodefromcontract') as ChaincodeFromContractClass;

/** The same serializer setup bootstrap uses when the module exports no `serializers`. */
const defaultSerializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };

export function chaincodeFor(contracts: readonly unknown[]): Chaincode {
  // It appends its system contract to the array it is given; hand it a copy.
  return new ChaincodeFromContract([...contracts], defaultSerializers, {}, 'sample-chaincode', '1.0.0');
}
