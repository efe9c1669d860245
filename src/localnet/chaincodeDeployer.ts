import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { packageIdOf, writeCcaasPackage } from './ccPackage';
import { LocalnetError, LocalnetErrorCode } from './errors';
import { run } from './exec';
import type { LocalNetwork } from './network';
import { repoRoot } from './pins';
import { isPortFree } from './ports';
import { readLogTail, runningRecord, startProcess, stopProcess } from './processes';
import type { PeerNode } from './topology';

/**
 * Deploys the sample chaincode the Fabric v2 lifecycle way: package (chaincode as a service),
 * install on every peer, approve for every organisation, check readiness, commit with the next
 * sequence, run the chaincode server the peers dial, and wait until it answers. Every step checks
 * what is already done first, so a re-run finishes an interrupted deployment and a repeat is a no-op.
 */
export interface DeployOptions {
  readonly channel: string;
  readonly name: string;
  /** Defaults: deploy uses the chaincode's package.json version; upgrade bumps the committed one. */
  readonly version?: string;
}

export interface DeployResult {
  readonly channel: string;
  readonly name: string;
  readonly version: string;
  readonly sequence: number;
  readonly packageId: string;
  readonly address: string;
  readonly changed: boolean;
}

export interface CommittedDefinition {
  readonly version: string;
  readonly sequence: number;
}

interface ServerRecord {
  readonly channel: string;
  readonly name: string;
  readonly version: string;
  readonly label: string;
  readonly packageId: string;
  readonly port: number;
}

export interface ChaincodeDeployer {
  deploy(options: DeployOptions, report?: (m: string) => void): Promise<DeployResult>;
  upgrade(options: DeployOptions, report?: (m: string) => void): Promise<DeployResult>;
  list(channel: string): Promise<ChaincodeListing[]>;
  /** Starts the recorded chaincode servers that are not running (after a network restart). */
  ensureServers(report?: (m: string) => void): Promise<void>;
  stopServers(): Promise<string[]>;
}

export interface ChaincodeListing {
  readonly name: string;
  readonly version: string;
  readonly sequence: number;
  readonly server: { readonly address: string; readonly pid: number | undefined } | undefined;
}

export const chaincodeDir = path.join(repoRoot, 'chaincode');
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

/** "1.0.0" -> "1.0.1", "2" -> "3", "v1.2-rc" -> "v1.3-rc"... the last number goes up by one. */
export function nextVersion(version: string): string {
  const match = /^(.*?)(\d+)(\D*)$/.exec(version);
  if (!match) return `${version}.1`;
  const [, head = '', digits = '0', tail = ''] = match;
  return `${head}${String(Number(digits) + 1)}${tail}`;
}

