import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import { Gateway, Wallets, type Contract, type QueryHandler, type QueryHandlerFactory, type X509Identity } from 'fabric-network';

import { repairCommitEventStarts } from '../../src/ledger';
import type { LocalNetwork, PeerOrgName } from '../../src/localnet';
import { orgOf } from '../../src/localnet';

/**
 * A fabric-network client for the tests, connected as an enrolled user of one organisation through
 * that organisation's connection profile, with discovery on (asLocalhost).
 */
export interface TestClient {
  readonly contract: (name: string, contractName?: string) => Contract;
  /** Evaluates on one named peer only, to prove which peer answered. */
  readonly evaluateOn: (peerName: string, chaincode: string, fn: string, ...args: string[]) => Promise<string>;
  readonly close: () => void;
}

async function identityOf(network: LocalNetwork, org: PeerOrgName, user: string): Promise<{ certificate: string; privateKey: string; mspId: string }> {
  const o = orgOf(network.topology, org);
  const dir = path.join(o.home, 'users', `${user}@${o.domain}`, 'msp');
  const keyFile = (await readdir(path.join(dir, 'keystore')))[0];
  if (!keyFile) throw new Error(`no private key for ${user}@${o.domain}`);
  return {
    mspId: o.mspId,
    certificate: await readFile(path.join(dir, 'signcerts', 'cert.pem'), 'utf8'),
    privateKey: await readFile(path.join(dir, 'keystore', keyFile), 'utf8'),
  };
}

function singlePeerQueries(peerName: string, peerAddress: string): QueryHandlerFactory {
  return (network) => {
    const handler: QueryHandler = {
      async evaluate(query) {
        // Discovered peers are named by their endpoint (localhost:port with asLocalhost).
        const endorsers = network.getChannel().getEndorsers();
        const peer = endorsers.find((e) => e.name === peerName || e.name === peerAddress);
        if (!peer) throw new Error(`${peerName} is not known to the channel (known: ${endorsers.map((e) => e.name).join(', ')})`);
        const results = await query.evaluate([peer]);
        const result = results[peer.name];
        if (!result) throw new Error(`no answer from ${peerName}`);
        if (result instanceof Error) throw result;
        if (!result.isEndorsed) throw new Error(result.message);
        return result.payload;
      },
    };
    return handler;
  };
}

export async function connectClient(
  network: LocalNetwork,
  org: PeerOrgName,
  options: {
    user?: string;
    channel: string;
    queryPeer?: string;
    /**
     * How long each peer connection (the eventers of commit waits too) may take to come up;
     * fabric-common's default is 3 s. Longer only where no peer is killed: a killed peer stays in
     * discovery's answers for a while, and fabric-network gives up on discovery after 30 s.
     */
    connectTimeoutMs?: number;
  },
): Promise<TestClient> {
  // The test client waits for every peer of its organisation: without the repair, one failed
  // start of a peer's event stream makes every later transaction wait 60 s for that peer.
  repairCommitEventStarts();
  const user = options.user ?? 'user1';
  const profile = JSON.parse(await readFile(path.join(network.topology.stateDir, `connection-${org}.json`), 'utf8')) as Record<string, unknown>;
  const wallet = await Wallets.newInMemoryWallet();
  const id = await identityOf(network, org, user);
  const identity: X509Identity = { credentials: { certificate: id.certificate, privateKey: id.privateKey }, mspId: id.mspId, type: 'X.509' };
  await wallet.put(user, identity);
  const addressOf = (peerName: string): string => {
    const peer = network.topology.peers.find((p) => p.name === peerName);
    if (!peer) throw new Error(`no peer named ${peerName}`);
    return `${network.topology.host}:${peer.port}`;
  };
  const open = async (queryPeer?: string): Promise<Gateway> => {
    const gateway = new Gateway();
    await gateway.connect(profile, {
      wallet,
      identity: user,
      discovery: { enabled: true, asLocalhost: true },
      eventHandlerOptions: { commitTimeout: 60, endorseTimeout: 30 },
      // fabric-common gives each request, the start of a commit event stream included, 3 s; on a
      // loaded CI machine a start can take longer, and a peer whose stream did not start fails
      // the commit wait of an all-peers strategy.
      'connection-options': {
        requestTimeout: 30_000,
        ...(options.connectTimeoutMs === undefined ? {} : { 'grpc-wait-for-ready-timeout': options.connectTimeoutMs }),
      },
      ...(queryPeer ? { queryHandlerOptions: { strategy: singlePeerQueries(queryPeer, addressOf(queryPeer)) } } : {}),
    });
    return gateway;
  };
  const gateway = await open();
  const channel = await gateway.getNetwork(options.channel);
  const pinned = new Map<string, Gateway>();
  return {
    contract: (name, contractName) => channel.getContract(name, contractName),
    async evaluateOn(peerName, chaincode, fn, ...args) {
      let g = pinned.get(peerName);
      if (!g) {
        g = await open(peerName);
        pinned.set(peerName, g);
      }
      const n = await g.getNetwork(options.channel);
      return (await n.getContract(chaincode).evaluateTransaction(fn, ...args)).toString('utf8');
    },
    close() {
      gateway.disconnect();
      for (const g of pinned.values()) g.disconnect();
    },
  };
}
