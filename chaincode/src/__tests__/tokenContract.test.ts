import './quietLogs';

import { beforeEach, describe, expect, it } from '@jest/globals';

import { MAX_UINT64 } from '../amount';
import { TokenContract } from '../tokenContract';
import { FakeLedger, caIdentity, expectRefusedOn, fakeIdentity, type FakeIdentity } from './fakes';

const tokens = new TokenContract();

// A caller's account is their owner string `<MSP ID>/<enrollment ID>`.
const admin = caIdentity('Org1MSP', 'org1admin', { role: 'admin' });
const alice = caIdentity('Org1MSP', 'alice'); // account Org1MSP/alice
const bob = caIdentity('Org2MSP', 'bob'); // account Org2MSP/bob
const unnamed = fakeIdentity({ mspId: 'Org1MSP', cn: 'has spaces' });

const MAX = MAX_UINT64.toString(); // 18446744073709551615

let ledger: FakeLedger;

beforeEach(() => {
  ledger = new FakeLedger();
});

async function balanceOf(account: string): Promise<string> {
  const { ctx } = ledger.begin(bob);
  return tokens.BalanceOf(ctx, account);
}

async function mint(account: string, amount: string): Promise<void> {
  await ledger.submit(admin, (ctx) => tokens.Mint(ctx, account, amount));
}

/** Runs a call that must fail, and checks it wrote nothing and emitted nothing. */
function expectRefused(identity: FakeIdentity, call: Parameters<FakeLedger['submit']>[1], message: string | RegExp): Promise<void> {
  return expectRefusedOn(ledger, identity, call, message);
}

describe('Mint(account, amount)', () => {
  it('credits the account (admin only), stores {account, balance} under balance:<account> and returns the balance', async () => {
    const { result, stub } = await ledger.submit(admin, (ctx) => tokens.Mint(ctx, 'Org1MSP/alice', '100'));

    expect(result).toBe('100');
    expect(ledger.text('balance:Org1MSP/alice')).toBe('{"account":"Org1MSP/alice","balance":"100"}');
    expect(stub.lastEvent()).toEqual({ name: 'Minted', payload: { account: 'Org1MSP/alice', amount: '100', balance: '100' } });
    expect(stub.events).toHaveLength(1);
  });

  it('adds to what the account already holds', async () => {
    await mint('Org1MSP/alice', '100');
    const { result } = await ledger.submit(admin, (ctx) => tokens.Mint(ctx, 'Org1MSP/alice', '23'));

    expect(result).toBe('123');
    expect(await balanceOf('Org1MSP/alice')).toBe('123');
  });

  it('goes up to exactly 2^64-1', async () => {
    await mint('Org1MSP/alice', '1');
    await mint('Org1MSP/alice', (MAX_UINT64 - 1n).toString());

    expect(await balanceOf('Org1MSP/alice')).toBe(MAX);
  });

  it('refuses callers without role=admin: FORBIDDEN', async () => {
    await expectRefused(alice, (ctx) => tokens.Mint(ctx, 'Org1MSP/alice', '100'), 'FORBIDDEN: only an identity with role=admin may mint');
  });

  it('refuses a balance above 2^64-1: INVALID_ARGUMENT (overflow)', async () => {
    await mint('Org1MSP/alice', MAX);

    await expectRefused(admin, (ctx) => tokens.Mint(ctx, 'Org1MSP/alice', '1'), 'INVALID_ARGUMENT: balance overflow: Org1MSP/alice would hold more than 18446744073709551615');
  });

  it.each([
    ['zero', '0', 'must be a positive integer'],
    ['a leading zero', '010', 'must be a positive integer'],
    ['a sign', '+5', 'must be a positive integer'],
    ['a negative number', '-5', 'must be a positive integer'],
    ['a fraction', '1.5', 'must be a positive integer'],
    ['an exponent', '1e3', 'must be a positive integer'],
    ['whitespace', ' 5', 'must be a positive integer'],
    ['an empty string', '', 'must be a positive integer'],
    ['2^64', (MAX_UINT64 + 1n).toString(), 'overflow: at most 18446744073709551615'],
    ['a hundred digits', '9'.repeat(100), 'overflow'],
  ])('refuses an amount with %s: INVALID_ARGUMENT', async (_case, amount, message) => {
    await expectRefused(admin, (ctx) => tokens.Mint(ctx, 'Org1MSP/alice', amount), `INVALID_ARGUMENT: amount ${message}`);
  });

  it.each(['alice', 'Org1MSP/', '/alice', 'Org1MSP/alice/x', 'Org1MSP/al ice'])('refuses the account %j: INVALID_ARGUMENT', async (account) => {
    await expectRefused(admin, (ctx) => tokens.Mint(ctx, account, '1'), 'INVALID_ARGUMENT: account must be <MSP ID>/<enrollment ID>');
  });
});

