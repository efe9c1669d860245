import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import FabricCAServices from 'fabric-ca-client';
import { User } from 'fabric-common';

import { AppError, ErrorCode, type Logger } from '../../common';
import type { Secret } from '../../config';
import type { WalletIdentity } from './ledgerIdentity';

/**
 * The organisations' Fabric CAs, reached through the `certificateAuthorities` of their connection
 * profiles, and the registrar identity that registers, enrolls and revokes users. The registrar is
 * enrolled once per process, on first use, and kept in memory only.
 *
 * Every operation uses a fresh FabricCAServices with its own in-memory key store, so the keys the
 * SDK generates are never written to disk and are dropped with the operation.
 */
export type IdentityRole = 'admin' | 'user';

export interface EnrolledCredentials {
  readonly certificate: string;
  readonly privateKeyPem: string;
}

export interface CertificateAuthorities {
  readonly mspIds: readonly string[];
  /** Registers `enrollmentId` with a random one-time secret and `role=<role>:ecert`, then enrolls it. */
  registerAndEnroll(request: { mspId: string; enrollmentId: string; role: IdentityRole }): Promise<EnrolledCredentials>;
  /** A new key and certificate for an identity, authenticated by its current ones; the role attribute carries over. */
  reenroll(identity: WalletIdentity): Promise<EnrolledCredentials>;
  /** Revokes every certificate of the enrollment id; the CA refuses it from then on. */
  revoke(request: { mspId: string; enrollmentId: string; reason?: string }): Promise<void>;
  /** The PEMs of the enrollment id's certificates that the CA has issued and neither revoked nor seen expire. */
  activeCertificates(request: { mspId: string; enrollmentId: string }): Promise<string[]>;
}

/** FabricCAServices' certificate service, which its type declarations leave out. */
interface CertificateQuery {
  newCertificateService(): {
    getCertificates(request: { id: string; notrevoked: boolean; notexpired: boolean }, registrar: User): Promise<{ result?: { certs?: { PEM?: string }[] } }>;
  };
}

export interface CaEndpoint {
  readonly mspId: string;
  readonly url: string;
  readonly caName: string;
  readonly tlsRootsPem: readonly string[];
}

export interface CertificateAuthoritiesDeps {
  readonly endpoints: readonly CaEndpoint[];
  readonly registrarId: string;
  readonly registrarSecret: Secret;
  readonly log: Logger;
}

const ENROLL_ATTEMPTS = 3;
const ENROLL_RETRY_MS = 500;

/** The attributes every enrollment certificate of ours carries. */
const ATTRIBUTE_REQUESTS: FabricCAServices.IAttributeRequest[] = [
  { name: 'role', optional: false },
  { name: 'hf.EnrollmentID', optional: false },
  { name: 'hf.Type', optional: true },
  { name: 'hf.Affiliation', optional: true },
];

/** Reads the CA of each organisation from its common connection profile. */
export async function caEndpointsFromProfiles(profilePaths: readonly string[]): Promise<CaEndpoint[]> {
  const endpoints: CaEndpoint[] = [];
  for (const file of profilePaths) {
    const profile = JSON.parse(await readFile(file, 'utf8')) as ConnectionProfile;
    const { mspId, caKey, ca } = clientCa(profile, file);
    endpoints.push({ mspId, url: ca.url, caName: ca.caName ?? caKey, tlsRootsPem: await tlsRoots(ca.tlsCACerts, path.dirname(file)) });
  }
  return endpoints;
}

type CaEntry = NonNullable<ConnectionProfile['certificateAuthorities']>[string];

/** The first CA of the profile's client organisation. */
function clientCa(profile: ConnectionProfile, file: string): { mspId: string; caKey: string; ca: CaEntry & { url: string } } {
  const org = profile.organizations?.[profile.client?.organization ?? ''];
  const caKey = org?.certificateAuthorities?.[0] ?? '';
  const ca = profile.certificateAuthorities?.[caKey];
  if (!org?.mspid || ca?.url === undefined) {
    throw new AppError(ErrorCode.INTERNAL, `connection profile ${file}: no certificate authority for its client organisation`, { file });
  }
  return { mspId: org.mspid, caKey, ca: { ...ca, url: ca.url } };
}

interface ConnectionProfile {
  client?: { organization?: string };
  organizations?: Record<string, { mspid?: string; certificateAuthorities?: string[] }>;
  certificateAuthorities?: Record<string, { url?: string; caName?: string; tlsCACerts?: { pem?: string | string[]; path?: string } }>;
}

async function tlsRoots(certs: { pem?: string | string[]; path?: string } | undefined, baseDir: string): Promise<string[]> {
  if (certs?.pem !== undefined) return Array.isArray(certs.pem) ? certs.pem : [certs.pem];
  if (certs?.path !== undefined) return [await readFile(path.resolve(baseDir, certs.path), 'utf8')];
  return [];
}

