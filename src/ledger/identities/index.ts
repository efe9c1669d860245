/**
 * Identities: the wallet (PostgreSQL, keys sealed with AES-256-GCM) and enrollment with the
 * organisations' Fabric CAs. The only part of the gateway that imports fabric-ca-client.
 */
import type { Logger } from '../../common';
import type { IdentitiesConfig } from '../../config';
import type { PrismaClient } from '../../store';
import { caEndpointsFromProfiles, createCertificateAuthorities } from './certificateAuthorities';
import { createIdentityService, type IdentityService } from './identityService';
import { createWallet } from './wallet';
import { walletCipherFromConfig } from './walletCrypto';

export { caEndpointsFromProfiles, caError, createCertificateAuthorities } from './certificateAuthorities';
export type { CaEndpoint, CertificateAuthorities, EnrolledCredentials, IdentityRole } from './certificateAuthorities';
export { createIdentityService } from './identityService';
export type { IdentityService, RenewalReport } from './identityService';
export { certificateAttributes, certificateNotAfter, identityLabel, WalletIdentity } from './ledgerIdentity';
export { createWallet } from './wallet';
export type { Wallet, WalletEntryInfo } from './wallet';
export { createWalletCipher, walletCipherFromConfig, WALLET_KEY_BYTES } from './walletCrypto';
export type { SealedKey, WalletCipher } from './walletCrypto';

/**
 * Everything from the settings. Throws a ConfigError at once when WALLET_KEY is missing or
 * malformed, before any connection is made.
 */
export async function createIdentityServiceFromConfig({
  config,
  prisma,
  log,
}: {
  config: IdentitiesConfig;
  prisma: PrismaClient;
  log: Logger;
}): Promise<IdentityService> {
  const cipher = walletCipherFromConfig(config);
  const endpoints = await caEndpointsFromProfiles(config.connectionProfilePaths);
  const cas = createCertificateAuthorities({ endpoints, registrarId: config.registrarId, registrarSecret: config.registrarSecret, log });
  return createIdentityService({ wallet: createWallet({ prisma, cipher }), cas, log, renewWithinMs: config.renewWithinHours * 3_600_000 });
}
