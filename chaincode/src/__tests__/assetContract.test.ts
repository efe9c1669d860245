import './quietLogs';

import { beforeEach, describe, expect, it } from '@jest/globals';

import { AssetContract } from '../assetContract';
import { FakeLedger, caIdentity, expectRefusedOn, fakeIdentity, type FakeIdentity } from './fakes';

const assets = new AssetContract();

// Who is calling. Owner strings are `<MSP ID>/<enrollment ID>`.
const alice = caIdentity('Org1MSP', 'alice'); // owner string Org1MSP/alice
const bob = caIdentity('Org2MSP', 'bob'); // owner string Org2MSP/bob
const admin = caIdentity('Org1MSP', 'org1admin', { role: 'admin' });
const cryptogenUser = fakeIdentity({ mspId: 'Org1MSP', cn: 'User1@org1.example.com' }); // no attributes: owner from the CN
const unnamed = fakeIdentity({ mspId: 'Org1MSP', cn: 'has spaces' }); // maps to no valid owner string

let ledger: FakeLedger;

beforeEach(() => {
  ledger = new FakeLedger();
});

/** alice creates asset a1 (kind car, colour blue). */
async function createA1(): Promise<void> {
  await ledger.submit(alice, (ctx) => assets.CreateAsset(ctx, 'a1', 'car', '{"colour":"blue"}'));
}

/** Runs a call that must fail, and checks it wrote nothing and emitted nothing. */
function expectRefused(identity: FakeIdentity, call: Parameters<FakeLedger['submit']>[1], message: string | RegExp): Promise<void> {
  return expectRefusedOn(ledger, identity, call, message);
}

describe('CreateAsset(id, kind, attributesJson)', () => {
  it('stores the asset under asset:<id>, owned by the caller, and returns it', async () => {
    const { result, stub } = await ledger.submit(alice, (ctx) => assets.CreateAsset(ctx, 'a1', 'car', '{"colour":"blue","doors":4}'));

    const expected = {
      attributes: { colour: 'blue', doors: 4 },
      createdBy: 'Org1MSP/alice',
      id: 'a1',
      kind: 'car',
      owner: 'Org1MSP/alice',
      updatedAt: '2023-11-14T22:13:21.500Z', // the transaction timestamp, not the wall clock
      version: 1,
    };
    expect(JSON.parse(result)).toEqual(expected);
    expect(JSON.parse(ledger.text('asset:a1') ?? 'null')).toEqual(expected);
    expect(stub.lastEvent()).toEqual({ name: 'AssetCreated', payload: expected });
    expect(stub.events).toHaveLength(1);
  });

  it('writes sorted keys at every depth, whatever order the attributes came in', async () => {
    await ledger.submit(alice, (ctx) => assets.CreateAsset(ctx, 'a1', 'car', '{"z":1,"a":{"y":[{"d":1,"c":2}],"b":null}}'));

    expect(ledger.text('asset:a1')).toBe(
      '{"attributes":{"a":{"b":null,"y":[{"c":2,"d":1}]},"z":1},"createdBy":"Org1MSP/alice","id":"a1","kind":"car","owner":"Org1MSP/alice","updatedAt":"2023-11-14T22:13:21.500Z","version":1}',
    );
  });

  it('produces the same bytes for the same data, so endorsers agree', async () => {
    const first = new FakeLedger();
    const second = new FakeLedger();
    await first.submit(alice, (ctx) => assets.CreateAsset(ctx, 'a1', 'car', '{"b":2,"a":1}'));
    await second.submit(alice, (ctx) => assets.CreateAsset(ctx, 'a1', 'car', '{"a":1,"b":2}'));

    expect(first.text('asset:a1')).toBe(second.text('asset:a1'));
  });

  it('takes the owner from the certificate CN when there is no hf.EnrollmentID attribute', async () => {
    const { result } = await ledger.submit(cryptogenUser, (ctx) => assets.CreateAsset(ctx, 'a1', 'car', '{}'));

    expect(JSON.parse(result)).toMatchObject({ owner: 'Org1MSP/User1@org1.example.com' });
  });

  it('refuses an id that is taken: ASSET_EXISTS', async () => {
    await createA1();

    await expectRefused(bob, (ctx) => assets.CreateAsset(ctx, 'a1', 'boat', '{}'), 'ASSET_EXISTS: asset a1 already exists');
  });

  it('refuses a caller whose certificate yields no owner string: FORBIDDEN', async () => {
    await expectRefused(unnamed, (ctx) => assets.CreateAsset(ctx, 'a1', 'car', '{}'), /^FORBIDDEN: /);
  });

  it.each([
    ['an empty id', '', 'car', '{}', 'INVALID_ARGUMENT: id must be 1-64 characters'],
    ['an id with a space', 'a 1', 'car', '{}', 'INVALID_ARGUMENT: id must be'],
    ['an id with a slash', 'a/1', 'car', '{}', 'INVALID_ARGUMENT: id must be'],
    ['an id of 65 characters', 'a'.repeat(65), 'car', '{}', 'INVALID_ARGUMENT: id must be'],
    ['an empty kind', 'a1', '', '{}', 'INVALID_ARGUMENT: kind must be'],
    ['attributes that are not JSON', 'a1', 'car', '{colour: blue}', 'INVALID_ARGUMENT: attributesJson is not valid JSON'],
    ['attributes that are an array', 'a1', 'car', '[1,2]', 'INVALID_ARGUMENT: attributesJson must be a JSON object'],
    ['attributes that are null', 'a1', 'car', 'null', 'INVALID_ARGUMENT: attributesJson must be a JSON object'],
    ['attributes over 16 KiB', 'a1', 'car', JSON.stringify({ x: 'a'.repeat(16 * 1024) }), 'INVALID_ARGUMENT: attributesJson must be at most 16384 bytes'],
  ])('refuses %s: INVALID_ARGUMENT', async (_case, id, kind, attributesJson, message) => {
    await expectRefused(alice, (ctx) => assets.CreateAsset(ctx, id, kind, attributesJson), message);
  });

  it('accepts ids up to 64 characters of A-Z a-z 0-9 . _ : -', async () => {
    const id = `Ab0._:-${'x'.repeat(57)}`;
    await ledger.submit(alice, (ctx) => assets.CreateAsset(ctx, id, 'kind.v1:x-y_z', '{}'));

    expect(ledger.text(`asset:${id}`)).toBeDefined();
  });

  it('checks arguments that are not strings too (direct callers have no marshalling layer)', async () => {
    await expectRefused(alice, (ctx) => assets.CreateAsset(ctx, 42 as unknown as string, 'car', '{}'), 'INVALID_ARGUMENT: id must be a string');
  });
});

