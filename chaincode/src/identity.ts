import type { Context } from 'fabric-contract-api';

/**
 * Who is calling: `<MSP ID>/<enrollment ID>`. Fabric CA writes the enrollment ID into every
 * certificate it issues (attribute hf.EnrollmentID); the subject CN is the fallback for
 * certificates from elsewhere.
 */
export function callerAccount(ctx: Context): string {
  const enrollmentId = ctx.clientIdentity.getAttributeValue('hf.EnrollmentID') ?? commonName(ctx.clientIdentity.getID());
  return `${ctx.clientIdentity.getMSPID()}/${enrollmentId}`;
}

export function isAdmin(ctx: Context): boolean {
  return ctx.clientIdentity.getAttributeValue('role') === 'admin';
}

function commonName(id: string): string {
  const match = /CN=([^/,:]+)/.exec(id);
  return match?.[1] ?? 'unknown';
}
