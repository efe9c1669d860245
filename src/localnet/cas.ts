import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { LocalnetError, LocalnetErrorCode } from './errors';
import { run } from './exec';
import type { CaNode, Org, Topology } from './topology';

/**
 * Everything that turns CA servers into MSP folders: the network's nodes, admins and first users
 * are registered and enrolled with their organisation's Fabric CA (no cryptogen), so identities
 * that the gateway enrolls later chain to the same roots.
 */
export const CA_BOOTSTRAP_USER = 'admin';
export const CA_BOOTSTRAP_PASSWORD = 'adminpw';

export interface Identity {
  readonly name: string;
  readonly secret: string;
  readonly type: 'peer' | 'orderer' | 'admin' | 'client';
  readonly attrs?: string;
  /** Folder that receives msp/ and (for nodes and admins) tls/. */
  readonly dir: string;
  readonly hosts: readonly string[];
}

export function caCertFile(ca: CaNode): string {
  return path.join(ca.home, 'ca-cert.pem');
}

export function caServerArgs(ca: CaNode, org: Org): string[] {
  return [
    'start',
    '--home', ca.home,
    '--port', String(ca.port),
    '--address', '127.0.0.1',
    '--ca.name', caName(org),
    '--boot', `${CA_BOOTSTRAP_USER}:${CA_BOOTSTRAP_PASSWORD}`,
    '--tls.enabled',
    '--csr.cn', ca.name,
    '--csr.hosts', `localhost,127.0.0.1,${ca.name}`,
    '--operations.listenaddress', `127.0.0.1:${ca.opsPort}`,
    '--loglevel', 'info',
  ];
}

export function caName(org: Org): string {
  return `ca-${org.name}`;
}

export function adminDir(org: Org): string {
  return path.join(org.home, 'users', `Admin@${org.domain}`);
}

export function userDir(org: Org, user: string): string {
  return path.join(org.home, 'users', `${user}@${org.domain}`);
}

/** The identities the network needs in one organisation. */
export function identitiesOf(topology: Topology, org: Org): Identity[] {
  const nodes =
    org.name === 'orderer'
      ? topology.orderers.map((o) => ({ name: o.name, home: o.home, type: 'orderer' as const }))
      : topology.peers.filter((p) => p.org === org.name).map((p) => ({ name: p.name, home: p.home, type: 'peer' as const }));
  const identities: Identity[] = nodes.map((n) => ({
    name: n.name.split('.')[0] ?? n.name,
    secret: `${n.name.split('.')[0] ?? n.name}pw`,
    type: n.type,
    dir: n.home,
    hosts: ['localhost', '127.0.0.1', n.name],
  }));
  identities.push({
    name: `${org.name}admin`,
    secret: `${org.name}adminpw`,
    type: 'admin',
    // The chaincode grants admin rights to certificates that carry role=admin.
    attrs: 'role=admin:ecert',
    dir: adminDir(org),
    hosts: ['localhost', '127.0.0.1'],
  });
  if (org.name !== 'orderer') {
    identities.push({
      name: 'user1',
      secret: 'user1pw',
      type: 'client',
      attrs: 'role=user:ecert',
      dir: userDir(org, 'user1'),
      hosts: ['localhost'],
    });
  }
  return identities;
}

interface CaClient {
  readonly bin: string;
  readonly ca: CaNode;
  readonly registrarHome: string;
}

function caUrl(ca: CaNode, user: string, secret: string): string {
  return `https://${encodeURIComponent(user)}:${encodeURIComponent(secret)}@localhost:${ca.port}`;
}

async function caClient(client: CaClient, args: string[], step: string, home = client.registrarHome): Promise<string> {
  const { stdout } = await run(client.bin, [...args, '--tls.certfiles', caCertFile(client.ca)], {
    step,
    env: { ...process.env, FABRIC_CA_CLIENT_HOME: home },
    timeoutMs: 60_000,
  });
  return stdout;
}

