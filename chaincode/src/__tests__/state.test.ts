import { describe, expect, it } from '@jest/globals';

import { ASSET_KEY_PREFIX, BALANCE_KEY_PREFIX, assetKey, balanceKey, emitEvent, readRecord, writeRecord } from '../state';
import { txTimestampIso } from '../txTime';
import { FakeLedger, caIdentity } from './fakes';

const someone = caIdentity('Org1MSP', 'someone');

describe('key layout', () => {
  it('is <type>:<id>, plain text, so an indexer can tell records apart by key', () => {
    expect(assetKey('a1')).toBe('asset:a1');
    expect(balanceKey('Org1MSP/user1')).toBe('balance:Org1MSP/user1');
    expect([ASSET_KEY_PREFIX, BALANCE_KEY_PREFIX]).toEqual(['asset:', 'balance:']);
  });

  it('splits back into type and id at the first colon, even when the id has colons', () => {
    const key = assetKey('ns:item:7');
    const type = key.slice(0, key.indexOf(':'));

    expect([type, key.slice(type.length + 1)]).toEqual(['asset', 'ns:item:7']);
  });
});

describe('records', () => {
  it('are written as canonical JSON and read back', async () => {
    const ledger = new FakeLedger();
    const { stub } = ledger.begin(someone);
    await writeRecord(stub, 'asset:x', { b: [2, 1], a: { d: 1, c: 2 } });
    ledger.commit(stub);

    expect(ledger.text('asset:x')).toBe('{"a":{"c":2,"d":1},"b":[2,1]}');
    expect(await readRecord(ledger.begin(someone).stub, 'asset:x')).toEqual({ a: { c: 2, d: 1 }, b: [2, 1] });
  });

  it('read as undefined when the key is empty', async () => {
    expect(await readRecord(new FakeLedger().begin(someone).stub, 'asset:none')).toBeUndefined();
  });

  it('that are not JSON are INTERNAL', async () => {
    const ledger = new FakeLedger();
    ledger.seed('asset:x', 'not json');

    await expect(readRecord(ledger.begin(someone).stub, 'asset:x')).rejects.toThrow('INTERNAL: state under asset:x is not JSON');
  });

  it('events carry canonical JSON too', () => {
    const { stub } = new FakeLedger().begin(someone);
    emitEvent(stub, 'Something', { z: 1, a: 2 });

    expect(stub.events).toEqual([{ name: 'Something', payload: '{"a":2,"z":1}' }]);
  });
});

describe('txTimestampIso', () => {
  it('renders the transaction timestamp (seconds as a Long, plus nanos) in ISO-8601', () => {
    const { stub } = new FakeLedger().begin(someone); // first transaction: 1700000001 s + 0.5 s

    expect(txTimestampIso(stub)).toBe('2023-11-14T22:13:21.500Z');
  });
});
