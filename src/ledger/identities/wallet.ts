import { AppError, ErrorCode } from '../../common';
import type { PrismaClient } from '../../store';
import { certificateNotAfter, identityLabel, WalletIdentity } from './ledgerIdentity';
import type { WalletCipher } from './walletCrypto';

/**
 * The wallet in PostgreSQL (table `fabric_identities`): certificates in the clear, private keys
 * sealed with the wallet cipher. Keys are decrypted only in `load`, into a WalletIdentity.
 */
export interface WalletEntryInfo {
  readonly id: string;
  readonly label: string;
  readonly mspId: string;
  readonly enrollmentId: string;
  readonly certificate: string;
  readonly notAfter: Date;
  readonly revoked: boolean;
}

export interface Wallet {
  /** Stores (or replaces, after a re-enrollment) the identity's certificate and key. */
  put(entry: { mspId: string; enrollmentId: string; certificate: string; privateKeyPem: string }): Promise<WalletEntryInfo>;
  /** The identity with its key decrypted; NOT_FOUND if absent, FORBIDDEN if revoked. */
  load(label: string): Promise<WalletIdentity>;
  info(label: string): Promise<WalletEntryInfo | undefined>;
  infoById(id: string): Promise<WalletEntryInfo | undefined>;
  markRevoked(label: string): Promise<void>;
  /** Identities not revoked whose certificate expires before `before`, soonest first. */
  expiringBefore(before: Date, limit?: number): Promise<WalletEntryInfo[]>;
}

export interface WalletDeps {
  readonly prisma: PrismaClient;
  readonly cipher: WalletCipher;
}

const INFO_COLUMNS = { id: true, label: true, mspId: true, enrollmentId: true, certificate: true, notAfter: true, revoked: true } as const;

export function createWallet({ prisma, cipher }: WalletDeps): Wallet {
  const rows = prisma.fabricIdentity;
  return {
    async put({ mspId, enrollmentId, certificate, privateKeyPem }) {
      const label = identityLabel(mspId, enrollmentId);
      const sealed = cipher.seal(privateKeyPem, label);
      const data = {
        certificate,
        keyCiphertext: new Uint8Array(sealed.ciphertext),
        keyIv: new Uint8Array(sealed.iv),
        keyAuthTag: new Uint8Array(sealed.authTag),
        keyVersion: sealed.keyVersion,
        notAfter: certificateNotAfter(certificate),
      };
      // An update never clears `revoked`: a re-enrollment that finishes after a revocation must
      // not bring the identity back.
      return rows.upsert({
        where: { label },
        create: { label, mspId, enrollmentId, ...data },
        update: data,
        select: INFO_COLUMNS,
      });
    },
    async load(label) {
      const row = await rows.findUnique({ where: { label } });
      if (!row) throw new AppError(ErrorCode.NOT_FOUND, `no identity "${label}" in the wallet`, { label });
      if (row.revoked) throw new AppError(ErrorCode.FORBIDDEN, `the identity "${label}" is revoked`, { label });
      const privateKeyPem = cipher.open({ ciphertext: row.keyCiphertext, iv: row.keyIv, authTag: row.keyAuthTag, keyVersion: row.keyVersion }, label);
      return new WalletIdentity(row.label, row.mspId, row.enrollmentId, row.certificate, privateKeyPem);
    },
    async info(label) {
      return (await rows.findUnique({ where: { label }, select: INFO_COLUMNS })) ?? undefined;
    },
    async infoById(id) {
      return (await rows.findUnique({ where: { id }, select: INFO_COLUMNS })) ?? undefined;
    },
    async markRevoked(label) {
      await rows.updateMany({ where: { label, revoked: false }, data: { revoked: true, revokedAt: new Date() } });
    },
    async expiringBefore(before, limit = 100) {
      return rows.findMany({ where: { revoked: false, notAfter: { lt: before } }, orderBy: { notAfter: 'asc' }, take: limit, select: INFO_COLUMNS });
    },
  };
}
