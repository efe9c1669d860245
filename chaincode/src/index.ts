import { AssetContract } from './assetContract';
import { TokenContract } from './tokenContract';

export { AssetContract } from './assetContract';
export { TokenContract } from './tokenContract';
export { ChaincodeErrorCode } from './errors';

/** fabric-contract-api serves the contracts listed here; the first is the default one. */
export const contracts = [AssetContract, TokenContract];
