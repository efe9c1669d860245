export { createTopology, DEFAULT_PORT_BASE, orgOf, allNodes } from './topology';
export type { Topology, FabricNode, PeerNode, OrdererNode, CaNode, Org, OrgName, PeerOrgName } from './topology';
export { createLocalNetwork, connectionProfile } from './network';
export type { LocalNetwork, NodeStatus, Task } from './network';
export { ensureFabricBinaries, defaultCacheRoot } from './fabricBinaries';
export type { FabricBinaries } from './fabricBinaries';
export { LocalnetError, LocalnetErrorCode } from './errors';
export { localnetFromEnv } from './fromEnv';
