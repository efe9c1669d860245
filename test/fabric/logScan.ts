import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { TEST_STATE_DIR } from './testNetwork';

/**
 * The output of every process the integration tests spawn is appended to a log of this run
 * (`startCliProcess` writes `<command>-<role>-<pid>.log` here), and the fabric project's
 * globalTeardown scans them: a private key or a JWT in any of them fails the run. One folder per
 * test network (TEST_FABRIC_STATE_DIR), emptied by globalSetup, so two runs side by side keep
 * their own logs.
 */
export const RUN_LOG_DIR = path.resolve(__dirname, '..', '..', 'test-artifacts', 'logs', path.basename(TEST_STATE_DIR));

/** What must never reach a log. */
export const SECRET_PATTERNS: readonly { readonly kind: string; readonly pattern: RegExp }[] = [
  { kind: 'private key', pattern: /-----BEGIN (?:EC |RSA |ENCRYPTED )?PRIVATE KEY-----/g },
  { kind: 'JWT', pattern: /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g },
];

export interface SecretFinding {
  readonly file: string;
  readonly line: number;
  readonly kind: string;
  /** The start of the match only, so that the report does not leak it again. */
  readonly excerpt: string;
}

export function scanText(text: string, file: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  text.split('\n').forEach((content, index) => {
    for (const { kind, pattern } of SECRET_PATTERNS) {
      for (const match of content.matchAll(pattern)) findings.push({ file, line: index + 1, kind, excerpt: `${match[0].slice(0, 16)}…` });
    }
  });
  return findings;
}

/** Scans every `*.log` file in `dir` (none when it does not exist). */
export function scanLogDir(dir: string = RUN_LOG_DIR): { files: number; findings: SecretFinding[] } {
  if (!existsSync(dir)) return { files: 0, findings: [] };
  const files = readdirSync(dir).filter((f) => f.endsWith('.log'));
  return { files: files.length, findings: files.flatMap((f) => scanText(readFileSync(path.join(dir, f), 'utf8'), path.join(dir, f))) };
}

export function describeFindings(findings: readonly SecretFinding[]): string {
  return findings.map((f) => `${f.file}:${f.line}: ${f.kind} (${f.excerpt})`).join('\n');
}
