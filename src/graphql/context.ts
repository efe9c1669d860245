import type { Principal, UsersService } from '../auth';
import type { Logger } from '../common';
import type { ChaincodeDefinitions, NetworkStatus } from '../ledger';
import type { AdminReads, LedgerEvents, Loaders, ReadQueries } from '../store';
import type { SubmissionService } from '../submissions';

/** The channel and chaincode whose assets and tokens the API exposes (GATEWAY_CHANNEL, GATEWAY_CHAINCODE). */
export interface Domain {
  readonly channel: string;
  readonly chaincode: string;
}

/** Long-lived services shared by every request; built once per process. */
export interface GatewayServices {
  readonly domain: Domain;
  readonly users: UsersService;
  readonly submissions: SubmissionService;
  readonly reads: ReadQueries;
  readonly ledgerEvents: LedgerEvents;
  /** How long a SYNC mutation waits for the cache to index its block before answering `indexed: false`. */
  readonly indexWaitMs: number;
  /** The admin (explorer) API; without it, admin fields answer INTERNAL ("not set up in this process"). */
  readonly admin?: AdminServices;
}

/** What the admin API reads: the cache, this replica's network status, the chaincode definitions. */
export interface AdminServices {
  readonly reads: AdminReads;
  readonly network: NetworkStatus;
  readonly chaincodes: ChaincodeDefinitions;
  /** The channels the cache indexes (SYNC_CHANNELS): the ones admin queries may name. */
  readonly channels: readonly string[];
  /** The text a channel's sync worker takes its advisory lock on (src/sync `lockKey`). */
  readonly syncLockKey: (channel: string) => string;
}

/** One request's (or one WebSocket operation's) context: the caller and fresh DataLoaders. */
export interface GraphqlContext {
  readonly requestId: string;
  readonly log: Logger;
  /** Undefined for an anonymous caller. */
  readonly principal: Principal | undefined;
  readonly loaders: Loaders;
  readonly services: GatewayServices;
  /** The client's address (for the login limiter), when the transport knows it. */
  readonly clientAddress?: string | undefined;
}
