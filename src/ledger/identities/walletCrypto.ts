import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { AppError, ErrorCode } from '../../common';
import { ConfigError, requireSetting, type IdentitiesConfig, type WalletKeyConfig } from '../../config';

/**
 * Encryption of private keys at rest: AES-256-GCM, a fresh 96-bit nonce per encryption, a 128-bit
 * tag, and the identity's label as additional authenticated data, so that a ciphertext copied onto
 * another identity's row does not decrypt. The key version is stored with each row, so keys can be
 * rotated: the current key encrypts, the current and every previous key decrypt.
 */
export interface SealedKey {
  readonly ciphertext: Uint8Array;
  readonly iv: Uint8Array;
  readonly authTag: Uint8Array;
  readonly keyVersion: number;
}

export interface WalletCipher {
  readonly currentVersion: number;
  seal(plaintext: string, associatedData: string): SealedKey;
  /** Throws an AppError (INTERNAL) that names neither key nor plaintext when the row does not authenticate. */
  open(sealed: SealedKey, associatedData: string): string;
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const WALLET_KEY_BYTES = 32;

export function createWalletCipher(current: WalletKeyConfig, previous: readonly WalletKeyConfig[] = []): WalletCipher {
  const keys = new Map<number, Buffer>();
  for (const k of [current, ...previous]) {
    const bytes = k.key.reveal();
    if (bytes.length !== WALLET_KEY_BYTES) throw new ConfigError([`wallet key version ${k.version}: expected ${WALLET_KEY_BYTES} bytes, got ${bytes.length}`]);
    if (keys.has(k.version)) throw new ConfigError([`wallet key version ${k.version}: given twice`]);
    keys.set(k.version, bytes);
  }
  const currentKey = keys.get(current.version) as Buffer;
  return {
    currentVersion: current.version,
    seal(plaintext, associatedData) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, currentKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return { ciphertext, iv, authTag: cipher.getAuthTag(), keyVersion: current.version };
    },
    open(sealed, associatedData) {
      const key = keys.get(sealed.keyVersion);
      if (!key) {
        throw new AppError(ErrorCode.INTERNAL, `wallet entry "${associatedData}" is encrypted with key version ${sealed.keyVersion}, which is not configured`, {
          keyVersion: sealed.keyVersion,
        });
      }
      if (sealed.iv.length !== IV_BYTES || sealed.authTag.length !== TAG_BYTES) {
        throw new AppError(ErrorCode.INTERNAL, `wallet entry "${associatedData}" is malformed`, {});
      }
      try {
        const decipher = createDecipheriv(ALGORITHM, key, sealed.iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(associatedData, 'utf8'));
        decipher.setAuthTag(sealed.authTag);
        return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
      } catch {
        // No cause attached: the wallet's failures carry nothing from the crypto layer.
        throw new AppError(ErrorCode.INTERNAL, `wallet entry "${associatedData}" could not be decrypted (wrong key, or the row was altered)`, {
          keyVersion: sealed.keyVersion,
        });
      }
    },
  };
}

/** The cipher from the settings; a missing WALLET_KEY is a configuration error at start-up. */
export function walletCipherFromConfig(config: Pick<IdentitiesConfig, 'walletKey' | 'previousWalletKeys'>): WalletCipher {
  const current = requireSetting(config.walletKey, 'WALLET_KEY', `${WALLET_KEY_BYTES} random bytes in base64, e.g. \`openssl rand -base64 ${WALLET_KEY_BYTES}\``);
  return createWalletCipher(current, config.previousWalletKeys);
}