export function createChaincodeDeployer(deps: { network: LocalNetwork }): ChaincodeDeployer {
  const { network } = deps;
  const { topology } = network;
  const stateDir = path.join(topology.stateDir, 'chaincode');
  const serverFile = (label: string, channel: string): string => path.join(stateDir, channel, `${label}.json`);
  const serverPidFile = (label: string, channel: string): string => path.join(stateDir, channel, `${label}.process.json`);
  const packageFile = (label: string, channel: string): string => path.join(stateDir, channel, `${label}.tar.gz`);

  const validate = (options: DeployOptions): void => {
    if (!topology.channels.includes(options.channel)) {
      throw new LocalnetError(
        LocalnetErrorCode.BAD_OPTION,
        `unknown channel "${options.channel}"; this network has: ${topology.channels.join(', ')}`,
      );
    }
    if (!NAME_PATTERN.test(options.name)) {
      throw new LocalnetError(LocalnetErrorCode.BAD_OPTION, `bad chaincode name "${options.name}": use 1-64 letters, digits, '_' or '-'`);
    }
    if (options.version !== undefined && !VERSION_PATTERN.test(options.version)) {
      throw new LocalnetError(LocalnetErrorCode.BAD_OPTION, `bad version "${options.version}": use 1-64 letters, digits, '.', '_', '+' or '-'`);
    }
    if (!network.isUp()) {
      throw new LocalnetError(LocalnetErrorCode.NETWORK_NOT_UP, 'the network is not (fully) running', 'Run `npm run network -- up` first.');
    }
  };

  const anyPeer = (): PeerNode => {
    const peer = topology.peers.find((p) => runningRecord(network.pidFile(p)));
    if (!peer) throw new LocalnetError(LocalnetErrorCode.NETWORK_NOT_UP, 'no peer is running', 'Run `npm run network -- up` first.');
    return peer;
  };

  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof LocalnetError && error.code === LocalnetErrorCode.CHAINCODE_STEP_FAILED) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new LocalnetError(LocalnetErrorCode.CHAINCODE_STEP_FAILED, `chaincode step "${name}" failed: ${message}`, undefined, { cause: error });
    }
  };

  const committed = async (channel: string, name: string): Promise<CommittedDefinition | undefined> => {
    try {
      const out = await network.peerCli(anyPeer(), ['lifecycle', 'chaincode', 'querycommitted', '-C', channel, '-n', name, '-O', 'json'], `query the committed definition of ${name}`);
      const parsed = JSON.parse(out.slice(out.indexOf('{'))) as { version: string; sequence: number };
      return { version: parsed.version, sequence: parsed.sequence };
    } catch (error) {
      if (error instanceof LocalnetError && /not found|namespace .* is not defined/i.test(error.message)) return undefined;
      throw error;
    }
  };

  const pickPort = async (): Promise<number> => {
    const used = new Set<number>();
    for (const record of await serverRecords()) used.add(record.port);
    for (let port = topology.chaincodePortRange[0]; port <= topology.chaincodePortRange[1]; port++) {
      if (!used.has(port) && (await isPortFree(port))) return port;
    }
    throw new LocalnetError(LocalnetErrorCode.PORT_IN_USE, `no free chaincode server port in ${topology.chaincodePortRange.join('-')}`);
  };

  const serverRecords = async (): Promise<ServerRecord[]> => {
    const records: ServerRecord[] = [];
    for (const channel of topology.channels) {
      const dir = path.join(stateDir, channel);
      if (!existsSync(dir)) continue;
      for (const file of await readdir(dir)) {
        if (file.endsWith('.json') && !file.endsWith('.process.json')) {
          records.push(JSON.parse(await readFile(path.join(dir, file), 'utf8')) as ServerRecord);
        }
      }
    }
    return records;
  };

  /** The package for a version, made once and kept, so its bytes and ID never change. */
  const ensurePackage = async (channel: string, name: string, version: string): Promise<ServerRecord> => {
    const label = `${name}_${version}`;
    const recordFile = serverFile(label, channel);
    if (existsSync(recordFile) && existsSync(packageFile(label, channel))) {
      return JSON.parse(await readFile(recordFile, 'utf8')) as ServerRecord;
    }
    const port = await pickPort();
    await writeCcaasPackage({ label, address: `${topology.host}:${port}` }, packageFile(label, channel));
    const record: ServerRecord = { channel, name, version, label, port, packageId: await packageIdOf(label, packageFile(label, channel)) };
    await mkdir(path.dirname(recordFile), { recursive: true });
    await writeFile(recordFile, JSON.stringify(record, null, 2));
    return record;
  };

  const startServer = async (record: ServerRecord, report: (m: string) => void): Promise<void> => {
    const pidFile = serverPidFile(record.label, record.channel);
    if (runningRecord(pidFile)) return;
    if (!existsSync(path.join(chaincodeDir, 'dist', 'index.js'))) await buildChaincode();
    const bin = path.join(repoRoot, 'node_modules', 'fabric-shim', 'cli.js');
    const logFile = network.logFile(`chaincode-${record.channel}-${record.label}`);
    const started = await startProcess({
      command: process.execPath,
      args: [bin, 'server', '--chaincode-address', `127.0.0.1:${record.port}`, '--chaincode-id', record.packageId],
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', CORE_CHAINCODE_LOGGING_LEVEL: 'info' },
      cwd: chaincodeDir,
      pidFile,
      logFile,
    });
    const deadline = Date.now() + 30_000;
    while (await isPortFree(record.port)) {
      if (!runningRecord(pidFile) || Date.now() > deadline) {
        throw new LocalnetError(
          LocalnetErrorCode.CHAINCODE_STEP_FAILED,
          `the chaincode server ${record.label} did not start listening on ${record.port}\n${await readLogTail(logFile)}`,
        );
      }
      await sleep(200);
    }
    report(`chaincode server ${record.label} listening on ${topology.host}:${record.port} (pid ${started.pid})`);
  };

  const install = async (record: ServerRecord, report: (m: string) => void): Promise<void> => {
    for (const peer of topology.peers) {
      await step(`install on ${peer.name}`, async () => {
        const out = await network.peerCli(peer, ['lifecycle', 'chaincode', 'queryinstalled', '-O', 'json'], `list the chaincodes installed on ${peer.name}`);
        const installed = JSON.parse(out.slice(Math.max(0, out.indexOf('{'))) || '{}') as { installed_chaincodes?: { package_id: string }[] };
        if (installed.installed_chaincodes?.some((c) => c.package_id === record.packageId)) return;
        await network.peerCli(peer, ['lifecycle', 'chaincode', 'install', packageFile(record.label, record.channel)], `install ${record.label} on ${peer.name}`);
        report(`installed on ${peer.name}`);
      });
    }
  };

  const approveAndCommit = async (record: ServerRecord, sequence: number, report: (m: string) => void): Promise<void> => {
    const definition = ['-C', record.channel, '-n', record.name, '-v', record.version, '--sequence', String(sequence)];
    const firstPeers = ['org1', 'org2'].map((org) => {
      const peer = topology.peers.find((p) => p.org === org && runningRecord(network.pidFile(p)));
      if (!peer) throw new LocalnetError(LocalnetErrorCode.NETWORK_NOT_UP, `no peer of ${org} is running`);
      return peer;
    });
    const readiness = async (): Promise<Record<string, boolean>> => {
      const out = await network.peerCli(firstPeers[0] ?? anyPeer(), ['lifecycle', 'chaincode', 'checkcommitreadiness', ...definition, '-O', 'json'], 'check commit readiness');
      return (JSON.parse(out.slice(out.indexOf('{'))) as { approvals: Record<string, boolean> }).approvals;
    };
    for (const peer of firstPeers) {
      const mspId = peer.org === 'org1' ? 'Org1MSP' : 'Org2MSP';
      await step(`approve for ${mspId} on ${peer.name}`, () =>
        untilDone(
          async () => (await readiness())[mspId] === true,
          (orderer) => network.peerCli(peer, ['lifecycle', 'chaincode', 'approveformyorg', ...definition, '--package-id', record.packageId, ...orderer], `approve for ${mspId}`),
        ),
      );
      report(`approved for ${mspId}`);
    }
    // Approvals reach every peer through blocks; wait until the peer we ask has seen them all.
    await step('wait for approvals', async () => {
      for (let i = 0; i < 60; i++) {
        if (Object.values(await readiness()).every(Boolean)) return;
        await sleep(500);
      }
      throw new Error('not every organisation has approved after 30 s');
    });
    const endorsers = firstPeers.flatMap((p) => ['--peerAddresses', `${topology.host}:${p.port}`, '--tlsRootCertFiles', path.join(p.home, 'tls', 'ca.crt')]);
    await step('commit', () =>
      untilDone(
        async () => (await committed(record.channel, record.name))?.sequence === sequence,
        (orderer) => network.peerCli(firstPeers[0] ?? anyPeer(), ['lifecycle', 'chaincode', 'commit', ...definition, ...endorsers, ...orderer], 'commit the definition'),
      ),
    );
    report(`committed ${record.name} ${record.version} (sequence ${sequence}) on ${record.channel}`);
  };

  /**
   * Does an ordering step until its effect is visible. A just-restarted orderer may have no Raft
   * leader yet, so each attempt goes to the next running orderer; checking the effect first keeps
   * a retried approve or commit from being sent twice.
   */
  const untilDone = async (isDone: () => Promise<boolean>, act: (ordererFlags: string[]) => Promise<unknown>): Promise<void> => {
    const deadline = Date.now() + 60_000;
    let lastError: unknown;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      if (await isDone()) return;
      const orderers = network.liveOrdererFlags();
      try {
        await act(orderers[attempt % orderers.length] ?? []);
        lastError = undefined;
      } catch (error) {
        lastError = error;
      }
      // The effect shows once the block is committed on the peer we ask.
      for (let i = 0; i < 10 && !(await isDone()); i++) await sleep(300);
    }
    if (await isDone()) return;
    if (lastError instanceof Error) throw lastError;
    throw new Error('the change did not show on the ledger within 60 s');
  };

  /** Invokable means: every running peer answers a read through the new chaincode server. */
  const waitInvocable = async (record: ServerRecord): Promise<void> => {
    await step('wait until invocable', async () => {
      for (const peer of topology.peers.filter((p) => runningRecord(network.pidFile(p)))) {
        const deadline = Date.now() + 60_000;
        for (;;) {
          try {
            const out = await network.peerCli(peer, ['lifecycle', 'chaincode', 'querycommitted', '-C', record.channel, '-n', record.name, '-O', 'json'], 'query');
            const def = JSON.parse(out.slice(out.indexOf('{'))) as { version: string };
            if (def.version === record.version) {
              await network.peerCli(peer, ['chaincode', 'query', '-C', record.channel, '-n', record.name, '-c', '{"Args":["org.hyperledger.fabric:GetMetadata"]}'], `read through ${peer.name}`);
              break;
            }
          } catch (error) {
            if (Date.now() > deadline) throw error;
          }
          if (Date.now() > deadline) throw new Error(`${peer.name} does not see version ${record.version}`);
          await sleep(500);
        }
      }
    });
  };

  const rollOut = async (options: DeployOptions, version: string, sequence: number, report: (m: string) => void): Promise<DeployResult> => {
    await step('build the chaincode', buildChaincode);
    const record = await step('package', () => ensurePackage(options.channel, options.name, version));
    await install(record, report);
    await step('start the chaincode server', () => startServer(record, report));
    await approveAndCommit(record, sequence, report);
    await waitInvocable(record);
    return { ...result(record, sequence), changed: true };
  };

  const result = (record: ServerRecord, sequence: number): DeployResult => ({
    channel: record.channel,
    name: record.name,
    version: record.version,
    sequence,
    packageId: record.packageId,
    address: `${topology.host}:${record.port}`,
    changed: false,
  });

  const retireOthers = async (keep: ServerRecord): Promise<void> => {
    for (const record of await serverRecords()) {
      if (record.channel !== keep.channel || record.name !== keep.name || record.label === keep.label) continue;
      await stopProcess(serverPidFile(record.label, record.channel));
      await rm(serverFile(record.label, record.channel), { force: true });
    }
  };

  return {
    async deploy(options, report = () => undefined) {
      validate(options);
      const version = options.version ?? (await chaincodePackageVersion());
      const current = await step('query the committed definition', () => committed(options.channel, options.name));
      if (current?.version === version) {
        // Already live: make sure its server runs (it may have been stopped with the network).
        const record = await ensurePackage(options.channel, options.name, version);
        await step('start the chaincode server', () => startServer(record, report));
        await waitInvocable(record);
        return result(record, current.sequence);
      }
      const deployed = await rollOut(options, version, (current?.sequence ?? 0) + 1, report);
      await retireOthers(await ensurePackage(options.channel, options.name, version));
      return deployed;
    },
    async upgrade(options, report = () => undefined) {
      validate(options);
      const current = await step('query the committed definition', () => committed(options.channel, options.name));
      if (!current) {
        throw new LocalnetError(LocalnetErrorCode.BAD_OPTION, `${options.name} is not deployed on ${options.channel}; use \`chaincode deploy\` first`);
      }
      const version = options.version ?? nextVersion(current.version);
      if (version === current.version) {
        throw new LocalnetError(LocalnetErrorCode.BAD_OPTION, `${options.name} already runs version ${version}; give a new --version`);
      }
      // The old server keeps answering until the new definition is committed, so reads never stop.
      const deployed = await rollOut(options, version, current.sequence + 1, report);
      await retireOthers(await ensurePackage(options.channel, options.name, version));
      return deployed;
    },
    async list(channel) {
      const out = await network.peerCli(anyPeer(), ['lifecycle', 'chaincode', 'querycommitted', '-C', channel, '-O', 'json'], `list the chaincodes of ${channel}`);
      const parsed = JSON.parse(out.slice(out.indexOf('{'))) as { chaincode_definitions?: { name: string; version: string; sequence: number }[] };
      const records = await serverRecords();
      return (parsed.chaincode_definitions ?? []).map((d) => {
        const record = records.find((r) => r.channel === channel && r.name === d.name && r.version === d.version);
        return {
          name: d.name,
          version: d.version,
          sequence: d.sequence,
          server: record ? { address: `${topology.host}:${record.port}`, pid: runningRecord(serverPidFile(record.label, channel))?.pid } : undefined,
        };
      });
    },
    async ensureServers(report = () => undefined) {
      for (const record of await serverRecords()) await startServer(record, report);
    },
    async stopServers() {
      const stopped: string[] = [];
      for (const record of await serverRecords()) {
        if (await stopProcess(serverPidFile(record.label, record.channel))) stopped.push(record.label);
      }
      return stopped;
    },
  };
}

export async function buildChaincode(): Promise<void> {
  await run('npm', ['run', 'build', '--silent'], { cwd: chaincodeDir, step: 'build the chaincode (tsc)' });
}

async function chaincodePackageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(path.join(chaincodeDir, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
