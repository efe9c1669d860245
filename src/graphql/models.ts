/**
 * What each GraphQL object type's resolvers receive as their parent: the cache's rows and the
 * services' views, unchanged. The generated resolver types (src/graphql/generated) use these as
 * mappers, so a resolver that forgets a field's conversion fails to compile.
 */
import type { UserView } from '../auth';
import type { ChaincodeDefinition, ChannelHeight, NetworkSnapshot, NodeHealth, PeerStatus } from '../ledger';
import type { Asset, AssetHistory, Block, ChaincodeActivity, ChaincodeEvent, TokenAccount, TokenTransfer, Transaction, TxRead, TxWrite } from '../store';
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
// The admin API (schema/admin.graphql): the network status service's snapshot and the cache's rows.
export type NetworkStatusModel = NetworkSnapshot;
export type ChannelInfoModel = ChannelHeight;
export type PeerInfoModel = PeerStatus;
export type NodeHealthModel = NodeHealth;
/** A committed definition and, when the cache has any, its transactions' activity. */
export type ChaincodeInfoModel = ChaincodeDefinition & { readonly activity: ChaincodeActivity | undefined };
export type TxReadModel = TxRead;
