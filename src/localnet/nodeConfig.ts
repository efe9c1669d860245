import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { parseDocument } from 'yaml';

import { adminDir, caCertFile } from './cas';
import { repoRoot } from './pins';
import { orgOf, type OrdererNode, type Org, type PeerNode, type Topology } from './topology';

/**
 * Environment and configuration files of the orderer and peer processes. Fabric's own
 * sampleconfig is the base (read from the built module source at run time); everything
 * node-specific is set through Fabric's ORDERER_* and CORE_* environment overrides.
 */
const LOG_SPEC = process.env.FABRIC_LOGGING_SPEC ?? 'INFO';
// Fabric's default format colours its output, which makes log files hard to read and grep.
const LOG_FORMAT = '%{time:2006-01-02 15:04:05.000 MST} %{level:.4s} [%{module}] %{shortfunc} -> %{message}';

export function peerConfigDir(topology: Topology): string {
  return path.join(topology.stateDir, 'config', 'peer');
}

export const ccaasBuilderDir = path.join(repoRoot, 'network', 'builders', 'ccaas');

/**
 * core.yaml with the two changes a Docker-less peer needs: no Docker endpoint (on 2.5 an empty
 * CORE_VM_ENDPOINT variable is ignored, and the health check then reports docker as failed), and
 * the chaincode-as-a-service builder.
 */
export async function writePeerCoreYaml(sampleConfigDir: string, topology: Topology): Promise<string> {
  const doc = parseDocument(await readFile(path.join(sampleConfigDir, 'core.yaml'), 'utf8'));
  doc.setIn(['vm', 'endpoint'], '');
  doc.setIn(['chaincode', 'externalBuilders'], [{ name: 'ccaas', path: ccaasBuilderDir, propagateEnvironment: ['HOME'] }]);
  doc.setIn(['peer', 'gateway', 'enabled'], true);
  const dir = peerConfigDir(topology);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'core.yaml');
  await writeFile(file, doc.toString());
  return file;
}

export function ordererEnv(topology: Topology, node: OrdererNode, sampleConfigDir: string): NodeJS.ProcessEnv {
  const tls = path.join(node.home, 'tls');
  const ordererCa = caCertFile(orgOf(topology, 'orderer').ca);
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    FABRIC_CFG_PATH: sampleConfigDir,
    FABRIC_LOGGING_SPEC: LOG_SPEC,
    FABRIC_LOGGING_FORMAT: LOG_FORMAT,
    ORDERER_GENERAL_LISTENADDRESS: '127.0.0.1',
    ORDERER_GENERAL_LISTENPORT: String(node.port),
    ORDERER_GENERAL_LOCALMSPID: orgOf(topology, 'orderer').mspId,
    ORDERER_GENERAL_LOCALMSPDIR: path.join(node.home, 'msp'),
    ORDERER_GENERAL_BOOTSTRAPMETHOD: 'none',
    ORDERER_GENERAL_TLS_ENABLED: 'true',
    ORDERER_GENERAL_TLS_PRIVATEKEY: path.join(tls, 'server.key'),
    ORDERER_GENERAL_TLS_CERTIFICATE: path.join(tls, 'server.crt'),
    ORDERER_GENERAL_TLS_ROOTCAS: `[${path.join(tls, 'ca.crt')}]`,
    ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE: path.join(tls, 'server.crt'),
    ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY: path.join(tls, 'server.key'),
    ORDERER_GENERAL_CLUSTER_ROOTCAS: `[${path.join(tls, 'ca.crt')}]`,
    ORDERER_CHANNELPARTICIPATION_ENABLED: 'true',
    ORDERER_ADMIN_LISTENADDRESS: `127.0.0.1:${node.adminPort}`,
    ORDERER_ADMIN_TLS_ENABLED: 'true',
    ORDERER_ADMIN_TLS_CERTIFICATE: path.join(tls, 'server.crt'),
    ORDERER_ADMIN_TLS_PRIVATEKEY: path.join(tls, 'server.key'),
    ORDERER_ADMIN_TLS_ROOTCAS: `[${path.join(tls, 'ca.crt')}]`,
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED: 'true',
    ORDERER_ADMIN_TLS_CLIENTROOTCAS: `[${ordererCa}]`,
    ORDERER_OPERATIONS_LISTENADDRESS: `127.0.0.1:${node.opsPort}`,
    ORDERER_METRICS_PROVIDER: 'prometheus',
    ORDERER_FILELEDGER_LOCATION: path.join(node.home, 'ledger'),
    ORDERER_CONSENSUS_WALDIR: path.join(node.home, 'etcdraft', 'wal'),
    ORDERER_CONSENSUS_SNAPDIR: path.join(node.home, 'etcdraft', 'snapshot'),
  };
}

