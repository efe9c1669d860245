import { Context, Info, Returns, Transaction } from 'fabric-contract-api';

import { addToBalance, parseAmount, parseStoredBalance } from './amount';
import { isRecord } from './canonicalJson';
import { CodedContract } from './codedContract';
import { ChaincodeError, invalidArgument } from './errors';
import { isAdmin, ownerOf } from './identity';
import { balanceKey, emitEvent, readRecord, writeRecord } from './state';
import { requireOwner } from './validate';

/** A balance as stored under `balance:<account>`; decimal string because balances reach 2^64-1. */
export interface BalanceRecord {
  readonly account: string;
  readonly balance: string;
}

export const TOKEN_EVENTS = { minted: 'Minted', transferred: 'Transferred' } as const;

/**
 * A fungible token. Accounts are owner strings (`<MSP ID>/<enrollment ID>`); a caller's own
 * account is the owner string of their certificate. Admins (role=admin) mint; holders transfer
 * from their own account; anyone may read a balance.
 */
@Info({ title: 'tokens', description: 'A fungible token with unsigned 64-bit integer amounts' })
export class TokenContract extends CodedContract {
  constructor() {
    super('tokens');
  }

  /** Adds `amount` to `account`. Admin only. Returns the new balance. */
  @Transaction()
  @Returns('string')
  async Mint(ctx: Context, account: string, amount: string): Promise<string> {
    requireOwner('account', account);
    const value = parseAmount('amount', amount);
    if (!isAdmin(ctx.clientIdentity)) throw new ChaincodeError('FORBIDDEN', 'only an identity with role=admin may mint');
    const balance = addToBalance(account, await readBalance(ctx, account), value);
    await writeBalance(ctx, account, balance);
    emitEvent(ctx.stub, TOKEN_EVENTS.minted, { account, amount: value.toString(), balance: balance.toString() });
    return balance.toString();
  }

  /** Moves `amount` from the caller's account to `toAccount`. Returns the caller's new balance. */
  @Transaction()
  @Returns('string')
  async Transfer(ctx: Context, toAccount: string, amount: string): Promise<string> {
    requireOwner('toAccount', toAccount);
    const value = parseAmount('amount', amount);
    const from = ownerOf(ctx.clientIdentity);
    if (from === toAccount) throw invalidArgument(`cannot transfer from ${from} to itself`);
    // Both balances are read and every check passes before either is written.
    const fromBalance = await readBalance(ctx, from);
    const toBalance = await readBalance(ctx, toAccount);
    if (fromBalance < value) {
      throw new ChaincodeError('INSUFFICIENT_FUNDS', `${from} holds ${fromBalance.toString()}, cannot transfer ${value.toString()}`);
    }
    const newToBalance = addToBalance(toAccount, toBalance, value);
    const newFromBalance = fromBalance - value;
    await writeBalance(ctx, from, newFromBalance);
    await writeBalance(ctx, toAccount, newToBalance);
    emitEvent(ctx.stub, TOKEN_EVENTS.transferred, { from, to: toAccount, amount: value.toString() });
    return newFromBalance.toString();
  }

  /** The balance of `account` as a decimal string; '0' for an account never credited. */
  @Transaction(false)
  @Returns('string')
  async BalanceOf(ctx: Context, account: string): Promise<string> {
    requireOwner('account', account);
    return (await readBalance(ctx, account)).toString();
  }
}

async function readBalance(ctx: Context, account: string): Promise<bigint> {
  const key = balanceKey(account);
  const record = await readRecord(ctx.stub, key);
  if (record === undefined) return 0n;
  if (!isRecord(record) || record.account !== account) throw new ChaincodeError('INTERNAL', `state under ${key} is not a balance`);
  return parseStoredBalance(key, record.balance);
}

async function writeBalance(ctx: Context, account: string, balance: bigint): Promise<void> {
  // An emptied account keeps a "0" record rather than being deleted, so an indexer sees the new
  // balance as a plain write like any other.
  const record: BalanceRecord = { account, balance: balance.toString() };
  await writeRecord(ctx.stub, balanceKey(account), record);
}