describe('UpdateAsset(id, attributesJson)', () => {
  beforeEach(createA1);

  it('lets the owner replace the attributes; the version goes up', async () => {
    const { result, stub } = await ledger.submit(alice, (ctx) => assets.UpdateAsset(ctx, 'a1', '{"doors":2}'));

    const updated = JSON.parse(result) as Record<string, unknown>;
    expect(updated).toMatchObject({ id: 'a1', attributes: { doors: 2 }, version: 2, owner: 'Org1MSP/alice', updatedAt: '2023-11-14T22:13:22.500Z' });
    expect(JSON.parse(ledger.text('asset:a1') ?? 'null')).toEqual(updated);
    expect(stub.lastEvent()).toEqual({ name: 'AssetUpdated', payload: updated });
  });

  it('lets an identity with role=admin update an asset it does not own', async () => {
    const { result } = await ledger.submit(admin, (ctx) => assets.UpdateAsset(ctx, 'a1', '{"colour":"red"}'));

    expect(JSON.parse(result)).toMatchObject({ attributes: { colour: 'red' }, owner: 'Org1MSP/alice', version: 2 });
  });

  it('refuses anyone else: FORBIDDEN', async () => {
    await expectRefused(bob, (ctx) => assets.UpdateAsset(ctx, 'a1', '{}'), 'FORBIDDEN: Org2MSP/bob may not update asset a1');
  });

  it('does not treat role=admin in another attribute, or another role value, as admin', async () => {
    const notAdmin = caIdentity('Org1MSP', 'carol', { role: 'administrator', admin: 'true' });

    await expectRefused(notAdmin, (ctx) => assets.UpdateAsset(ctx, 'a1', '{}'), /^FORBIDDEN: /);
  });

  it('refuses a missing asset: ASSET_NOT_FOUND', async () => {
    await expectRefused(alice, (ctx) => assets.UpdateAsset(ctx, 'nope', '{}'), 'ASSET_NOT_FOUND: asset nope does not exist');
  });

  it('refuses bad attributes before looking at the asset: INVALID_ARGUMENT', async () => {
    await expectRefused(bob, (ctx) => assets.UpdateAsset(ctx, 'a1', '"just a string"'), 'INVALID_ARGUMENT: attributesJson must be a JSON object');
  });
});

