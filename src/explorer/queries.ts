/**
 * The operations the explorer sends, with the shapes of their results. They follow the SDL in
 * src/graphql/schema (admin.graphql for the explorer fields); BigInt values are decimal strings.
 */

export interface LoginData {
  readonly login: { readonly token: string; readonly expiresAt: string; readonly user: { readonly username: string; readonly role: string } };
}
export const LOGIN = /* GraphQL */ `
  mutation ExplorerLogin($username: String!, $password: String!) {
    login(username: $username, password: $password) { token expiresAt user { username role } }
  }
`;

export interface PeerInfo {
  readonly name: string;
  readonly mspId: string;
  readonly url: string;
  readonly channel: string;
  readonly reachable: boolean;
  readonly ledgerHeight: string | null;
  readonly responseMs: number | null;
  readonly lastSeen: string | null;
  readonly diverged: boolean;
  readonly laggingSince: string | null;
  readonly error: string | null;
}
export interface NodeHealth {
  readonly name: string;
  readonly url: string;
  readonly healthy: boolean;
  readonly status: string;
  readonly checkedAt: string;
}
export interface NetworkStatus {
  readonly channels: readonly { readonly name: string; readonly indexedHeight: string | null; readonly peerHeight: string | null }[];
  readonly organisations: readonly { readonly mspId: string; readonly peers: number; readonly reachablePeers: number }[];
  readonly peers: readonly PeerInfo[];
  readonly orderers: readonly NodeHealth[];
  readonly certificateAuthorities: readonly NodeHealth[];
  readonly checkedAt: string | null;
}
const NETWORK_FIELDS = `
  channels { name indexedHeight peerHeight }
  organisations { mspId peers reachablePeers }
  peers { name mspId url channel reachable ledgerHeight responseMs lastSeen diverged laggingSince error }
  orderers { name url healthy status checkedAt }
  certificateAuthorities { name url healthy status checkedAt }
  checkedAt
`;

export interface SyncStatus {
  readonly channel: string;
  readonly indexedHeight: string;
  readonly peerHeight: string | null;
  readonly lagBlocks: string | null;
  readonly lagSeconds: number | null;
  readonly lockHolder: string | null;
  readonly lastError: string | null;
  readonly updatedAt: string | null;
}

export interface StatsPoint {
  readonly start: string;
  readonly blocks: number;
  readonly transactions: number;
  readonly valid: number;
  readonly invalid: number;
}

export interface BlockSummary {
  readonly channel: string;
  readonly number: string;
  readonly hash: string;
  readonly txCount: number;
  readonly isConfig: boolean;
  readonly createdAt: string | null;
}
const BLOCK_SUMMARY = 'channel number hash txCount isConfig createdAt';

export interface DashboardData {
  readonly gateway: { readonly channel: string; readonly chaincode: string; readonly indexedHeight: string | null };
  readonly blocks: { readonly totalCount: number; readonly edges: readonly { readonly node: BlockSummary }[] };
  readonly transactions: { readonly totalCount: number };
  readonly validTransactions: { readonly totalCount: number };
  readonly syncStatus: readonly SyncStatus[];
  readonly network: NetworkStatus;
  readonly stats: { readonly series: readonly StatsPoint[]; readonly totals: { readonly transactions: number; readonly valid: number; readonly invalid: number } };
}
export interface DashboardVariables {
  readonly from: string;
  readonly to: string;
}
export const DASHBOARD = /* GraphQL */ `
  query ExplorerDashboard($from: DateTime!, $to: DateTime!) {
    gateway { channel chaincode indexedHeight }
    blocks(first: 8) { totalCount edges { node { ${BLOCK_SUMMARY} } } }
    transactions(first: 1) { totalCount }
    validTransactions: transactions(first: 1, filter: { validationCode: "VALID" }) { totalCount }
    syncStatus { channel indexedHeight peerHeight lagBlocks lagSeconds lockHolder lastError updatedAt }
    network { ${NETWORK_FIELDS} }
    stats(range: { from: $from, to: $to }, bucket: MINUTE) {
      series { start blocks transactions valid invalid }
      totals { transactions valid invalid }
    }
  }
`;

