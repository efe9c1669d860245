import { X509Certificate } from 'node:crypto';
import { inspect } from 'node:util';

/**
 * A Fabric identity with its private key decrypted, in memory only, for the ledger client to sign
 * with; it has the shape of the ledger client's identity (`key`, `mspId`, `certificate`,
 * `privateKey`). The key lives in a private field behind a getter on the prototype, so it is left
 * out of JSON, `util.inspect` (and so of pino and console output) and object spreads.
 */
export class WalletIdentity {
  readonly #privateKey: string;

  constructor(
    /** `<MSP id>/<enrollment id>`, also the ledger client's cache key. */
    readonly label: string,
    readonly mspId: string,
    readonly enrollmentId: string,
    readonly certificate: string,
    privateKey: string,
  ) {
    this.#privateKey = privateKey;
    Object.freeze(this);
  }

  get key(): string {
    return this.label;
  }

  /** The private key (PEM). */
  get privateKey(): string {
    return this.#privateKey;
  }

  /** The shape fabric-network's wallets take (`X509Identity`). */
  toX509Identity(): { type: 'X.509'; mspId: string; credentials: { certificate: string; privateKey: string } } {
    return { type: 'X.509', mspId: this.mspId, credentials: { certificate: this.certificate, privateKey: this.#privateKey } };
  }

  toJSON(): Record<string, string> {
    return { label: this.label, mspId: this.mspId, enrollmentId: this.enrollmentId };
  }

  [inspect.custom](): string {
    return `WalletIdentity(${this.label})`;
  }
}

/** `<MSP id>/<enrollment id>`: the wallet label, and how the sample chaincode names owners. */
export function identityLabel(mspId: string, enrollmentId: string): string {
  return `${mspId}/${enrollmentId}`;
}

/** The certificate's notAfter. */
export function certificateNotAfter(pem: string): Date {
  const validTo = new X509Certificate(pem).validTo;
  const date = new Date(validTo);
  if (Number.isNaN(date.getTime())) throw new Error(`cannot read the certificate's expiry "${validTo}"`);
  return date;
}

/**
 * The attributes Fabric CA puts in an enrollment certificate (extension 1.2.3.4.5.6.7.8.1, a JSON
 * document `{"attrs":{…}}`), e.g. `{ role: 'admin', 'hf.EnrollmentID': 'alice', … }`.
 */
export function certificateAttributes(pem: string): Record<string, string> {
  const der = new X509Certificate(pem).raw.toString('latin1');
  const start = der.indexOf('{"attrs":');
  if (start < 0) return {};
  let depth = 0;
  for (let i = start; i < der.length; i++) {
    if (der[i] === '{') depth++;
    else if (der[i] === '}' && --depth === 0) {
      const parsed = JSON.parse(Buffer.from(der.slice(start, i + 1), 'latin1').toString('utf8')) as { attrs?: Record<string, string> };
      return parsed.attrs ?? {};
    }
  }
  return {};
}