describe('TransferAsset(id, newOwner)', () => {
  beforeEach(createA1);

  it('lets the owner give the asset to another owner string', async () => {
    const { result, stub } = await ledger.submit(alice, (ctx) => assets.TransferAsset(ctx, 'a1', 'Org2MSP/bob'));

    const transferred = JSON.parse(result) as Record<string, unknown>;
    expect(transferred).toMatchObject({ owner: 'Org2MSP/bob', createdBy: 'Org1MSP/alice', version: 2 });
    expect(stub.lastEvent()).toEqual({ name: 'AssetTransferred', payload: transferred });

    // Now bob may change it and alice may not.
    await ledger.submit(bob, (ctx) => assets.UpdateAsset(ctx, 'a1', '{"colour":"green"}'));
    await expectRefused(alice, (ctx) => assets.UpdateAsset(ctx, 'a1', '{}'), /^FORBIDDEN: /);
  });

  it('lets an admin transfer any asset', async () => {
    const { result } = await ledger.submit(admin, (ctx) => assets.TransferAsset(ctx, 'a1', 'Org2MSP/bob'));

    expect(JSON.parse(result)).toMatchObject({ owner: 'Org2MSP/bob' });
  });

  it('refuses anyone else: FORBIDDEN', async () => {
    await expectRefused(bob, (ctx) => assets.TransferAsset(ctx, 'a1', 'Org2MSP/bob'), /^FORBIDDEN: /);
  });

  it('refuses a missing asset: ASSET_NOT_FOUND', async () => {
    await expectRefused(alice, (ctx) => assets.TransferAsset(ctx, 'a2', 'Org2MSP/bob'), /^ASSET_NOT_FOUND: /);
  });

  it.each([
    ['no MSP part', 'bob'],
    ['two slashes', 'Org2MSP/bob/x'],
    ['an empty enrollment ID', 'Org2MSP/'],
    ['a space', 'Org2MSP/bob smith'],
    ['a part over 64 characters', `Org2MSP/${'b'.repeat(65)}`],
  ])('refuses a new owner with %s: INVALID_ARGUMENT', async (_case, newOwner) => {
    await expectRefused(alice, (ctx) => assets.TransferAsset(ctx, 'a1', newOwner), 'INVALID_ARGUMENT: newOwner must be <MSP ID>/<enrollment ID>');
  });

  it('refuses a transfer to the current owner: INVALID_ARGUMENT', async () => {
    await expectRefused(alice, (ctx) => assets.TransferAsset(ctx, 'a1', 'Org1MSP/alice'), 'INVALID_ARGUMENT: asset a1 is already owned by Org1MSP/alice');
  });
});

describe('DeleteAsset(id)', () => {
  beforeEach(createA1);

  it('lets the owner delete; the event carries the asset as it was', async () => {
    const before = JSON.parse(ledger.text('asset:a1') ?? 'null') as unknown;
    const { result, stub } = await ledger.submit(alice, (ctx) => assets.DeleteAsset(ctx, 'a1'));

    expect(ledger.text('asset:a1')).toBeUndefined();
    expect(stub.writeSet.get('asset:a1')).toBeNull();
    expect(JSON.parse(result)).toEqual(before);
    expect(stub.lastEvent()).toEqual({ name: 'AssetDeleted', payload: before });
  });

  it('lets an admin delete any asset', async () => {
    await ledger.submit(admin, (ctx) => assets.DeleteAsset(ctx, 'a1'));

    expect(ledger.text('asset:a1')).toBeUndefined();
  });

  it('refuses anyone else: FORBIDDEN', async () => {
    await expectRefused(bob, (ctx) => assets.DeleteAsset(ctx, 'a1'), /^FORBIDDEN: /);
  });

  it('refuses a missing asset: ASSET_NOT_FOUND', async () => {
    await expectRefused(alice, (ctx) => assets.DeleteAsset(ctx, 'a2'), /^ASSET_NOT_FOUND: /);
  });

  it('refuses a bad id: INVALID_ARGUMENT', async () => {
    await expectRefused(alice, (ctx) => assets.DeleteAsset(ctx, 'a 1'), /^INVALID_ARGUMENT: /);
  });

  it('frees the id for a new CreateAsset, which starts again at version 1', async () => {
    await ledger.submit(alice, (ctx) => assets.DeleteAsset(ctx, 'a1'));
    const { result } = await ledger.submit(bob, (ctx) => assets.CreateAsset(ctx, 'a1', 'boat', '{}'));

    expect(JSON.parse(result)).toMatchObject({ owner: 'Org2MSP/bob', version: 1 });
  });
});

describe('ReadAsset(id) and AssetExists(id)', () => {
  it('let anyone read', async () => {
    await createA1();
    const { ctx, stub } = ledger.begin(bob);

    expect(JSON.parse(await assets.ReadAsset(ctx, 'a1'))).toMatchObject({ id: 'a1', owner: 'Org1MSP/alice' });
    expect(await assets.AssetExists(ctx, 'a1')).toBe('true');
    expect(await assets.AssetExists(ctx, 'a2')).toBe('false');
    expect(stub.writeSet.size).toBe(0);
  });

  it('ReadAsset returns the stored bytes exactly', async () => {
    await createA1();
    const { ctx } = ledger.begin(bob);

    expect(await assets.ReadAsset(ctx, 'a1')).toBe(ledger.text('asset:a1'));
  });

  it('ReadAsset refuses a missing asset: ASSET_NOT_FOUND', async () => {
    const { ctx } = ledger.begin(bob);

    await expect(assets.ReadAsset(ctx, 'a1')).rejects.toThrow('ASSET_NOT_FOUND: asset a1 does not exist');
  });

  it('both refuse a bad id: INVALID_ARGUMENT', async () => {
    const { ctx } = ledger.begin(bob);

    await expect(assets.ReadAsset(ctx, '')).rejects.toThrow(/^INVALID_ARGUMENT: /);
    await expect(assets.AssetExists(ctx, 'x'.repeat(65))).rejects.toThrow(/^INVALID_ARGUMENT: /);
  });

  it('report state that is not an asset as INTERNAL', async () => {
    ledger.seed('asset:a1', '{"id":"a1"}');
    const { ctx } = ledger.begin(bob);

    await expect(assets.ReadAsset(ctx, 'a1')).rejects.toThrow('INTERNAL: state under asset:a1 is not an asset');
  });
});
