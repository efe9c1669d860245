import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

import * as fabricCommon from 'fabric-common';
import { Gateway, Wallets, type X509Identity } from 'fabric-network';

import type { DecodedBlock } from './blockDecoder';

/**
 * How to reach the ledger as one identity: a common connection profile, the identity's
 * certificate and key, and discovery settings. The key is read from disk when connecting and
 * kept only in the SDK's in-memory wallet.
 */
export interface FabricConnectionSettings {
  readonly connectionProfilePath: string;
  readonly mspId: string;
  readonly certificatePath: string;
  /** A PEM file, or a folder holding exactly one (an MSP keystore). */
  readonly privateKeyPath: string;
  /** Rewrite discovered addresses to localhost (a network on this machine). */
  readonly asLocalhost: boolean;
  /**
   * How long one request to a peer may take (a qscc read, the start of a block event stream).
   * fabric-common's own default is 3 s, which a busy peer exceeds; default 30 s.
   */
  readonly requestTimeoutMs?: number;
}

export interface FabricConnection {
  /** What it was made from, as plain data (a catch-up reader thread connects with its own copy). */
  readonly settings: FabricConnectionSettings;
  connect(): Promise<Gateway>;
  decodeBlockBytes(bytes: Buffer): DecodedBlock;
}

const blockDecoder = (fabricCommon as unknown as { BlockDecoder: { decode(bytes: Buffer): unknown } }).BlockDecoder;

export function createFabricConnection(settings: FabricConnectionSettings): FabricConnection {
  const { connectionProfilePath, mspId, certificatePath, privateKeyPath, asLocalhost, requestTimeoutMs } = settings;
  return {
    settings: { connectionProfilePath, mspId, certificatePath, privateKeyPath, asLocalhost, requestTimeoutMs },
    async connect() {
      const [profileText, certificate, privateKey] = await Promise.all([
        readFile(settings.connectionProfilePath, 'utf8'),
        readFile(settings.certificatePath, 'utf8'),
        readPrivateKey(settings.privateKeyPath),
      ]);
      const wallet = await Wallets.newInMemoryWallet();
      const identity: X509Identity = { credentials: { certificate, privateKey }, mspId: settings.mspId, type: 'X.509' };
      await wallet.put('self', identity);
      const gateway = new Gateway();
      await gateway.connect(JSON.parse(profileText) as Record<string, unknown>, {
        wallet,
        identity: 'self',
        discovery: { enabled: true, asLocalhost: settings.asLocalhost },
        'connection-options': { requestTimeout: settings.requestTimeoutMs ?? 30_000 },
      });
      return gateway;
    },
    decodeBlockBytes(bytes) {
      return blockDecoder.decode(bytes) as DecodedBlock;
    },
  };
}

async function readPrivateKey(location: string): Promise<string> {
  if (!(await stat(location)).isDirectory()) return readFile(location, 'utf8');
  const files = (await readdir(location)).filter((f) => !f.startsWith('.'));
  const only = files.length === 1 ? files[0] : undefined;
  if (!only) throw new Error(`expected exactly one private key in ${location}, found ${files.length}`);
  return readFile(path.join(location, only), 'utf8');
}
