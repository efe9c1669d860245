import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { describeFindings, scanLogDir, scanText } from './logScan';

/** The scanner globalTeardown runs over the process logs: it must find what it looks for. */
const header = (kind: string): string => `-----BEGIN ${kind}PRIVATE KEY-----`;
const segment = (json: string): string => Buffer.from(json).toString('base64url');
const jwt = `${segment('{"alg":"HS256","typ":"JWT"}')}.${segment('{"sub":"u1","role":"ADMIN"}')}.c2lnbmF0dXJlX3NpZ25hdHVyZQ`;

test('finds PEM private keys (plain, EC, escaped inside a JSON line) and JWTs, with file and line', () => {
  const sample = [
    '{"level":30,"msg":"request done","requestId":"r1"}',
    `{"level":30,"pem":"${header('')}\\nMIGHAgEAMBMG\\n-----END PRIVATE KEY-----"}`,
    header('EC '),
    `{"level":50,"msg":"bad token","authorization":"Bearer ${jwt}"}`,
    '{"msg":"-----BEGIN CERTIFICATE----- is fine, and so is eyJhbGciOiJI alone"}',
  ].join('\n');
  const findings = scanText(sample, 'sample.log');
  expect(findings.map((f) => [f.line, f.kind])).toEqual([
    [2, 'private key'],
    [3, 'private key'],
    [4, 'JWT'],
  ]);
  // The report names where, not the secret itself.
  expect(describeFindings(findings)).not.toContain(jwt);
  expect(describeFindings(findings)).toContain('sample.log:4: JWT');
});

test('a clean log has no finding; a folder is scanned file by file, only *.log', () => {
  expect(scanText('{"authorization":"[redacted]","token":"[redacted]"}\n', 'clean.log')).toEqual([]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'log-scan-'));
  try {
    writeFileSync(path.join(dir, 'serve-all-1.log'), '{"msg":"ok"}\n');
    writeFileSync(path.join(dir, 'sync-2.log'), `{"msg":"x"}\n{"token":"${jwt}"}\n`);
    writeFileSync(path.join(dir, 'notes.txt'), header(''));
    const { files, findings } = scanLogDir(dir);
    expect(files).toBe(2);
    expect(findings).toEqual([expect.objectContaining({ file: path.join(dir, 'sync-2.log'), line: 2, kind: 'JWT' })]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  expect(scanLogDir(path.join(os.tmpdir(), 'no-such-folder-xyz'))).toEqual({ files: 0, findings: [] });
});