export interface PageInfo {
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  readonly startCursor: string | null;
  readonly endCursor: string | null;
}
export interface BlocksData {
  readonly blocks: { readonly totalCount: number; readonly pageInfo: PageInfo; readonly edges: readonly { readonly node: BlockSummary }[] };
}
export interface PageVariables {
  readonly first?: number;
  readonly after?: string;
  readonly last?: number;
  readonly before?: string;
}
export const BLOCKS = /* GraphQL */ `
  query ExplorerBlocks($first: Int, $after: String, $last: Int, $before: String) {
    blocks(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { node { ${BLOCK_SUMMARY} } }
    }
  }
`;

export interface TransactionSummary {
  readonly id: string;
  readonly txIndex: number;
  readonly type: string;
  readonly validationCode: string;
  readonly valid: boolean;
  readonly creatorMspId: string | null;
  readonly chaincode: string | null;
  readonly function: string | null;
  readonly createdAt: string | null;
}
const TRANSACTION_SUMMARY = 'id txIndex type validationCode valid creatorMspId chaincode function createdAt';

export interface BlockData {
  readonly block: (BlockSummary & { readonly previousHash: string; readonly dataHash: string; readonly transactions: readonly TransactionSummary[] }) | null;
}
export const BLOCK = /* GraphQL */ `
  query ExplorerBlock($number: BigInt!) {
    block(number: $number) {
      ${BLOCK_SUMMARY} previousHash dataHash
      transactions { ${TRANSACTION_SUMMARY} }
    }
  }
`;

export interface TransactionData {
  readonly transaction:
    | (TransactionSummary & {
        readonly channel: string;
        readonly blockNumber: string;
        readonly creator: { readonly id: string } | null;
        readonly writes: readonly { readonly namespace: string; readonly key: string; readonly isDelete: boolean; readonly value: string | null }[];
        readonly reads: readonly { readonly namespace: string; readonly key: string; readonly versionBlock: string | null; readonly versionTx: number | null }[];
        readonly event: { readonly chaincode: string; readonly name: string; readonly payload: unknown } | null;
        readonly endorsers: readonly { readonly mspId: string; readonly id: string | null }[];
      })
    | null;
}
export const TRANSACTION = /* GraphQL */ `
  query ExplorerTransaction($id: ID!) {
    transaction(id: $id) {
      ${TRANSACTION_SUMMARY} channel blockNumber
      creator { id }
      writes { namespace key isDelete value }
      reads { namespace key versionBlock versionTx }
      event { chaincode name payload }
      endorsers { mspId id }
    }
  }
`;

export interface ChaincodeInfo {
  readonly channel: string;
  readonly name: string;
  readonly version: string;
  readonly sequence: number;
  readonly endorsementPolicy: string | null;
  readonly initRequired: boolean;
  readonly transactionCount: number;
  readonly lastActivity: string | null;
  readonly lastBlock: string | null;
}
export interface ChaincodesData {
  readonly chaincodes: readonly ChaincodeInfo[];
}
export const CHAINCODES = /* GraphQL */ `
  query ExplorerChaincodes {
    chaincodes { channel name version sequence endorsementPolicy initRequired transactionCount lastActivity lastBlock }
  }
`;

export interface NetworkData {
  readonly network: NetworkStatus;
  readonly syncStatus: readonly SyncStatus[];
}
export const NETWORK = /* GraphQL */ `
  query ExplorerNetwork {
    network { ${NETWORK_FIELDS} }
    syncStatus { channel indexedHeight peerHeight lagBlocks lagSeconds lockHolder lastError updatedAt }
  }
`;

export interface BlockIndexedData {
  readonly blockIndexed: { readonly channel: string; readonly number: string; readonly txCount: number };
}
export const BLOCK_INDEXED = /* GraphQL */ `
  subscription ExplorerBlockIndexed { blockIndexed { channel number txCount } }
`;

export interface NetworkChangedData {
  readonly networkChanged: NetworkStatus;
}
export const NETWORK_CHANGED = /* GraphQL */ `
  subscription ExplorerNetworkChanged { networkChanged { ${NETWORK_FIELDS} } }
`;
