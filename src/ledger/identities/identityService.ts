import { AppError, ErrorCode, isAppError, type Logger } from '../../common';
import type { CertificateAuthorities, IdentityRole } from './certificateAuthorities';
import { certificateAttributes, identityLabel, type WalletIdentity } from './ledgerIdentity';
import type { Wallet, WalletEntryInfo } from './wallet';

/**
 * Users' Fabric identities over their whole life: issued (registered, enrolled, stored in the
 * wallet), loaded for signing, renewed before their certificate expires, revoked.
 */
export interface IdentityService {
  readonly mspIds: readonly string[];
  /**
   * Registers, enrolls and stores a new identity. CONFLICT if the CA or the wallet already has it,
   * unless `adoptUnclaimed` and the wallet holds it unrevoked with the same role: then that one is
   * returned (the caller knows nobody uses it, e.g. a user creation that stopped half-way).
   */
  issue(request: { mspId: string; enrollmentId: string; role: IdentityRole; adoptUnclaimed?: boolean }): Promise<WalletEntryInfo>;
  /** The identity with its key, for the ledger client; FORBIDDEN if revoked. */
  load(label: string): Promise<WalletIdentity>;
  info(label: string): Promise<WalletEntryInfo | undefined>;
  infoById(id: string): Promise<WalletEntryInfo | undefined>;
  /** Re-enrolls one identity now (new key and certificate) and stores the result. */
  reenroll(label: string): Promise<WalletEntryInfo>;
  /** Re-enrolls every identity whose certificate expires within `withinMs` of `now`. */
  renewExpiring(options?: { withinMs?: number; now?: Date }): Promise<RenewalReport>;
  /** Revokes the identity at its CA and marks it revoked in the wallet (idempotent). */
  revoke(label: string, reason?: string): Promise<void>;
  /** Runs `renewExpiring` every `intervalMs`; returns a function that stops it. */
  startRenewal(intervalMs: number): () => void;
}

export interface RenewalReport {
  readonly renewed: string[];
  readonly failed: { label: string; code: string; message: string }[];
}

export interface IdentityServiceDeps {
  readonly wallet: Wallet;
  readonly cas: CertificateAuthorities;
  readonly log: Logger;
  /** Default window of renewExpiring. */
  readonly renewWithinMs: number;
}

export function createIdentityService({ wallet, cas, log, renewWithinMs }: IdentityServiceDeps): IdentityService {
  const reenroll = async (label: string): Promise<WalletEntryInfo> => {
    const current = await wallet.load(label);
    const next = await cas.reenroll(current);
    return wallet.put({ mspId: current.mspId, enrollmentId: current.enrollmentId, ...next });
  };

  const renewExpiring = async ({ withinMs = renewWithinMs, now = new Date() }: { withinMs?: number; now?: Date } = {}): Promise<RenewalReport> => {
    const report: RenewalReport = { renewed: [], failed: [] };
    const due = await wallet.expiringBefore(new Date(now.getTime() + withinMs), 10_000);
    for (const entry of due) {
      try {
        await reenroll(entry.label);
        report.renewed.push(entry.label);
      } catch (error) {
        const code = isAppError(error) ? error.code : ErrorCode.INTERNAL;
        const message = error instanceof Error ? error.message : String(error);
        report.failed.push({ label: entry.label, code, message });
        log.warn({ label: entry.label, code, notAfter: entry.notAfter.toISOString() }, 'could not re-enroll an expiring identity');
      }
    }
    if (due.length > 0) log.info({ renewed: report.renewed.length, failed: report.failed.length }, 'renewed expiring identities');
    return report;
  };

  return {
    mspIds: cas.mspIds,
    async issue({ mspId, enrollmentId, role, adoptUnclaimed = false }) {
      const label = identityLabel(mspId, enrollmentId);
      const existing = await wallet.info(label);
      if (existing) {
        if (adoptUnclaimed && !existing.revoked && certificateAttributes(existing.certificate).role === role) {
          log.info({ label }, 'adopted an unclaimed identity from the wallet');
          return existing;
        }
        throw new AppError(ErrorCode.CONFLICT, `the wallet already holds an identity "${label}"`, { label });
      }
      const credentials = await cas.registerAndEnroll({ mspId, enrollmentId, role });
      return wallet.put({ mspId, enrollmentId, ...credentials });
    },
    load: (label) => wallet.load(label),
    info: (label) => wallet.info(label),
    infoById: (id) => wallet.infoById(id),
    reenroll,
    renewExpiring,
    async revoke(label, reason) {
      const entry = await wallet.info(label);
      if (!entry) throw new AppError(ErrorCode.NOT_FOUND, `no identity "${label}" in the wallet`, { label });
      if (entry.revoked) return;
      try {
        await cas.revoke({ mspId: entry.mspId, enrollmentId: entry.enrollmentId, ...(reason ? { reason } : {}) });
      } catch (error) {
        // Revoking twice (e.g. after a crash between the CA and the database) is not a failure.
        if (!(isAppError(error) && /already revoked/i.test(JSON.stringify(error.details)))) throw error;
      }
      await wallet.markRevoked(label);
    },
    startRenewal(intervalMs) {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        renewExpiring()
          .catch((error: unknown) => {
            log.error({ err: error instanceof Error ? error.message : String(error) }, 'identity renewal failed');
          })
          .finally(() => {
            running = false;
          });
      }, intervalMs);
      timer.unref();
      return () => {
        clearInterval(timer);
      };
    },
  };
}
