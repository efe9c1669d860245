import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';

import { ChaincodeError, ChaincodeErrorCode } from './errors';
import { callerAccount, isAdmin } from './identity';
import { assetKey, emit, readJson, txTime, writeJson } from './state';
import { checkAccount, checkAttributes, checkId } from './validate';

export interface Asset {
  readonly id: string;
  readonly kind: string;
  readonly owner: string;
  readonly attributes: Record<string, unknown>;
  /** Starts at 1 and goes up with every change, so clients can tell versions apart. */
  readonly version: number;
  readonly createdBy: string;
  readonly updatedAt: string;
}

@Info({ title: 'assets', description: 'Assets owned by enrolled identities' })
export class AssetContract extends Contract {
  constructor() {
    super('assets');
  }

  @Transaction()
  @Returns('string')
  async CreateAsset(ctx: Context, id: string, kind: string, attributesJson: string): Promise<string> {
    checkId(id);
    checkId(kind, 'kind');
    const attributes = checkAttributes(attributesJson);
    if (await readJson<Asset>(ctx.stub, assetKey(id))) {
      throw new ChaincodeError(ChaincodeErrorCode.ASSET_EXISTS, `asset ${id} already exists`);
    }
    const owner = callerAccount(ctx);
    const asset: Asset = { id, kind, owner, attributes, version: 1, createdBy: owner, updatedAt: txTime(ctx.stub) };
    await writeJson(ctx.stub, assetKey(id), asset);
    emit(ctx.stub, 'AssetCreated', asset);
    return JSON.stringify(asset);
  }

  @Transaction()
  @Returns('string')
  async UpdateAsset(ctx: Context, id: string, attributesJson: string): Promise<string> {
    checkId(id);
    const attributes = checkAttributes(attributesJson);
    const current = await this.modifiable(ctx, id);
    const asset: Asset = { ...current, attributes, version: current.version + 1, updatedAt: txTime(ctx.stub) };
    await writeJson(ctx.stub, assetKey(id), asset);
    emit(ctx.stub, 'AssetUpdated', asset);
    return JSON.stringify(asset);
  }

  @Transaction()
  @Returns('string')
  async TransferAsset(ctx: Context, id: string, newOwner: string): Promise<string> {
    checkId(id);
    checkAccount(newOwner, 'newOwner');
    const current = await this.modifiable(ctx, id);
    const asset: Asset = { ...current, owner: newOwner, version: current.version + 1, updatedAt: txTime(ctx.stub) };
    await writeJson(ctx.stub, assetKey(id), asset);
    emit(ctx.stub, 'AssetTransferred', { ...asset, previousOwner: current.owner });
    return JSON.stringify(asset);
  }

  @Transaction()
  async DeleteAsset(ctx: Context, id: string): Promise<void> {
    checkId(id);
    const current = await this.modifiable(ctx, id);
    await ctx.stub.deleteState(assetKey(id));
    emit(ctx.stub, 'AssetDeleted', current);
  }

  @Transaction(false)
  @Returns('string')
  async ReadAsset(ctx: Context, id: string): Promise<string> {
    checkId(id);
    return JSON.stringify(await this.existing(ctx, id));
  }

  @Transaction(false)
  @Returns('boolean')
  async AssetExists(ctx: Context, id: string): Promise<boolean> {
    checkId(id);
    return (await readJson<Asset>(ctx.stub, assetKey(id))) !== undefined;
  }

  private async existing(ctx: Context, id: string): Promise<Asset> {
    const asset = await readJson<Asset>(ctx.stub, assetKey(id));
    if (!asset) throw new ChaincodeError(ChaincodeErrorCode.ASSET_NOT_FOUND, `asset ${id} does not exist`);
    return asset;
  }

  /** The asset, if the caller may change it: its owner, or an identity with role=admin. */
  private async modifiable(ctx: Context, id: string): Promise<Asset> {
    const asset = await this.existing(ctx, id);
    const caller = callerAccount(ctx);
    if (asset.owner !== caller && !isAdmin(ctx)) {
      throw new ChaincodeError(ChaincodeErrorCode.FORBIDDEN, `${caller} may not change asset ${id} owned by ${asset.owner}`);
    }
    return asset;
  }
}
