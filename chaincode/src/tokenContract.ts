import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';

import { ChaincodeError, ChaincodeErrorCode, invalid } from './errors';
import { callerAccount, isAdmin } from './identity';
import { balanceKey, emit, readJson, writeJson } from './state';
import { checkAccount, checkAmount, MAX_AMOUNT } from './validate';

interface Balance {
  readonly account: string;
  /** Decimal string: balances go up to 2^64-1, beyond what a JSON number holds exactly. */
  readonly balance: string;
}

@Info({ title: 'tokens', description: 'A fungible token with integer amounts' })
export class TokenContract extends Contract {
  constructor() {
    super('tokens');
  }

  @Transaction()
  @Returns('string')
  async Mint(ctx: Context, account: string, amount: string): Promise<string> {
    checkAccount(account);
    const value = checkAmount(amount);
    if (!isAdmin(ctx)) throw new ChaincodeError(ChaincodeErrorCode.FORBIDDEN, 'only an identity with role=admin may mint');
    const balance = (await balanceOf(ctx, account)) + value;
    if (balance > MAX_AMOUNT) throw invalid(`balance overflow: ${account} would hold more than ${MAX_AMOUNT.toString()}`);
    await writeBalance(ctx, account, balance);
    emit(ctx.stub, 'Minted', { account, amount: value.toString(), balance: balance.toString() });
    return balance.toString();
  }

  @Transaction()
  @Returns('string')
  async Transfer(ctx: Context, toAccount: string, amount: string): Promise<string> {
    checkAccount(toAccount, 'toAccount');
    const value = checkAmount(amount);
    const from = callerAccount(ctx);
    if (from === toAccount) throw invalid('cannot transfer to the same account');
    const fromBalance = await balanceOf(ctx, from);
    if (fromBalance < value) {
      throw new ChaincodeError(ChaincodeErrorCode.INSUFFICIENT_FUNDS, `${from} holds ${fromBalance.toString()}, needs ${value.toString()}`);
    }
    const toBalance = (await balanceOf(ctx, toAccount)) + value;
    if (toBalance > MAX_AMOUNT) throw invalid(`balance overflow: ${toAccount} would hold more than ${MAX_AMOUNT.toString()}`);
    await writeBalance(ctx, from, fromBalance - value);
    await writeBalance(ctx, toAccount, toBalance);
    emit(ctx.stub, 'Transferred', { from, to: toAccount, amount: value.toString() });
    return (fromBalance - value).toString();
  }

  @Transaction(false)
  @Returns('string')
  async BalanceOf(ctx: Context, account: string): Promise<string> {
    checkAccount(account);
    return (await balanceOf(ctx, account)).toString();
  }
}

async function balanceOf(ctx: Context, account: string): Promise<bigint> {
  const stored = await readJson<Balance>(ctx.stub, balanceKey(account));
  return stored ? BigInt(stored.balance) : 0n;
}

async function writeBalance(ctx: Context, account: string, balance: bigint): Promise<void> {
  const value: Balance = { account, balance: balance.toString() };
  await writeJson(ctx.stub, balanceKey(account), value);
}
