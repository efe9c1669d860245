import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { adminDir, caCertFile, caName, caServerArgs, enrollOrg } from './cas';
import { createGenesisBlock } from './configtx';
import { LocalnetError, LocalnetErrorCode } from './errors';
import { run } from './exec';
import { ensureFabricBinaries, type FabricBinaries } from './fabricBinaries';
import { checkHealth, waitForHealthy } from './health';
import { ordererEnv, ordererFlags, peerAdminEnv, peerEnv, writePeerCoreYaml } from './nodeConfig';
import { assertPortsFree } from './ports';
import { killProcess, readLogTail, residentKiB, runningRecord, startProcess, stopProcess } from './processes';
import {
  allNodes,
  listeningPorts,
  orgOf,
  type FabricNode,
  type OrdererNode,
  type Org,
  type PeerNode,
  type Topology,
} from './topology';

export interface Task {
  readonly title: string;
  readonly run: (report: (message: string) => void) => Promise<void>;
}

export interface NodeStatus {
  readonly name: string;
  readonly kind: FabricNode['kind'];
  readonly org: string;
  readonly address: string;
  readonly pid: number | undefined;
  readonly healthy: boolean;
  readonly detail: string;
  readonly memoryKiB: number | undefined;
  /** Ledger height per channel (peers and orderers). */
  readonly heights: Readonly<Record<string, number | undefined>>;
}

export interface LocalNetwork {
  readonly topology: Topology;
  binaries(): Promise<FabricBinaries>;
  upTasks(): Task[];
  up(report?: (message: string) => void): Promise<void>;
  down(): Promise<string[]>;
  reset(): Promise<void>;
  status(): Promise<NodeStatus[]>;
  isUp(): boolean;
  stopNode(name: string, options?: { kill?: boolean }): Promise<void>;
  startNode(name: string): Promise<void>;
  pidFile(node: FabricNode): string;
  logFile(name: string): string;
  /** The genesis block of a channel and where peers get it from. */
  channelDir(channel: string): string;
  /** Runs the `peer` CLI as the admin of the peer's organisation against that peer. */
  peerCli(peer: PeerNode, args: string[], step: string): Promise<string>;
  /** CLI flags for each orderer that is running now, in topology order. */
  liveOrdererFlags(): string[][];
}

const HEALTH_TIMEOUT_MS = 60_000;