export function peerEnv(topology: Topology, node: PeerNode): NodeJS.ProcessEnv {
  const tls = path.join(node.home, 'tls');
  const sibling = topology.peers.find((p) => p.org === node.org && p.name !== node.name);
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    FABRIC_CFG_PATH: peerConfigDir(topology),
    FABRIC_LOGGING_SPEC: LOG_SPEC,
    FABRIC_LOGGING_FORMAT: LOG_FORMAT,
    CORE_PEER_ID: node.name,
    CORE_PEER_ADDRESS: `${topology.host}:${node.port}`,
    CORE_PEER_LISTENADDRESS: `127.0.0.1:${node.port}`,
    CORE_PEER_CHAINCODEADDRESS: `${topology.host}:${node.chaincodePort}`,
    CORE_PEER_CHAINCODELISTENADDRESS: `127.0.0.1:${node.chaincodePort}`,
    CORE_PEER_GOSSIP_BOOTSTRAP: sibling ? `${topology.host}:${sibling.port}` : '',
    CORE_PEER_GOSSIP_EXTERNALENDPOINT: `${topology.host}:${node.port}`,
    CORE_PEER_LOCALMSPID: orgOf(topology, node.org).mspId,
    CORE_PEER_MSPCONFIGPATH: path.join(node.home, 'msp'),
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_CERT_FILE: path.join(tls, 'server.crt'),
    CORE_PEER_TLS_KEY_FILE: path.join(tls, 'server.key'),
    CORE_PEER_TLS_ROOTCERT_FILE: path.join(tls, 'ca.crt'),
    CORE_PEER_FILESYSTEMPATH: path.join(node.home, 'data'),
    CORE_LEDGER_SNAPSHOTS_ROOTDIR: path.join(node.home, 'snapshots'),
    CORE_OPERATIONS_LISTENADDRESS: `127.0.0.1:${node.opsPort}`,
    CORE_METRICS_PROVIDER: 'prometheus',
  };
}

/** Environment for the `peer` CLI acting as an organisation's admin against one of its peers. */
export function peerAdminEnv(topology: Topology, peer: PeerNode): NodeJS.ProcessEnv {
  const org: Org = orgOf(topology, peer.org);
  return {
    ...process.env,
    FABRIC_CFG_PATH: peerConfigDir(topology),
    FABRIC_LOGGING_SPEC: 'WARN',
    CORE_PEER_LOCALMSPID: org.mspId,
    CORE_PEER_MSPCONFIGPATH: path.join(adminDir(org), 'msp'),
    CORE_PEER_ADDRESS: `${topology.host}:${peer.port}`,
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_ROOTCERT_FILE: path.join(peer.home, 'tls', 'ca.crt'),
  };
}

/** CLI flags that reach an orderer over TLS. */
export function ordererFlags(topology: Topology, orderer: OrdererNode): string[] {
  return ['-o', `${topology.host}:${orderer.port}`, '--tls', '--cafile', path.join(orderer.home, 'tls', 'ca.crt')];
}
