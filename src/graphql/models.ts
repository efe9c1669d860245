/**
 * What each GraphQL object type's resolvers receive as their parent: the cache's rows and the
 * services' views, unchanged. The generated resolver types (src/graphql/generated) use these as
 * mappers, so a resolver that forgets a field's conversion fails to compile.
 */
import type { UserView } from '../auth';
import type { Asset, AssetHistory, Block, ChaincodeEvent, TokenAccount, TokenTransfer, Transaction, TxWrite } from '../store';
import type { Submission } from '../submissions';

export type UserModel = UserView;
/** An owner string `<MSP ID>/<enrollment id>`, as the chaincode writes it. */
export interface OwnerModel {
  readonly id: string;
}
export type AssetModel = Asset;
export type AssetHistoryModel = AssetHistory;
export type ChaincodeEventModel = ChaincodeEvent;
export type AccountModel = TokenAccount;
export type TransferModel = TokenTransfer;
export type BlockModel = Block;
export type TransactionModel = Transaction;
export type TxWriteModel = TxWrite;
export type SubmissionModel = Submission;
