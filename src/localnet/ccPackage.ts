import { mkdir, mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';

import { create as createTar } from 'tar';

/**
 * A chaincode-as-a-service package: metadata.json (type "ccaas", label) and code.tar.gz holding
 * connection.json, the address the peers dial. The tarballs are written with fixed timestamps,
 * owners and order, so the same inputs give the same bytes and so the same package ID on every
 * peer and on every re-run.
 */
export interface CcaasPackageSpec {
  readonly label: string;
  /** host:port of the chaincode server, as the peers will dial it. */
  readonly address: string;
}

const FIXED_MTIME = new Date('2020-01-01T00:00:00Z');

async function deterministicTarGz(dir: string, files: readonly string[], out: string): Promise<void> {
  await createTar({ gzip: { level: 9 }, file: out, cwd: dir, portable: true, mtime: FIXED_MTIME, noDirRecurse: true }, [...files].sort());
}

export async function writeCcaasPackage(spec: CcaasPackageSpec, outFile: string): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'ccaas-'));
  try {
    const codeDir = path.join(work, 'code');
    await mkdir(codeDir);
    await writeFile(
      path.join(codeDir, 'connection.json'),
      JSON.stringify({ address: spec.address, dial_timeout: '10s', tls_required: false }, null, 2),
    );
    await deterministicTarGz(codeDir, ['connection.json'], path.join(work, 'code.tar.gz'));
    await writeFile(path.join(work, 'metadata.json'), JSON.stringify({ type: 'ccaas', label: spec.label }));
    await mkdir(path.dirname(outFile), { recursive: true });
    await deterministicTarGz(work, ['code.tar.gz', 'metadata.json'], outFile);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Fabric's package ID: `<label>:<sha256 of the package file>`. */
export async function packageIdOf(label: string, file: string): Promise<string> {
  const digest = createHash('sha256').update(await readFile(file)).digest('hex');
  return `${label}:${digest}`;
}
