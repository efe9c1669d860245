import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { promisify } from 'node:util';

import { formatRoute, READY_LINE, startForwarder, type Forwarder, type Route } from './forwarder';

/**
 * A Linux network namespace for the partition scenario (issue #8): processes started inside it
 * (`ip netns exec <netns>`) reach the Fabric nodes and PostgreSQL of this machine over veth pairs,
 * one pair ("link") per group of ports, and one link can be cut and healed.
 *
 *   const lab = await createNetnsLab({ name: 'lgw-part', links: [{ name: 'm', ports: [5432, ...] }, { name: 'o2', ports: org2PeerPorts }] });
 *   startGatewayProcess({ ..., netns: lab.netns, host: lab.address });
 *   await lab.cut('o2'); ...; await lab.heal('o2');
 *   await lab.destroy();
 *
 * The nodes listen on 127.0.0.1 only, which a namespace cannot route to, so each port P is relayed
 * twice (`forwarder.ts`): inside the namespace 127.0.0.1:P -> the host's end of P's link, and on
 * the host (in this process) that end -> 127.0.0.1:P. Link i is 10.231.<i+1>.0/30 (host .1,
 * namespace .2); the namespace's processes listen on the first link's .2, which the host reaches
 * directly. One difference from a real partition: the relay inside still accepts a connection to a
 * cut port (the SYN never leaves loopback), then nothing comes back, so callers time out in the TLS
 * handshake or the call rather than in connect(); either way they get silence, not a refusal.
 * Needs root and iproute2 (`ip`, `tc`); no firewall. Every name starts with `lgw-`, and
 * `removeLeftovers()` deletes what a crashed run left behind by that prefix.
 */
const execFileAsync = promisify(execFile);

export const NAME_PREFIX = 'lgw-';
const SUBNET = '10.231';
const repoRoot = path.resolve(__dirname, '..', '..');

export interface LinkSpec {
  /** Short (the veth ends are `<netns>-<name>-h` and `-n`; Linux allows 15 characters). */
  readonly name: string;
  /** The 127.0.0.1 ports the namespace reaches over this link. */
  readonly ports: readonly number[];
}

export interface NetnsLab {
  readonly netns: string;
  /** The namespace's own address, reachable from the host: where its processes listen. */
  readonly address: string;
  /** Drops every packet on the link, both ways, until `heal`. */
  cut(link: string): Promise<void>;
  heal(link: string): Promise<void>;
  /** Packets dropped on the link since the cut (both ends). */
  dropped(link: string): Promise<number>;
  /** Stops the relays and whatever still runs inside, deletes the namespace and its links. */
  destroy(): Promise<void>;
}

/** Runs a command; its stdout, or an error with its stderr. */
async function run(file: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(file, [...args]);
    return stdout;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') throw new Error(`the partition scenario needs \`${file}\` (iproute2: apt-get install iproute2) and root`);
    throw new Error(`${file} ${args.join(' ')}: ${failure.stderr?.trim() || failure.message}`);
  }
}

/** Checks, before anything is made, that namespaces can be made here (root, iproute2 with tc). */
async function checkTools(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the partition scenario needs root (it makes network namespaces and veth pairs)');
  await run('ip', ['-V']);
  await run('tc', ['-V']);
}

/** Deletes every `lgw-` namespace (SIGKILLing the processes still in it, by pid) and `lgw-` link. */
export async function removeLeftovers(): Promise<string[]> {
  const removed: string[] = [];
  const namespaces = (await run('ip', ['netns', 'list'])).split('\n').map((line) => line.split(' ')[0] ?? '');
  for (const netns of namespaces.filter((n) => n.startsWith(NAME_PREFIX))) {
    await killInside(netns);
    await run('ip', ['netns', 'del', netns]);
    removed.push(netns);
  }
  const links = JSON.parse(await run('ip', ['-j', 'link', 'show'])) as { ifname: string }[];
  for (const { ifname } of links.filter((l) => l.ifname.startsWith(NAME_PREFIX))) {
    // Deleting one end of a veth pair deletes the other: the second may be gone already.
    await run('ip', ['link', 'del', ifname]).catch(() => undefined);
    removed.push(ifname);
  }
  return removed;
}

