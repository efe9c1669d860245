import { randomBytes } from 'node:crypto';

import { AppError, ErrorCode } from '../../src/common';
import type { UserIdentities } from '../../src/auth';
import { Prisma, type PrismaClient } from '../../src/store';

/**
 * A stand-in for the ledger layer's identity service in database tests: it writes wallet rows
 * (random bytes for the sealed key, no CA) and records what it was asked. The real one is tested
 * against a real CA in test/fabric/identities.test.ts.
 */
export interface FakeIdentities extends UserIdentities {
  readonly issued: { mspId: string; enrollmentId: string; role: string }[];
  readonly revoked: string[];
  /** Makes the next revoke fail as if the CA were down. */
  failNextRevoke: boolean;
}

export function fakeIdentities(prisma: PrismaClient, mspIds: readonly string[] = ['Org1MSP', 'Org2MSP']): FakeIdentities {
  const fake: FakeIdentities = {
    mspIds,
    issued: [],
    revoked: [],
    failNextRevoke: false,
    async issue({ mspId, enrollmentId, role, adoptUnclaimed }) {
      fake.issued.push({ mspId, enrollmentId, role });
      const label = `${mspId}/${enrollmentId}`;
      const existing = await prisma.fabricIdentity.findUnique({ where: { label } });
      if (existing) {
        if (adoptUnclaimed && !existing.revoked && existing.certificate.endsWith(`(role=${role})`)) return { id: existing.id, label };
        throw new AppError(ErrorCode.CONFLICT, `the wallet already holds an identity "${label}"`, { label });
      }
      // Like the real CA, which refuses a second registration of the same enrollment id.
      const row = await prisma.fabricIdentity.create({
        data: {
          label,
          mspId,
          enrollmentId,
          certificate: `fake certificate of ${label} (role=${role})`,
          keyCiphertext: new Uint8Array(randomBytes(64)),
          keyIv: new Uint8Array(randomBytes(12)),
          keyAuthTag: new Uint8Array(randomBytes(16)),
          keyVersion: 1,
          notAfter: new Date(Date.now() + 365 * 86_400_000),
        },
      }).catch((error: unknown) => {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
          throw new AppError(ErrorCode.CONFLICT, `the wallet already holds an identity "${label}"`, { label });
        }
        throw error;
      });
      return { id: row.id, label };
    },
    async infoById(id) {
      return (await prisma.fabricIdentity.findUnique({ where: { id }, select: { label: true, revoked: true } })) ?? undefined;
    },
    async revoke(label) {
      if (fake.failNextRevoke) {
        fake.failNextRevoke = false;
        throw new AppError(ErrorCode.LEDGER_UNAVAILABLE, 'could not revoke: the CA is unreachable', {});
      }
      fake.revoked.push(label);
      await prisma.fabricIdentity.update({ where: { label }, data: { revoked: true, revokedAt: new Date() } });
    },
  };
  return fake;
}
