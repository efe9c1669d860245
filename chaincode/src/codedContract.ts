import { Context, Contract } from 'fabric-contract-api';

import { ChaincodeError, toChaincodeError } from './errors';

/**
 * Base for this chaincode's contracts: whatever goes wrong inside a transaction function reaches
 * the client as `<CODE>: <detail>`. (Argument-count mismatches are refused by fabric-contract-api
 * before the contract runs, with its own uncoded message; see README.)
 */
export abstract class CodedContract extends Contract {
  override aroundTransaction(...args: Parameters<Contract['aroundTransaction']>): Promise<void> {
    // The base class resolves with the transaction's result although it is typed as void; the
    // promise is passed on untouched so that result still reaches the client.
    return super.aroundTransaction(...args).catch((error: unknown) => {
      throw toChaincodeError(error);
    });
  }

  override unknownTransaction(ctx: Context): Promise<void> {
    const { fcn } = ctx.stub.getFunctionAndParameters();
    // fcn is "<contract>:<function>" or just "<function>" for the default contract.
    const name = fcn.slice(fcn.indexOf(':') + 1).slice(0, 100);
    return Promise.reject(new ChaincodeError('UNKNOWN_FUNCTION', `contract ${this.getName()} has no function ${JSON.stringify(name)}`));
  }
}