export function createLocalNetwork(deps: { topology: Topology; binaries?: FabricBinaries }): LocalNetwork {
  const { topology } = deps;
  let binaries = deps.binaries;

  const ensureBinaries = async (report: (m: string) => void = () => undefined): Promise<FabricBinaries> => {
    binaries ??= await ensureFabricBinaries({ onProgress: report });
    return binaries;
  };
  const pidFile = (node: FabricNode): string => path.join(node.home, 'process.json');
  const logFile = (name: string): string => path.join(topology.stateDir, 'logs', `${name}.log`);
  const channelDir = (channel: string): string => path.join(topology.stateDir, 'channels', channel);

  const commandFor = (bins: FabricBinaries, node: FabricNode): { command: string; args: string[]; env: NodeJS.ProcessEnv } => {
    switch (node.kind) {
      case 'ca':
        return {
          command: path.join(bins.binDir, 'fabric-ca-server'),
          args: caServerArgs(node, orgOf(topology, node.org)),
          env: { PATH: process.env.PATH, HOME: process.env.HOME },
        };
      case 'orderer':
        return { command: path.join(bins.binDir, 'orderer'), args: [], env: ordererEnv(topology, node, bins.sampleConfigDir) };
      case 'peer':
        return { command: path.join(bins.binDir, 'peer'), args: ['node', 'start'], env: peerEnv(topology, node) };
    }
  };

  /** Starts a node unless it already runs, then waits for its operations endpoint to say healthy. */
  const ensureNode = async (node: FabricNode, report: (m: string) => void): Promise<void> => {
    const bins = await ensureBinaries();
    const running = runningRecord(pidFile(node));
    if (!running) {
      await assertPortsFree(listeningPorts(node));
      await mkdir(node.home, { recursive: true });
      const { command, args, env } = commandFor(bins, node);
      const record = await startProcess({ command, args, env, cwd: node.home, pidFile: pidFile(node), logFile: logFile(node.name) });
      report(`${node.name} started (pid ${record.pid})`);
    }
    const health = await waitForHealthy(node.kind === 'ca' ? node.opsPort : node.opsPort, HEALTH_TIMEOUT_MS, () =>
      Boolean(runningRecord(pidFile(node))),
    );
    if (!health.ok) {
      const tail = await readLogTail(logFile(node.name));
      throw new LocalnetError(
        LocalnetErrorCode.NODE_UNHEALTHY,
        `${node.name} is not healthy: ${health.detail}\n--- last lines of ${logFile(node.name)} ---\n${tail}`,
        'Fix the cause above, then run `npm run network -- up` again to resume, or `npm run network -- reset` to start over.',
      );
    }
  };

  const osnadmin = async (orderer: OrdererNode, args: string[], step: string): Promise<string> => {
    const bins = await ensureBinaries();
    const ordererOrg = orgOf(topology, 'orderer');
    const admin = adminDir(ordererOrg);
    const { stdout } = await run(
      path.join(bins.binDir, 'osnadmin'),
      [
        ...args,
        '-o', `${topology.host}:${orderer.adminPort}`,
        '--ca-file', caCertFile(ordererOrg.ca),
        '--client-cert', path.join(admin, 'tls', 'server.crt'),
        '--client-key', path.join(admin, 'tls', 'server.key'),
      ],
      { step, timeoutMs: 30_000 },
    );
    return stdout;
  };

  const peerCli = async (peer: PeerNode, args: string[], step: string): Promise<string> => {
    const bins = await ensureBinaries();
    const { stdout, stderr } = await run(path.join(bins.binDir, 'peer'), args, {
      step,
      env: peerAdminEnv(topology, peer),
      timeoutMs: 60_000,
    });
    return stdout + stderr;
  };

  const ordererChannels = async (orderer: OrdererNode): Promise<string[]> => {
    const out = await osnadmin(orderer, ['channel', 'list'], `list the channels of ${orderer.name}`);
    const body = out.slice(out.indexOf('{'));
    const parsed = JSON.parse(body) as { channels?: { name: string }[] | null };
    return (parsed.channels ?? []).map((c) => c.name);
  };

  const peerChannels = async (peer: PeerNode): Promise<string[]> => {
    const out = await peerCli(peer, ['channel', 'list'], `list the channels of ${peer.name}`);
    const marker = out.indexOf('Channels peers has joined:');
    if (marker < 0) return [];
    return out.slice(marker).split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
  };

  const joinChannel = async (channel: string, report: (m: string) => void): Promise<void> => {
    const bins = await ensureBinaries();
    const block = path.join(channelDir(channel), 'genesis.block');
    if (!existsSync(block)) await createGenesisBlock(bins.binDir, topology, channel);
    for (const orderer of topology.orderers) {
      if ((await ordererChannels(orderer)).includes(channel)) continue;
      await osnadmin(orderer, ['channel', 'join', '--channelID', channel, '--config-block', block], `join ${orderer.name} to ${channel}`);
      report(`${orderer.name} joined ${channel}`);
    }
    for (const peer of topology.peers) {
      if ((await peerChannels(peer)).includes(channel)) continue;
      await retry(() => peerCli(peer, ['channel', 'join', '-b', block], `join ${peer.name} to ${channel}`), 5, 1000);
      report(`${peer.name} joined ${channel}`);
    }
  };

  const writeConnectionProfiles = async (): Promise<void> => {
    for (const org of topology.orgs.filter((o) => o.name !== 'orderer')) {
      await writeFile(path.join(topology.stateDir, `connection-${org.name}.json`), JSON.stringify(await connectionProfile(topology, org), null, 2));
    }
  };

  const upTasks = (): Task[] => [
    {
      title: 'Fabric binaries (built from the Go module on first run)',
      run: async (report) => {
        await ensureBinaries(report);
      },
    },
    {
      title: 'Certificate authorities',
      run: async (report) => {
        await mkdir(topology.stateDir, { recursive: true });
        await writeFile(
          path.join(topology.stateDir, 'network.json'),
          JSON.stringify({ portBase: topology.portBase, channels: topology.channels }, null, 2),
        );
        for (const org of topology.orgs) await ensureNode(org.ca, report);
      },
    },
    {
      title: 'Identities enrolled with the CAs (nodes, admins, user1)',
      run: async (report) => {
        const bins = await ensureBinaries();
        for (const org of topology.orgs) {
          await enrollOrg(bins.binDir, topology, org);
          report(`${org.mspId} enrolled`);
        }
        await writePeerCoreYaml(bins.sampleConfigDir, topology);
      },
    },
    {
      title: 'Orderers (Raft, 3 nodes)',
      run: async (report) => {
        for (const orderer of topology.orderers) await ensureNode(orderer, report);
      },
    },
    {
      title: 'Peers (2 per organisation)',
      run: async (report) => {
        for (const peer of topology.peers) await ensureNode(peer, report);
      },
    },
    {
      title: `Channels (${topology.channels.join(', ')})`,
      run: async (report) => {
        for (const channel of topology.channels) await joinChannel(channel, report);
        await writeConnectionProfiles();
      },
    },
  ];

  const findNode = (name: string): FabricNode => {
    const node = allNodes(topology).find((n) => n.name === name || n.name.startsWith(`${name}.`));
    if (!node) throw new LocalnetError(LocalnetErrorCode.BAD_OPTION, `no node named ${name}; try one of: ${allNodes(topology).map((n) => n.name).join(', ')}`);
    return node;
  };

  const heightsOf = async (node: FabricNode): Promise<Record<string, number | undefined>> => {
    const heights: Record<string, number | undefined> = {};
    for (const channel of topology.channels) {
      try {
        if (node.kind === 'peer') {
          const out = await peerCli(node, ['channel', 'getinfo', '-c', channel], `read the height of ${node.name}`);
          heights[channel] = (JSON.parse(out.slice(out.indexOf('{'))) as { height: number }).height;
        } else if (node.kind === 'orderer') {
          const out = await osnadmin(node, ['channel', 'list', '--channelID', channel], `read the height of ${node.name}`);
          heights[channel] = (JSON.parse(out.slice(out.indexOf('{'))) as { height: number }).height;
        }
      } catch {
        heights[channel] = undefined;
      }
    }
    return heights;
  };

  return {
    topology,
    binaries: () => ensureBinaries(),
    upTasks,
    pidFile,
    logFile,
    channelDir,
    async up(report = () => undefined) {
      for (const task of upTasks()) {
        report(task.title);
        await task.run(report);
      }
    },
    isUp: () => allNodes(topology).every((n) => Boolean(runningRecord(pidFile(n)))),
    async down() {
      const stopped: string[] = [];
      // Peers first, so that nothing logs errors about vanished orderers or CAs on the way down.
      for (const node of [...topology.peers, ...topology.orderers, ...topology.orgs.map((o) => o.ca)]) {
        if (await stopProcess(pidFile(node))) stopped.push(node.name);
      }
      return stopped;
    },
    async reset() {
      await this.down();
      await rm(topology.stateDir, { recursive: true, force: true });
    },
    async status() {
      const result: NodeStatus[] = [];
      for (const node of allNodes(topology)) {
        const record = runningRecord(pidFile(node));
        const health = record ? await checkHealth(node.opsPort) : { ok: false, detail: 'not running' };
        result.push({
          name: node.name,
          kind: node.kind,
          org: orgOf(topology, node.org).mspId,
          address: `${topology.host}:${node.port}`,
          pid: record?.pid,
          healthy: health.ok,
          detail: health.ok ? 'healthy' : health.detail,
          memoryKiB: record ? residentKiB(record.pid) : undefined,
          heights: record && health.ok ? await heightsOf(node) : {},
        });
      }
      return result;
    },
    async stopNode(name, options = {}) {
      const node = findNode(name);
      if (options.kill) await killProcess(pidFile(node));
      else await stopProcess(pidFile(node));
    },
    async startNode(name) {
      await ensureNode(findNode(name), () => undefined);
    },
    peerCli,
    liveOrdererFlags() {
      const live = topology.orderers.filter((o) => runningRecord(pidFile(o)));
      if (live.length === 0) {
        throw new LocalnetError(LocalnetErrorCode.NETWORK_NOT_UP, 'no orderer is running', 'Run `npm run network -- up` first.');
      }
      return live.map((o) => ordererFlags(topology, o));
    },
  };
}

