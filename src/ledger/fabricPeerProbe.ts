import { readFile } from 'node:fs/promises';

import type { Channel, Endorser, IdentityContext } from 'fabric-common';
import type { Gateway } from 'fabric-network';

import { decodeChainHeight } from './qsccReader';
import type { FabricConnection } from './fabricConnection';
import { peerTargetsFromProfiles, type PeerProbe, type PeerTarget, type ProbeResult } from './peerMonitor';

/**
 * Probes one peer at a time with qscc GetChainInfo, as the service identity, over a connection of
 * its own (not the SDK's discovery-managed ones), so that the answer is that peer's own height and
 * a dead peer shows as unreachable instead of being quietly replaced by another.
 */
export function createFabricPeerProbe(options: { connection: FabricConnection; timeoutMs: number }): PeerProbe {
  let gateway: Promise<Gateway> | undefined;
  const endorsers = new Map<string, Endorser>();

  async function channelOf(name: string): Promise<{ channel: Channel; identity: IdentityContext }> {
    gateway ??= options.connection.connect().catch((error: unknown) => {
      gateway = undefined;
      throw error;
    });
    const connected = await gateway;
    const identity = connected.identityContext;
    if (!identity) throw new Error('the gateway has no identity context');
    const network = await connected.getNetwork(name);
    return { channel: network.getChannel(), identity };
  }

  async function endorserFor(channel: Channel, target: PeerTarget): Promise<Endorser> {
    const existing = endorsers.get(target.name);
    if (existing) return existing;
    const client = channel.client;
    const endorser = client.newEndorser(`monitor:${target.name}`, target.mspId);
    const endpoint = client.newEndpoint({
      url: target.url,
      pem: target.tlsCaPem,
      requestTimeout: options.timeoutMs,
      ...(target.hostnameOverride ? { 'ssl-target-name-override': target.hostnameOverride } : {}),
    });
    await endorser.connect(endpoint, { requestTimeout: options.timeoutMs });
    endorsers.set(target.name, endorser);
    return endorser;
  }

  /** Drops a peer's connection after a failure, so the next round connects afresh. */
  function forget(target: PeerTarget): void {
    endorsers.get(target.name)?.disconnect();
    endorsers.delete(target.name);
  }

  return {
    async probe(target, channelName): Promise<ProbeResult> {
      const started = performance.now();
      const elapsed = (): number => Math.round(performance.now() - started);
      try {
        const { channel, identity } = await channelOf(channelName);
        const endorser = await endorserFor(channel, target);
        const query = channel.newQuery('qscc');
        query.build(identity, { fcn: 'GetChainInfo', args: [channelName] });
        query.sign(identity);
        const answer = await query.send({ targets: [endorser], requestTimeout: options.timeoutMs });
        const response = answer.responses[0]?.response;
        if (response?.status === 200) return { reachable: true, height: decodeChainHeight(response.payload), responseMs: elapsed() };
        forget(target);
        const reason = answer.errors[0]?.message ?? response?.message ?? 'no answer';
        return { reachable: false, error: reason, responseMs: elapsed() };
      } catch (error) {
        forget(target);
        return { reachable: false, error: error instanceof Error ? error.message : String(error), responseMs: elapsed() };
      }
    },
    close() {
      for (const endorser of endorsers.values()) endorser.disconnect();
      endorsers.clear();
      void gateway
        ?.then((g) => {
          g.disconnect();
        })
        .catch(() => undefined);
      gateway = undefined;
    },
  };
}

/** The peers of every connection profile file. */
export async function peerTargetsFromProfileFiles(paths: readonly string[]): Promise<PeerTarget[]> {
  const profiles = await Promise.all(paths.map(async (p) => JSON.parse(await readFile(p, 'utf8')) as unknown));
  return peerTargetsFromProfiles(profiles);
}
