import { AssetContract } from './assetContract';
import { TokenContract } from './tokenContract';

export { AssetContract, ASSET_EVENTS, type Asset } from './assetContract';
export { TokenContract, TOKEN_EVENTS, type BalanceRecord } from './tokenContract';
export { ERROR_CODES, ChaincodeError, errorCodeOf, type ErrorCode } from './errors';
export { ASSET_KEY_PREFIX, BALANCE_KEY_PREFIX, assetKey, balanceKey } from './state';

/**
 * What `fabric-chaincode-node start|server` serves: it loads package.json "main" (dist/index.js)
 * and instantiates the classes listed here. The first one is the default contract, used for
 * function names given without a `<contract>:` prefix.
 */
export const contracts = [AssetContract, TokenContract];