async function retry<T>(fn: () => Promise<T>, attempts: number, delayMs: number): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (error) {
      if (i >= attempts) throw error;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

/** A common connection profile (JSON) for one organisation, as fabric-network expects it. */
export async function connectionProfile(topology: Topology, org: Org): Promise<Record<string, unknown>> {
  const caPem = await readFile(caCertFile(org.ca), 'utf8');
  const peers = topology.peers.filter((p) => p.org === org.name);
  return {
    name: `local-${org.name}`,
    version: '1.0.0',
    client: { organization: org.mspId },
    organizations: {
      [org.mspId]: {
        mspid: org.mspId,
        peers: peers.map((p) => p.name),
        certificateAuthorities: [org.ca.name],
      },
    },
    peers: Object.fromEntries(
      peers.map((p) => [
        p.name,
        {
          url: `grpcs://${topology.host}:${p.port}`,
          tlsCACerts: { pem: caPem },
          grpcOptions: { 'ssl-target-name-override': topology.host, hostnameOverride: topology.host },
        },
      ]),
    ),
    certificateAuthorities: {
      [org.ca.name]: {
        url: `https://${topology.host}:${org.ca.port}`,
        caName: caName(org),
        tlsCACerts: { pem: [caPem] },
        httpOptions: { verify: true },
      },
    },
  };
}