describe('Transfer(toAccount, amount)', () => {
  beforeEach(async () => {
    await mint('Org1MSP/alice', '100');
  });

  it("moves tokens from the caller's own account and returns what the caller has left", async () => {
    const { result, stub } = await ledger.submit(alice, (ctx) => tokens.Transfer(ctx, 'Org2MSP/bob', '30'));

    expect(result).toBe('70');
    expect(await balanceOf('Org1MSP/alice')).toBe('70');
    expect(await balanceOf('Org2MSP/bob')).toBe('30');
    expect(stub.lastEvent()).toEqual({ name: 'Transferred', payload: { from: 'Org1MSP/alice', to: 'Org2MSP/bob', amount: '30' } });
    expect(stub.events).toHaveLength(1);
  });

  it('writes both balances in one transaction; an emptied account keeps a "0" record', async () => {
    const { stub } = await ledger.submit(alice, (ctx) => tokens.Transfer(ctx, 'Org2MSP/bob', '100'));

    expect([...stub.writeSet.keys()]).toEqual(['balance:Org1MSP/alice', 'balance:Org2MSP/bob']);
    expect(ledger.text('balance:Org1MSP/alice')).toBe('{"account":"Org1MSP/alice","balance":"0"}');
  });

  it('refuses more than the caller holds: INSUFFICIENT_FUNDS', async () => {
    await expectRefused(alice, (ctx) => tokens.Transfer(ctx, 'Org2MSP/bob', '101'), 'INSUFFICIENT_FUNDS: Org1MSP/alice holds 100, cannot transfer 101');
  });

  it('refuses a caller with no tokens at all: INSUFFICIENT_FUNDS', async () => {
    await expectRefused(bob, (ctx) => tokens.Transfer(ctx, 'Org1MSP/alice', '1'), 'INSUFFICIENT_FUNDS: Org2MSP/bob holds 0');
  });

  it('refuses a transfer to the caller itself: INVALID_ARGUMENT', async () => {
    await expectRefused(alice, (ctx) => tokens.Transfer(ctx, 'Org1MSP/alice', '1'), 'INVALID_ARGUMENT: cannot transfer from Org1MSP/alice to itself');
  });

  it('refuses to push the receiver above 2^64-1: INVALID_ARGUMENT (overflow)', async () => {
    await mint('Org2MSP/bob', MAX);

    await expectRefused(alice, (ctx) => tokens.Transfer(ctx, 'Org2MSP/bob', '1'), 'INVALID_ARGUMENT: balance overflow: Org2MSP/bob would hold more than');
  });

  it('refuses bad arguments: INVALID_ARGUMENT', async () => {
    await expectRefused(alice, (ctx) => tokens.Transfer(ctx, 'bob', '1'), 'INVALID_ARGUMENT: toAccount must be <MSP ID>/<enrollment ID>');
    await expectRefused(alice, (ctx) => tokens.Transfer(ctx, 'Org2MSP/bob', '0'), 'INVALID_ARGUMENT: amount must be a positive integer');
  });

  it('refuses a caller whose certificate yields no account: FORBIDDEN', async () => {
    await expectRefused(unnamed, (ctx) => tokens.Transfer(ctx, 'Org2MSP/bob', '1'), /^FORBIDDEN: /);
  });

  it('admins transfer from their own account like anyone else', async () => {
    await expectRefused(admin, (ctx) => tokens.Transfer(ctx, 'Org2MSP/bob', '1'), 'INSUFFICIENT_FUNDS: Org1MSP/org1admin holds 0');
  });
});

describe('BalanceOf(account)', () => {
  it("returns a decimal string, '0' for an account never credited", async () => {
    await mint('Org1MSP/alice', MAX);

    expect(await balanceOf('Org1MSP/alice')).toBe('18446744073709551615');
    expect(await balanceOf('Org2MSP/nobody')).toBe('0');
  });

  it('accepts enrollment IDs with @ (cryptogen and e-mail style)', async () => {
    await mint('Org1MSP/User1@org1.example.com', '5');

    expect(await balanceOf('Org1MSP/User1@org1.example.com')).toBe('5');
  });

  it('refuses a malformed account: INVALID_ARGUMENT', async () => {
    await expect(balanceOf('Org1MSP')).rejects.toThrow('INVALID_ARGUMENT: account must be <MSP ID>/<enrollment ID>');
  });

  it('reports state that is not a balance as INTERNAL', async () => {
    ledger.seed('balance:Org1MSP/alice', '{"account":"Org1MSP/alice","balance":"-1"}');
    ledger.seed('balance:Org1MSP/bob', '{"account":"Org1MSP/someone-else","balance":"1"}');

    await expect(balanceOf('Org1MSP/alice')).rejects.toThrow('INTERNAL: state under balance:Org1MSP/alice holds no valid balance');
    await expect(balanceOf('Org1MSP/bob')).rejects.toThrow('INTERNAL: state under balance:Org1MSP/bob is not a balance');
  });
});
