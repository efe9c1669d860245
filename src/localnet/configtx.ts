import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { stringify } from 'yaml';

import { run } from './exec';
import type { Org, Topology } from './topology';

/**
 * The channel configuration, written as configtx.yaml for configtxgen. Built as data here rather
 * than kept as a template, so that paths and ports always come from the topology.
 */
export const BATCH_TIMEOUT = '250ms';

function signaturePolicy(rule: string): { Type: string; Rule: string } {
  return { Type: 'Signature', Rule: rule };
}

function orgSection(topology: Topology, org: Org): Record<string, unknown> {
  const id = org.mspId;
  const base: Record<string, unknown> = {
    Name: id,
    ID: id,
    MSPDir: org.mspDir,
    Policies: {
      Readers: signaturePolicy(
        org.name === 'orderer' ? `OR('${id}.member')` : `OR('${id}.admin', '${id}.peer', '${id}.client')`,
      ),
      Writers: signaturePolicy(org.name === 'orderer' ? `OR('${id}.member')` : `OR('${id}.admin', '${id}.client')`),
      Admins: signaturePolicy(`OR('${id}.admin')`),
      Endorsement: signaturePolicy(org.name === 'orderer' ? `OR('${id}.member')` : `OR('${id}.peer')`),
    },
  };
  if (org.name === 'orderer') {
    base.OrdererEndpoints = topology.orderers.map((o) => `${topology.host}:${o.port}`);
  } else {
    // The first peer of each organisation is its anchor, so that gossip and discovery cross organisations.
    const anchor = topology.peers.find((p) => p.org === org.name);
    if (anchor) base.AnchorPeers = [{ Host: topology.host, Port: anchor.port }];
  }
  return base;
}

export function buildConfigtx(topology: Topology): Record<string, unknown> {
  const [ordererOrg, ...peerOrgs] = topology.orgs;
  if (!ordererOrg || ordererOrg.name !== 'orderer') throw new Error('the orderer organisation must come first');
  const implicitMeta = (rule: string): { Type: string; Rule: string } => ({ Type: 'ImplicitMeta', Rule: rule });
  return {
    Profiles: {
      AppChannel: {
        Policies: {
          Readers: implicitMeta('ANY Readers'),
          Writers: implicitMeta('ANY Writers'),
          Admins: implicitMeta('MAJORITY Admins'),
        },
        Capabilities: { V2_0: true },
        Orderer: {
          OrdererType: 'etcdraft',
          Addresses: topology.orderers.map((o) => `${topology.host}:${o.port}`),
          BatchTimeout: BATCH_TIMEOUT,
          BatchSize: { MaxMessageCount: 100, AbsoluteMaxBytes: '10 MB', PreferredMaxBytes: '2 MB' },
          EtcdRaft: {
            Consenters: topology.orderers.map((o) => ({
              Host: topology.host,
              Port: o.port,
              ClientTLSCert: path.join(o.home, 'tls', 'server.crt'),
              ServerTLSCert: path.join(o.home, 'tls', 'server.crt'),
            })),
            Options: {
              TickInterval: '500ms',
              ElectionTick: 10,
              HeartbeatTick: 1,
              MaxInflightBlocks: 5,
              SnapshotIntervalSize: '16 MB',
            },
          },
          Organizations: [orgSection(topology, ordererOrg)],
          Policies: {
            Readers: implicitMeta('ANY Readers'),
            Writers: implicitMeta('ANY Writers'),
            Admins: implicitMeta('MAJORITY Admins'),
            BlockValidation: implicitMeta('ANY Writers'),
          },
          Capabilities: { V2_0: true },
        },
        Application: {
          Organizations: peerOrgs.map((org) => orgSection(topology, org)),
          Policies: {
            Readers: implicitMeta('ANY Readers'),
            Writers: implicitMeta('ANY Writers'),
            Admins: implicitMeta('MAJORITY Admins'),
            LifecycleEndorsement: implicitMeta('MAJORITY Endorsement'),
            Endorsement: implicitMeta('MAJORITY Endorsement'),
          },
          Capabilities: { V2_5: true },
        },
      },
    },
  };
}

/** Writes configtx.yaml and has configtxgen turn it into the channel's genesis block. */
export async function createGenesisBlock(binDir: string, topology: Topology, channel: string): Promise<string> {
  const dir = path.join(topology.stateDir, 'channels', channel);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'configtx.yaml'), stringify(buildConfigtx(topology)));
  const block = path.join(dir, 'genesis.block');
  await run(
    path.join(binDir, 'configtxgen'),
    ['-configPath', dir, '-profile', 'AppChannel', '-channelID', channel, '-outputBlock', block],
    { step: `create the genesis block of ${channel}`, env: { ...process.env, FABRIC_CFG_PATH: dir } },
  );
  return block;
}
