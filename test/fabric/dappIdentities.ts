import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import type { LedgerIdentity } from '../../src/ledger';
import { orgOf, type LocalNetwork, type PeerOrgName } from '../../src/localnet';

/** A ledger identity read from an enrolled user's MSP folder of the test network. */
export async function dappIdentity(network: LocalNetwork, org: PeerOrgName, user: string): Promise<LedgerIdentity> {
  const o = orgOf(network.topology, org);
  const dir = path.join(o.home, 'users', `${user}@${o.domain}`, 'msp');
  const keyFile = (await readdir(path.join(dir, 'keystore'))).find((f) => !f.startsWith('.'));
  if (!keyFile) throw new Error(`no private key for ${user}@${o.domain}`);
  return {
    key: `${o.mspId}/${user}`,
    mspId: o.mspId,
    certificate: await readFile(path.join(dir, 'signcerts', 'cert.pem'), 'utf8'),
    privateKey: await readFile(path.join(dir, 'keystore', keyFile), 'utf8'),
  };
}

/** The connection profiles the test network wrote, by MSP ID. */
export function dappConnectionProfiles(network: LocalNetwork): Record<string, string> {
  const profiles: Record<string, string> = {};
  for (const org of ['org1', 'org2'] as const) profiles[orgOf(network.topology, org).mspId] = path.join(network.topology.stateDir, `connection-${org}.json`);
  return profiles;
}

/** The owner string the sample chaincode gives an identity: `<MSP ID>/<enrollment ID>` (from the certificate). */
export function ownerOf(identity: LedgerIdentity): string {
  // Fabric CA writes the attributes as raw JSON inside a certificate extension: find it in the DER.
  const der = Buffer.from(identity.certificate.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64').toString('latin1');
  const enrollmentId = /"hf\.EnrollmentID":"([^"]+)"/.exec(der);
  return `${identity.mspId}/${enrollmentId?.[1] ?? identity.key.split('/')[1] ?? ''}`;
}
