import { readFile } from 'node:fs/promises';

import type { Logger, Metrics } from '../common';
import type { LedgerIdentityConfig, NetworkConfig } from '../config';
import { createFabricConnection } from './fabricConnection';
import { createFabricPeerProbe, peerTargetsFromProfileFiles } from './fabricPeerProbe';
import { createChaincodeDefinitions, createFabricLifecycleQuery, type ChaincodeDefinitions } from './lifecycle';
import { createNetworkStatus, type NetworkStatus } from './networkStatus';
import { createOperationsHealthCheck } from './operationsHealth';
import { createPeerMonitor, type PeerStatus } from './peerMonitor';

export interface NetworkServices {
  readonly network: NetworkStatus;
  readonly chaincodes: ChaincodeDefinitions;
  close(): void;
}

export interface NetworkServicesDeps {
  readonly network: NetworkConfig;
  /** The service identity that probes peers and asks _lifecycle (LEDGER_*). */
  readonly ledger: LedgerIdentityConfig;
  /** Every organisation's connection profile: their peers are the ones watched. */
  readonly connectionProfilePaths: readonly string[];
  readonly channels: readonly string[];
  readonly log: Logger;
  /** Per-peer up and height gauges, when the process exports metrics. */
  readonly metrics?: Pick<Metrics, 'peerUp' | 'peerLedgerHeight'>;
}

function recordMetrics(metrics: NetworkServicesDeps['metrics'], peers: readonly PeerStatus[]): void {
  if (!metrics) return;
  const up = new Map<string, { msp: string; up: boolean }>();
  for (const p of peers) {
    up.set(p.peer, { msp: p.mspId, up: (up.get(p.peer)?.up ?? false) || p.reachable });
    if (p.height !== null) metrics.peerLedgerHeight.set({ peer: p.peer, msp: p.mspId, channel: p.channel }, Number(p.height));
  }
  for (const [peer, s] of up) metrics.peerUp.set({ peer, msp: s.msp }, s.up ? 1 : 0);
}

/**
 * The gateway role's network status (peer monitor + orderer/CA health, a round every
 * PEER_MONITOR_INTERVAL_MS, started here) and chaincode definitions, from the settings.
 */
export async function startNetworkServicesFromConfig(deps: NetworkServicesDeps): Promise<NetworkServices> {
  const { network: settings, log } = deps;
  const targets = await peerTargetsFromProfileFiles(deps.connectionProfilePaths);
  const connection = createFabricConnection(deps.ledger);
  const ca = settings.operationsTlsCaPath === undefined ? undefined : await readFile(settings.operationsTlsCaPath, 'utf8');
  const monitor = createPeerMonitor({
    probe: createFabricPeerProbe({ connection, timeoutMs: settings.probeTimeoutMs }),
    targets,
    channels: deps.channels,
    intervalMs: settings.monitorIntervalMs,
    divergence: settings.divergence,
    log,
  });
  const network = createNetworkStatus({
    monitor,
    targets,
    channels: deps.channels,
    endpoints: settings.operationsEndpoints,
    checkHealth: createOperationsHealthCheck({ timeoutMs: settings.probeTimeoutMs, ...(ca === undefined ? {} : { ca }) }),
    intervalMs: settings.monitorIntervalMs,
    log,
    onRound: (snapshot) => {
      recordMetrics(deps.metrics, snapshot.peers);
    },
  });
  const lifecycle = createFabricLifecycleQuery({ connection, timeoutMs: settings.probeTimeoutMs });
  const chaincodes = createChaincodeDefinitions({
    query: (channel) => lifecycle.query(channel),
    cacheMs: settings.chaincodeCacheMs,
    close: () => {
      lifecycle.close();
    },
  });
  // The first round runs in the background: a slow or dead peer must not delay the start.
  network.start().catch((error: unknown) => {
    log.warn({ err: error instanceof Error ? error.message : String(error) }, 'the first network status round failed');
  });
  log.info({ peers: targets.length, channels: deps.channels, operationsEndpoints: settings.operationsEndpoints.length }, 'network status started');
  return {
    network,
    chaincodes,
    close() {
      network.stop();
      chaincodes.close();
    },
  };
}

export interface PeerWatch {
  /** The latest status of every (peer, channel); empty before the first round. */
  statuses(): readonly PeerStatus[];
  close(): void;
}

/**
 * The peer monitor alone (no orderer/CA health, no _lifecycle), for roles without the admin API
 * (sync, submitter): readiness ("a peer of every organisation answers") and the peer gauges.
 */
export async function startPeerWatchFromConfig(deps: NetworkServicesDeps): Promise<PeerWatch> {
  const targets = await peerTargetsFromProfileFiles(deps.connectionProfilePaths);
  const probe = createFabricPeerProbe({ connection: createFabricConnection(deps.ledger), timeoutMs: deps.network.probeTimeoutMs });
  const monitor = createPeerMonitor({
    probe,
    targets,
    channels: deps.channels,
    intervalMs: deps.network.monitorIntervalMs,
    divergence: deps.network.divergence,
    log: deps.log,
    onRound: (statuses) => {
      recordMetrics(deps.metrics, statuses);
    },
  });
  monitor.start().catch((error: unknown) => {
    deps.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'the first peer round failed');
  });
  return {
    statuses: () => monitor.statuses(),
    close() {
      monitor.stop();
    },
  };
}