/** Registers (if new) and enrolls every identity of an organisation, writing MSP and TLS folders. */
export async function enrollOrg(binDir: string, topology: Topology, org: Org): Promise<void> {
  const client: CaClient = {
    bin: path.join(binDir, 'fabric-ca-client'),
    ca: org.ca,
    registrarHome: path.join(org.home, 'registrar'),
  };
  await mkdir(client.registrarHome, { recursive: true });
  if (!existsSync(path.join(client.registrarHome, 'msp', 'signcerts', 'cert.pem'))) {
    await caClient(client, ['enroll', '-u', caUrl(org.ca, CA_BOOTSTRAP_USER, CA_BOOTSTRAP_PASSWORD)], `enroll the ${org.ca.name} registrar`);
  }
  await writeOrgMsp(org);
  for (const identity of identitiesOf(topology, org)) {
    await enrollIdentity(client, org, identity);
  }
}

async function enrollIdentity(client: CaClient, org: Org, identity: Identity): Promise<void> {
  const mspDir = path.join(identity.dir, 'msp');
  if (existsSync(path.join(mspDir, 'signcerts', 'cert.pem')) && existsSync(path.join(identity.dir, 'tls', 'server.crt'))) {
    return;
  }
  await register(client, identity);
  const url = caUrl(org.ca, identity.name, identity.secret);
  const hosts = identity.hosts.join(',');
  await caClient(client, ['enroll', '-u', url, '-M', mspDir, '--csr.hosts', hosts], `enroll ${identity.name} (${org.name})`, identity.dir);
  await writeNodeOuConfig(mspDir, await firstFile(path.join(mspDir, 'cacerts')));
  const tlsEnrollDir = path.join(identity.dir, 'tls-enroll');
  await caClient(
    client,
    ['enroll', '-u', url, '-M', tlsEnrollDir, '--enrollment.profile', 'tls', '--csr.hosts', hosts],
    `enroll the TLS certificate of ${identity.name} (${org.name})`,
    identity.dir,
  );
  // Fixed names, so that node configuration does not depend on generated key file names.
  const tlsDir = path.join(identity.dir, 'tls');
  await mkdir(tlsDir, { recursive: true });
  await copyFile(path.join(tlsEnrollDir, 'signcerts', 'cert.pem'), path.join(tlsDir, 'server.crt'));
  await copyFile(path.join(tlsEnrollDir, 'keystore', await firstFile(path.join(tlsEnrollDir, 'keystore'))), path.join(tlsDir, 'server.key'));
  await copyFile(path.join(tlsEnrollDir, 'tlscacerts', await firstFile(path.join(tlsEnrollDir, 'tlscacerts'))), path.join(tlsDir, 'ca.crt'));
}

async function register(client: CaClient, identity: Identity): Promise<void> {
  const args = ['register', '--id.name', identity.name, '--id.secret', identity.secret, '--id.type', identity.type];
  if (identity.attrs) args.push('--id.attrs', identity.attrs);
  try {
    await caClient(client, args, `register ${identity.name}`);
  } catch (error) {
    // A re-run after a half-finished `up` finds the identity already registered: enrolling again is enough.
    if (error instanceof LocalnetError && /already registered/i.test(error.message)) return;
    throw error;
  }
}

async function firstFile(dir: string): Promise<string> {
  const files = (await readdir(dir)).filter((f) => !f.startsWith('.')).sort();
  const first = files[0];
  if (!first) throw new LocalnetError(LocalnetErrorCode.COMMAND_FAILED, `expected a file in ${dir}`);
  return first;
}

async function writeNodeOuConfig(mspDir: string, caFile: string): Promise<void> {
  const ou = (name: string): string =>
    `  ${name}OUIdentifier:\n    Certificate: cacerts/${caFile}\n    OrganizationalUnitIdentifier: ${name.toLowerCase()}\n`;
  const text = `NodeOUs:\n  Enable: true\n${ou('Client')}${ou('Peer')}${ou('Admin')}${ou('Orderer')}`;
  await writeFile(path.join(mspDir, 'config.yaml'), text);
}

/** The organisation's MSP as the channel configuration sees it: its CA root for identities and TLS. */
async function writeOrgMsp(org: Org): Promise<void> {
  await mkdir(path.join(org.mspDir, 'cacerts'), { recursive: true });
  await mkdir(path.join(org.mspDir, 'tlscacerts'), { recursive: true });
  await copyFile(caCertFile(org.ca), path.join(org.mspDir, 'cacerts', 'ca.pem'));
  await copyFile(caCertFile(org.ca), path.join(org.mspDir, 'tlscacerts', 'ca.pem'));
  await writeNodeOuConfig(org.mspDir, 'ca.pem');
}
