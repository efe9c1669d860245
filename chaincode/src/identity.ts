import type { Context } from 'fabric-contract-api';

import { ChaincodeError } from './errors';
import { OWNER_PATTERN } from './validate';

export type Identity = Pick<Context['clientIdentity'], 'getMSPID' | 'getID' | 'getAttributeValue' | 'assertAttributeValue'>;

/** Fabric CA writes the enrollment ID into every certificate it issues under this attribute. */
export const ENROLLMENT_ID_ATTRIBUTE = 'hf.EnrollmentID';
export const ADMIN_ATTRIBUTE = 'role';
export const ADMIN_ATTRIBUTE_VALUE = 'admin';

/**
 * The caller as an owner / account string: `<MSP ID>/<enrollment ID>`. The enrollment ID comes
 * from the hf.EnrollmentID certificate attribute, or else from the subject CN (certificates not
 * issued by Fabric CA, e.g. cryptogen's). A caller that maps to no valid owner string cannot own
 * anything, hence FORBIDDEN.
 */
export function ownerOf(identity: Identity): string {
  const enrollmentId = identity.getAttributeValue(ENROLLMENT_ID_ATTRIBUTE) ?? subjectCommonName(identity.getID());
  const owner = `${identity.getMSPID()}/${enrollmentId ?? ''}`;
  if (enrollmentId === undefined || !OWNER_PATTERN.test(owner)) {
    throw new ChaincodeError('FORBIDDEN', 'the caller certificate yields no valid <MSP ID>/<enrollment ID> owner');
  }
  return owner;
}

/** Admins are identities whose certificate carries the attribute role=admin. */
export function isAdmin(identity: Identity): boolean {
  return identity.assertAttributeValue(ADMIN_ATTRIBUTE, ADMIN_ATTRIBUTE_VALUE);
}

/**
 * The subject CN from a client identity id. The Node shim builds the id as
 * `x509::/C=US/.../CN=user1::/C=US/.../CN=ca.org1.example.com` (subject, then issuer); the Go
 * shim's comma-separated form `x509::CN=user1,OU=client,...::CN=ca...` is understood as well.
 */
export function subjectCommonName(id: string): string | undefined {
  if (!id.startsWith('x509::')) return undefined;
  const rest = id.slice('x509::'.length);
  const end = rest.indexOf('::');
  const subject = end === -1 ? rest : rest.slice(0, end);
  // Split at '/' or ',' unless escaped with a backslash; a CN that contained one fails the
  // owner pattern later anyway.
  const parts = subject.split(/(?<!\\)[/,]/).map((part) => part.trim());
  const cn = parts.find((part) => part.startsWith('CN='));
  return cn === undefined || cn.length === 'CN='.length ? undefined : cn.slice('CN='.length);
}
