import { AppError, ErrorCode, silentLogger } from '../../common';
import type { CertificateAuthorities } from './certificateAuthorities';
import { createIdentityService } from './identityService';
import { WalletIdentity } from './ledgerIdentity';
import type { Wallet, WalletEntryInfo } from './wallet';

/** The service's own logic with a wallet in a map and a scripted CA; the real ones are in test/fabric. */
const DAY = 86_400_000;

function entry(label: string, notAfter: Date, revoked = false): WalletEntryInfo {
  const [mspId = '', enrollmentId = ''] = label.split('/');
  return { id: label, label, mspId, enrollmentId, certificate: `cert of ${label}`, notAfter, revoked };
}

function fakes(entries: WalletEntryInfo[]): { wallet: Wallet; cas: CertificateAuthorities; calls: string[]; failReenroll: Set<string> } {
  const rows = new Map(entries.map((e) => [e.label, e]));
  const calls: string[] = [];
  const failReenroll = new Set<string>();
  const wallet: Wallet = {
    put: ({ mspId, enrollmentId, certificate }) => {
      const e = { ...entry(`${mspId}/${enrollmentId}`, new Date(Date.now() + 365 * DAY)), certificate };
      rows.set(e.label, e);
      return Promise.resolve(e);
    },
    load: (label) => {
      const e = rows.get(label);
      if (!e) return Promise.reject(new AppError(ErrorCode.NOT_FOUND, 'no such identity'));
      return Promise.resolve(new WalletIdentity(e.label, e.mspId, e.enrollmentId, e.certificate, `key of ${label}`));
    },
    info: (label) => Promise.resolve(rows.get(label)),
    infoById: (id) => Promise.resolve(rows.get(id)),
    markRevoked: (label) => {
      const e = rows.get(label);
      if (e) rows.set(label, { ...e, revoked: true });
      return Promise.resolve();
    },
    expiringBefore: (before) =>
      Promise.resolve([...rows.values()].filter((e) => !e.revoked && e.notAfter < before).sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime())),
  };
  const cas: CertificateAuthorities = {
    mspIds: ['Org1MSP'],
    registerAndEnroll: ({ enrollmentId }) => {
      calls.push(`register ${enrollmentId}`);
      return Promise.resolve({ certificate: `new cert of ${enrollmentId}`, privateKeyPem: 'k' });
    },
    reenroll: (identity) => {
      calls.push(`reenroll ${identity.label}`);
      if (failReenroll.has(identity.label)) return Promise.reject(new AppError(ErrorCode.LEDGER_UNAVAILABLE, 'the CA is unreachable'));
      return Promise.resolve({ certificate: `renewed cert of ${identity.label}`, privateKeyPem: 'k2' });
    },
    revoke: ({ enrollmentId }) => {
      calls.push(`revoke ${enrollmentId}`);
      return Promise.resolve();
    },
    activeCertificates: () => Promise.resolve([]),
  };
  return { wallet, cas, calls, failReenroll };
}

describe('identity service', () => {
  const now = new Date('2027-01-01T00:00:00Z');
  const soon = new Date(now.getTime() + 5 * DAY);
  const later = new Date(now.getTime() + 200 * DAY);

  test('renews exactly the unrevoked identities that expire within the window, and reports failures', async () => {
    const f = fakes([entry('Org1MSP/a', soon), entry('Org1MSP/b', later), entry('Org1MSP/c', soon, true), entry('Org1MSP/d', soon)]);
    f.failReenroll.add('Org1MSP/d');
    const service = createIdentityService({ wallet: f.wallet, cas: f.cas, log: silentLogger, renewWithinMs: 30 * DAY });
    const report = await service.renewExpiring({ now });
    expect(report.renewed).toEqual(['Org1MSP/a']);
    expect(report.failed).toEqual([{ label: 'Org1MSP/d', code: 'LEDGER_UNAVAILABLE', message: 'the CA is unreachable' }]);
    expect(f.calls.sort()).toEqual(['reenroll Org1MSP/a', 'reenroll Org1MSP/d']);
    expect((await f.wallet.info('Org1MSP/a'))?.certificate).toBe('renewed cert of Org1MSP/a');
  });

  test('issue refuses a label the wallet holds, unless adopting an unclaimed one', async () => {
    const f = fakes([entry('Org1MSP/a', later), entry('Org1MSP/r', later, true)]);
    const service = createIdentityService({ wallet: f.wallet, cas: f.cas, log: silentLogger, renewWithinMs: DAY });
    await expect(service.issue({ mspId: 'Org1MSP', enrollmentId: 'a', role: 'user' })).rejects.toMatchObject({ code: 'CONFLICT' });
    // A revoked one is never adopted.
    await expect(service.issue({ mspId: 'Org1MSP', enrollmentId: 'r', role: 'user', adoptUnclaimed: true })).rejects.toMatchObject({ code: 'CONFLICT' });
    const issued = await service.issue({ mspId: 'Org1MSP', enrollmentId: 'n', role: 'user' });
    expect(issued.certificate).toBe('new cert of n');
    expect(f.calls).toEqual(['register n']);
  });

  test('revoke asks the CA once, then only marks', async () => {
    const f = fakes([entry('Org1MSP/a', later)]);
    const service = createIdentityService({ wallet: f.wallet, cas: f.cas, log: silentLogger, renewWithinMs: DAY });
    await service.revoke('Org1MSP/a');
    await service.revoke('Org1MSP/a');
    expect(f.calls).toEqual(['revoke a']);
    expect((await f.wallet.info('Org1MSP/a'))?.revoked).toBe(true);
    await expect(service.revoke('Org1MSP/none')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