/** SIGKILLs the processes inside the namespace (only this scenario's run there), by pid. */
async function killInside(netns: string): Promise<void> {
  const pids = (await run('ip', ['netns', 'pids', netns])).split(/\s+/).filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

async function macOf(device: string, netns?: string): Promise<string> {
  const [link] = JSON.parse(await run('ip', [...(netns ? ['-n', netns] : []), '-j', 'link', 'show', 'dev', device])) as { address?: string }[];
  if (!link?.address) throw new Error(`no MAC address for ${device}`);
  return link.address;
}

interface Link {
  readonly spec: LinkSpec;
  readonly host: string;
  readonly inside: string;
  readonly hostAddress: string;
  readonly nsAddress: string;
}

/** One veth pair: host end up with .1, namespace end with .2, each knowing the other's MAC for good. */
async function addLink(netns: string, spec: LinkSpec, index: number): Promise<Link> {
  const link = { spec, host: `${netns}-${spec.name}-h`, inside: `${netns}-${spec.name}-n`, hostAddress: `${SUBNET}.${index + 1}.1`, nsAddress: `${SUBNET}.${index + 1}.2` };
  if (link.host.length > 15) throw new Error(`link name ${link.host} is longer than Linux's 15 characters`);
  await run('ip', ['link', 'add', link.host, 'type', 'veth', 'peer', 'name', link.inside, 'netns', netns]);
  await run('ip', ['addr', 'add', `${link.hostAddress}/30`, 'dev', link.host]);
  await run('ip', ['-n', netns, 'addr', 'add', `${link.nsAddress}/30`, 'dev', link.inside]);
  await run('ip', ['link', 'set', link.host, 'up']);
  await run('ip', ['-n', netns, 'link', 'set', link.inside, 'up']);
  // Permanent neighbour entries: with ARP dropped during a cut, the neighbour would turn FAILED and
  // connects would get EHOSTUNREACH at once (even for a while after healing) instead of silence.
  await run('ip', ['neigh', 'replace', link.nsAddress, 'lladdr', await macOf(link.inside, netns), 'dev', link.host, 'nud', 'permanent']);
  await run('ip', ['-n', netns, 'neigh', 'replace', link.hostAddress, 'lladdr', await macOf(link.host), 'dev', link.inside, 'nud', 'permanent']);
  return link;
}

/** The relay inside the namespace, as a process there; resolves once every route listens. */
async function startInsideForwarder(netns: string, routes: readonly Route[]): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '--import', 'tsx', path.join(__dirname, 'forwarder.ts'), ...routes.map(formatRoute)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ready = new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(READY_LINE)) resolve();
    });
  });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the forwarder in ${netns} exited (${String(code)}):\n${output}`);
  });
  await Promise.race([ready, exited]);
  exited.catch(() => undefined);
  return child;
}

/** The link's two ends, as tc's options (the namespace) and device. */
const ends = (netns: string, link: Link): { options: string[]; dev: string }[] => [
  { options: [], dev: link.host },
  { options: ['-n', netns], dev: link.inside },
];

export async function createNetnsLab(options: { name: string; links: readonly LinkSpec[] }): Promise<NetnsLab> {
  const netns = options.name;
  if (!netns.startsWith(NAME_PREFIX)) throw new Error(`namespace names start with ${NAME_PREFIX}: ${netns}`);
  await checkTools();
  await removeLeftovers();
  const links: Link[] = [];
  let inside: ChildProcess | undefined;
  let outside: Forwarder | undefined;
  const linkNamed = (name: string): Link => {
    const link = links.find((l) => l.spec.name === name);
    if (!link) throw new Error(`no link ${name} in ${netns}`);
    return link;
  };
  const lab: NetnsLab = {
    netns,
    address: `${SUBNET}.1.2`,
    async cut(name) {
      // A zero-length egress queue at both ends: every packet is dropped as it leaves. Not `ip link
      // set down` (ENETUNREACH at once: a refusal) nor a reset: a partition is silence, so TCP
      // retransmits until its own or gRPC's timeouts give up. (tc's netem is not in this kernel.)
      for (const end of ends(netns, linkNamed(name))) await run('tc', [...end.options, 'qdisc', 'replace', 'dev', end.dev, 'root', 'pfifo', 'limit', '0']);
    },
    async heal(name) {
      for (const end of ends(netns, linkNamed(name))) await run('tc', [...end.options, 'qdisc', 'del', 'dev', end.dev, 'root']);
    },
    async dropped(name) {
      let drops = 0;
      for (const end of ends(netns, linkNamed(name))) {
        const qdiscs = JSON.parse(await run('tc', [...end.options, '-s', '-j', 'qdisc', 'show', 'dev', end.dev])) as { kind: string; drops?: number }[];
        drops += qdiscs.filter((q) => q.kind === 'pfifo').reduce((sum, q) => sum + (q.drops ?? 0), 0);
      }
      return drops;
    },
    async destroy() {
      await outside?.close();
      outside = undefined;
      if (inside && inside.exitCode === null && inside.signalCode === null) {
        const exited = once(inside, 'exit');
        inside.kill('SIGKILL');
        await exited;
      }
      const exists = (await run('ip', ['netns', 'list'])).split('\n').some((line) => line.split(' ')[0] === netns);
      if (!exists) return;
      await killInside(netns);
      await run('ip', ['netns', 'del', netns]);
    },
  };
  try {
    await run('ip', ['netns', 'add', netns]);
    await run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    for (const [index, spec] of options.links.entries()) links.push(await addLink(netns, spec, index));
    const routes = links.flatMap((link) => link.spec.ports.map((port) => ({ port, link })));
    outside = await startForwarder(routes.map(({ port, link }) => ({ listen: { host: link.hostAddress, port }, to: { host: '127.0.0.1', port } })));
    inside = await startInsideForwarder(
      netns,
      routes.map(({ port, link }) => ({ listen: { host: '127.0.0.1', port }, to: { host: link.hostAddress, port } })),
    );
  } catch (error) {
    await lab.destroy().catch(() => undefined);
    throw error;
  }
  return lab;
}
