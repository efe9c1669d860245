import { Context, Info, Returns, Transaction } from 'fabric-contract-api';

import { type JsonObject, canonicalJson, isRecord } from './canonicalJson';
import { CodedContract } from './codedContract';
import { ChaincodeError, invalidArgument } from './errors';
import { isAdmin, ownerOf } from './identity';
import { assetKey, emitEvent, readRecord, writeRecord } from './state';
import { txTimestampIso } from './txTime';
import { parseAttributes, requireId, requireOwner } from './validate';

/** An asset as stored under `asset:<id>`, returned by the functions and carried by the events. */
export interface Asset {
  readonly id: string;
  readonly kind: string;
  /** `<MSP ID>/<enrollment ID>` of the current owner. */
  readonly owner: string;
  readonly attributes: JsonObject;
  /** 1 on creation, +1 on every update or transfer: lets clients and indexers order versions. */
  readonly version: number;
  /** Owner string of the identity that created the asset; survives transfers. */
  readonly createdBy: string;
  /** Timestamp (ISO-8601) of the transaction that last wrote the asset. */
  readonly updatedAt: string;
}

export const ASSET_EVENTS = {
  created: 'AssetCreated',
  updated: 'AssetUpdated',
  transferred: 'AssetTransferred',
  deleted: 'AssetDeleted',
} as const;

type AssetEvent = (typeof ASSET_EVENTS)[keyof typeof ASSET_EVENTS];

/**
 * Assets owned by enrolled identities. Anyone with a valid identity may create one and becomes its
 * owner; only the owner or an identity with role=admin may update, transfer or delete it; anyone
 * may read.
 */
@Info({ title: 'assets', description: 'Assets owned by enrolled identities' })
export class AssetContract extends CodedContract {
  constructor() {
    super('assets');
  }

  /** Creates asset `id` owned by the caller. Returns the asset JSON. */
  @Transaction()
  @Returns('string')
  async CreateAsset(ctx: Context, id: string, kind: string, attributesJson: string): Promise<string> {
    requireId('id', id);
    requireId('kind', kind);
    const attributes = parseAttributes('attributesJson', attributesJson);
    const owner = ownerOf(ctx.clientIdentity);
    if ((await findAsset(ctx, id)) !== undefined) throw new ChaincodeError('ASSET_EXISTS', `asset ${id} already exists`);
    const asset: Asset = { id, kind, owner, attributes, version: 1, createdBy: owner, updatedAt: txTimestampIso(ctx.stub) };
    return save(ctx, asset, ASSET_EVENTS.created);
  }

  /** Replaces the attributes of asset `id` (no merge). Returns the new asset JSON. */
  @Transaction()
  @Returns('string')
  async UpdateAsset(ctx: Context, id: string, attributesJson: string): Promise<string> {
    requireId('id', id);
    const attributes = parseAttributes('attributesJson', attributesJson);
    const current = await loadAsset(ctx, id);
    assertMayChange(ctx, current, 'update');
    return save(ctx, { ...current, attributes, version: current.version + 1, updatedAt: txTimestampIso(ctx.stub) }, ASSET_EVENTS.updated);
  }

  /** Gives asset `id` to `newOwner` (`<MSP ID>/<enrollment ID>`). Returns the new asset JSON. */
  @Transaction()
  @Returns('string')
  async TransferAsset(ctx: Context, id: string, newOwner: string): Promise<string> {
    requireId('id', id);
    requireOwner('newOwner', newOwner);
    const current = await loadAsset(ctx, id);
    assertMayChange(ctx, current, 'transfer');
    if (current.owner === newOwner) throw invalidArgument(`asset ${id} is already owned by ${newOwner}`);
    return save(ctx, { ...current, owner: newOwner, version: current.version + 1, updatedAt: txTimestampIso(ctx.stub) }, ASSET_EVENTS.transferred);
  }

  /** Removes asset `id`. Returns the asset JSON as it was. */
  @Transaction()
  @Returns('string')
  async DeleteAsset(ctx: Context, id: string): Promise<string> {
    requireId('id', id);
    const current = await loadAsset(ctx, id);
    assertMayChange(ctx, current, 'delete');
    await ctx.stub.deleteState(assetKey(id));
    emitEvent(ctx.stub, ASSET_EVENTS.deleted, current);
    return canonicalJson(current);
  }

  /** The asset JSON. */
  @Transaction(false)
  @Returns('string')
  async ReadAsset(ctx: Context, id: string): Promise<string> {
    requireId('id', id);
    return canonicalJson(await loadAsset(ctx, id));
  }

  /** 'true' or 'false'. */
  @Transaction(false)
  @Returns('string')
  async AssetExists(ctx: Context, id: string): Promise<string> {
    requireId('id', id);
    return (await findAsset(ctx, id)) === undefined ? 'false' : 'true';
  }
}

async function findAsset(ctx: Context, id: string): Promise<Asset | undefined> {
  const key = assetKey(id);
  const record = await readRecord(ctx.stub, key);
  if (record === undefined) return undefined;
  if (!isAsset(record)) throw new ChaincodeError('INTERNAL', `state under ${key} is not an asset`);
  return record;
}

async function loadAsset(ctx: Context, id: string): Promise<Asset> {
  const asset = await findAsset(ctx, id);
  if (asset === undefined) throw new ChaincodeError('ASSET_NOT_FOUND', `asset ${id} does not exist`);
  return asset;
}

function assertMayChange(ctx: Context, asset: Asset, action: string): void {
  // Admins first: an admin whose certificate maps to no owner string may still act.
  if (isAdmin(ctx.clientIdentity)) return;
  const caller = ownerOf(ctx.clientIdentity);
  if (caller !== asset.owner) {
    throw new ChaincodeError('FORBIDDEN', `${caller} may not ${action} asset ${asset.id}: only its owner ${asset.owner} or an identity with role=admin may`);
  }
}

async function save(ctx: Context, asset: Asset, event: AssetEvent): Promise<string> {
  await writeRecord(ctx.stub, assetKey(asset.id), asset);
  emitEvent(ctx.stub, event, asset);
  return canonicalJson(asset);
}

function isAsset(value: unknown): value is Asset {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    typeof value.kind === 'string' &&
    typeof value.owner === 'string' &&
    isRecord(value.attributes) &&
    Number.isSafeInteger(value.version) &&
    typeof value.createdBy === 'string' &&
    typeof value.updatedAt === 'string'
  );
}