export function createCertificateAuthorities({ endpoints, registrarId, registrarSecret, log }: CertificateAuthoritiesDeps): CertificateAuthorities {
  const byMsp = new Map(endpoints.map((e) => [e.mspId, e]));
  const registrars = new Map<string, Promise<User>>();

  const endpointOf = (mspId: string): CaEndpoint => {
    const endpoint = byMsp.get(mspId);
    if (!endpoint) throw new AppError(ErrorCode.BAD_USER_INPUT, `no certificate authority is configured for organisation ${mspId}`, { mspId });
    return endpoint;
  };
  const services = (endpoint: CaEndpoint): FabricCAServices =>
    new FabricCAServices(endpoint.url, { trustedRoots: [...endpoint.tlsRootsPem], verify: true }, endpoint.caName);

  const registrarOf = (mspId: string): Promise<User> => {
    let registrar = registrars.get(mspId);
    if (!registrar) {
      const endpoint = endpointOf(mspId);
      registrar = services(endpoint)
        .enroll({ enrollmentID: registrarId, enrollmentSecret: registrarSecret.reveal() })
        .then((e) => User.createUser(registrarId, '', mspId, e.certificate, e.key.toBytes()));
      registrars.set(mspId, registrar);
      // A failed enrollment is not cached: the next call tries again.
      registrar.catch(() => registrars.delete(mspId));
    }
    return registrar.catch((error: unknown) => {
      throw caError(error, `enroll the registrar "${registrarId}" with ${endpointOf(mspId).caName}`);
    });
  };

  return {
    mspIds: [...byMsp.keys()],
    async registerAndEnroll({ mspId, enrollmentId, role }) {
      const ca = endpointOf(mspId);
      const registrar = await registrarOf(mspId);
      const secret = randomSecret();
      try {
        await services(ca).register(
          {
            enrollmentID: enrollmentId,
            enrollmentSecret: secret,
            role: 'client',
            affiliation: '',
            maxEnrollments: 1,
            attrs: [{ name: 'role', value: role, ecert: true }],
          },
          registrar,
        );
      } catch (error) {
        throw caError(error, `register "${enrollmentId}" with ${ca.caName}`);
      }
      // The one-time secret exists only here: if the enrollment fails, try again a few times
      // before giving up, or the registration is lost.
      for (let attempt = 1; ; attempt++) {
        try {
          const enrollment = await services(ca).enroll({ enrollmentID: enrollmentId, enrollmentSecret: secret, attr_reqs: ATTRIBUTE_REQUESTS });
          log.info({ mspId, enrollmentId, role, ca: ca.caName }, 'registered and enrolled an identity');
          return { certificate: enrollment.certificate, privateKeyPem: enrollment.key.toBytes() };
        } catch (error) {
          const failure = caError(error, `enroll "${enrollmentId}" with ${ca.caName}`);
          if (attempt >= ENROLL_ATTEMPTS) throw failure;
          log.warn({ mspId, enrollmentId, attempt, err: failure.message }, 'enrollment failed; trying again');
          await new Promise((resolve) => setTimeout(resolve, ENROLL_RETRY_MS * attempt));
        }
      }
    },
    async reenroll(identity) {
      const ca = endpointOf(identity.mspId);
      const current = User.createUser(identity.enrollmentId, '', identity.mspId, identity.certificate, identity.privateKey);
      try {
        const enrollment = await services(ca).reenroll(current, ATTRIBUTE_REQUESTS);
        log.info({ label: identity.label, ca: ca.caName }, 're-enrolled an identity');
        return { certificate: enrollment.certificate, privateKeyPem: enrollment.key.toBytes() };
      } catch (error) {
        throw caError(error, `re-enroll "${identity.label}" with ${ca.caName}`);
      }
    },
    async revoke({ mspId, enrollmentId, reason }) {
      const ca = endpointOf(mspId);
      const registrar = await registrarOf(mspId);
      try {
        await services(ca).revoke({ enrollmentID: enrollmentId, ...(reason ? { reason } : {}) }, registrar);
        log.info({ mspId, enrollmentId, ca: ca.caName }, 'revoked an identity');
      } catch (error) {
        throw caError(error, `revoke "${enrollmentId}" with ${ca.caName}`);
      }
    },
    async activeCertificates({ mspId, enrollmentId }) {
      const ca = endpointOf(mspId);
      const registrar = await registrarOf(mspId);
      try {
        const query = services(ca) as unknown as CertificateQuery;
        const response = await query.newCertificateService().getCertificates({ id: enrollmentId, notrevoked: true, notexpired: true }, registrar);
        return (response.result?.certs ?? []).map((c) => c.PEM ?? '').filter(Boolean);
      } catch (error) {
        throw caError(error, `list the certificates of "${enrollmentId}" at ${ca.caName}`);
      }
    },
  };
}

function randomSecret(): string {
  // 24 random bytes, URL-safe; used once for the enrollment, then forgotten (max 1 enrollment).
  return randomBytes(24).toString('base64url');
}

/** CA failures as AppErrors: what failed and the CA's own message (which holds no secrets). */
export function caError(error: unknown, action: string): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const caMessages = [...message.matchAll(/message:\s*'([^']*)'|"message":"([^"]*)"/g)].map((m) => m[1] ?? m[2] ?? '').filter(Boolean);
  const said = caMessages.length > 0 ? caMessages.join('; ') : message.split('\n')[0] ?? '';
  if (/already registered/i.test(message)) return new AppError(ErrorCode.CONFLICT, `could not ${action}: the CA already has this identity`, { ca: said });
  if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|socket hang up|Calling .* endpoint failed/i.test(message)) {
    return new AppError(ErrorCode.LEDGER_UNAVAILABLE, `could not ${action}: the CA is unreachable`, { ca: said });
  }
  return new AppError(ErrorCode.INTERNAL, `could not ${action}: ${said}`, { ca: said });
}
