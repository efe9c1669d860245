import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

import { isAppError } from '../../common';
import { ConfigError, loadConfig, Secret } from '../../config';
import type { LedgerIdentity } from '../ledgerClient';
import { WalletIdentity } from './ledgerIdentity';
import { createWalletCipher, walletCipherFromConfig } from './walletCrypto';

const KEY_PEM = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';
const key = (version = 1): { version: number; key: Secret<Buffer> } => ({ version, key: new Secret(randomBytes(32)) });

describe('wallet cipher (AES-256-GCM)', () => {
  test('round trip, with a fresh nonce every time', () => {
    const cipher = createWalletCipher(key());
    const a = cipher.seal(KEY_PEM, 'Org1MSP/alice');
    const b = cipher.seal(KEY_PEM, 'Org1MSP/alice');
    expect(Buffer.from(a.iv).equals(Buffer.from(b.iv))).toBe(false);
    expect(Buffer.from(a.ciphertext).toString('latin1')).not.toContain('PRIVATE KEY');
    expect(a.iv).toHaveLength(12);
    expect(a.authTag).toHaveLength(16);
    expect(a.keyVersion).toBe(1);
    expect(cipher.open(a, 'Org1MSP/alice')).toBe(KEY_PEM);
    expect(cipher.open(b, 'Org1MSP/alice')).toBe(KEY_PEM);
  });

  test.each([
    ['ciphertext', (s: { ciphertext: Buffer; iv: Buffer; authTag: Buffer }) => (s.ciphertext[0] = (s.ciphertext[0] ?? 0) ^ 1)],
    ['iv', (s: { ciphertext: Buffer; iv: Buffer; authTag: Buffer }) => (s.iv[3] = (s.iv[3] ?? 0) ^ 0x80)],
    ['auth tag', (s: { ciphertext: Buffer; iv: Buffer; authTag: Buffer }) => (s.authTag[15] = (s.authTag[15] ?? 0) ^ 1)],
  ])('a tampered %s fails to decrypt, and the error holds neither key nor plaintext', (_part, tamper) => {
    const wallet = key();
    const cipher = createWalletCipher(wallet);
    const sealed = cipher.seal(KEY_PEM, 'Org1MSP/alice');
    const copy = { ciphertext: Buffer.from(sealed.ciphertext), iv: Buffer.from(sealed.iv), authTag: Buffer.from(sealed.authTag), keyVersion: 1 };
    tamper(copy);
    let caught: unknown;
    try {
      cipher.open(copy, 'Org1MSP/alice');
    } catch (error) {
      caught = error;
    }
    expect(isAppError(caught, 'INTERNAL')).toBe(true);
    const shown = `${inspect(caught)} ${JSON.stringify(caught)}`;
    expect(shown).not.toContain('PRIVATE KEY');
    expect(shown).not.toContain(wallet.key.reveal().toString('base64'));
  });

  test('a ciphertext moved to another identity (other associated data) fails', () => {
    const cipher = createWalletCipher(key());
    const sealed = cipher.seal(KEY_PEM, 'Org1MSP/alice');
    expect(() => cipher.open(sealed, 'Org1MSP/mallory')).toThrow(/could not be decrypted/);
  });

  test('the wrong key fails', () => {
    const sealed = createWalletCipher(key()).seal(KEY_PEM, 'Org1MSP/alice');
    expect(() => createWalletCipher(key()).open(sealed, 'Org1MSP/alice')).toThrow(/could not be decrypted/);
  });

  test('rotation: the current key encrypts, previous versions still decrypt, unknown versions are named', () => {
    const old = key(1);
    const sealedOld = createWalletCipher(old).seal(KEY_PEM, 'l');
    const rotated = createWalletCipher(key(2), [old]);
    expect(rotated.open(sealedOld, 'l')).toBe(KEY_PEM);
    expect(rotated.seal(KEY_PEM, 'l').keyVersion).toBe(2);
    expect(() => createWalletCipher(key(2)).open(sealedOld, 'l')).toThrow(/key version 1, which is not configured/);
  });

  test('a key of the wrong length is a configuration error', () => {
    expect(() => createWalletCipher({ version: 1, key: new Secret(randomBytes(16)) })).toThrow(ConfigError);
  });
});

describe('wallet settings', () => {
  const good = randomBytes(32).toString('base64');

  test('a missing WALLET_KEY stops the wallet at start-up with a config error naming the key', () => {
    const config = loadConfig({}, '/repo');
    expect(config.identities.walletKey).toBeUndefined();
    expect(() => walletCipherFromConfig(config.identities)).toThrow(ConfigError);
    expect(() => walletCipherFromConfig(config.identities)).toThrow(/WALLET_KEY: required/);
  });

  test.each([
    ['not base64', 'this is not base64!'],
    ['too short', randomBytes(16).toString('base64')],
    ['too long', randomBytes(48).toString('base64')],
  ])('a malformed WALLET_KEY (%s) fails loadConfig, listing the key without echoing it', (_what, value) => {
    let caught: unknown;
    try {
      loadConfig({ WALLET_KEY: value }, '/repo');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems.some((p) => p.startsWith('WALLET_KEY:'))).toBe(true);
    expect((caught as Error).message).not.toContain(value);
  });

  test('a good key loads, is redacted when printed, and rotation keys are parsed', () => {
    const previous = randomBytes(32).toString('base64');
    const config = loadConfig({ WALLET_KEY: good, WALLET_KEY_VERSION: '3', WALLET_PREVIOUS_KEYS: `2:${previous}` }, '/repo');
    expect(config.identities.walletKey?.version).toBe(3);
    expect(config.identities.walletKey?.key.reveal().toString('base64')).toBe(good);
    expect(config.identities.previousWalletKeys.map((k) => k.version)).toEqual([2]);
    const printed = `${JSON.stringify(config)} ${inspect(config, { depth: 10 })}`;
    expect(printed).not.toContain(good);
    expect(printed).not.toContain(previous);
    expect(printed).not.toContain('adminpw');
    expect(walletCipherFromConfig(config.identities).currentVersion).toBe(3);
  });

  test('bad rotation entries are refused', () => {
    expect(() => loadConfig({ WALLET_KEY: good, WALLET_PREVIOUS_KEYS: `1:${good}` }, '/repo')).toThrow(/WALLET_PREVIOUS_KEYS/);
    expect(() => loadConfig({ WALLET_KEY: good, WALLET_PREVIOUS_KEYS: 'nonsense' }, '/repo')).toThrow(/WALLET_PREVIOUS_KEYS/);
  });
});

describe('WalletIdentity', () => {
  test('the private key stays out of JSON, inspect and spreads', () => {
    const identity = new WalletIdentity('Org1MSP/alice', 'Org1MSP', 'alice', 'CERT', KEY_PEM);
    expect(identity.privateKey).toBe(KEY_PEM);
    expect(identity.toX509Identity().credentials.privateKey).toBe(KEY_PEM);
    // Handed to the ledger client as it is.
    const forClient: LedgerIdentity = identity;
    expect({ key: forClient.key, privateKey: forClient.privateKey }).toEqual({ key: 'Org1MSP/alice', privateKey: KEY_PEM });
    expect(JSON.stringify(identity)).not.toContain('PRIVATE KEY');
    expect(inspect(identity, { showHidden: true, depth: 5 })).not.toContain('PRIVATE KEY');
    // eslint-disable-next-line @typescript-eslint/no-misused-spread -- the point: a spread must not carry the key
    expect(JSON.stringify({ ...identity })).not.toContain('PRIVATE KEY');
  });
});
