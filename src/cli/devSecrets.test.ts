import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { loadConfig } from '../config';
import { DEV_ADMIN_USERNAME, ensureDevSecrets } from './devSecrets';

describe('ensureDevSecrets', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dev-secrets-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates valid secrets once, keeps them private, and reuses them on the next start', () => {
    const first = ensureDevSecrets(dir, {});
    expect(first.adminUsername).toBe(DEV_ADMIN_USERNAME);
    expect(first.adminPasswordIn).toBe(path.join(dir, 'dev-secrets.json'));
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    const config = loadConfig({ ...first.env }, dir);
    expect(config.identities.walletKey).toBeDefined();
    expect(config.auth.jwtSecret).toBeDefined();
    expect(config.auth.bootstrapAdmin?.username).toBe(DEV_ADMIN_USERNAME);
    const again = ensureDevSecrets(dir, {});
    expect(again.env).toEqual(first.env);
    expect(JSON.parse(readFileSync(first.file, 'utf8'))).toEqual(first.env);
  });

  it('lets the environment win', () => {
    const secrets = ensureDevSecrets(dir, { WALLET_KEY: 'from-env', AUTH_BOOTSTRAP_ADMIN_USERNAME: 'ops', AUTH_BOOTSTRAP_ADMIN_PASSWORD: 'a long password' });
    expect(secrets.env).toMatchObject({ WALLET_KEY: 'from-env', AUTH_BOOTSTRAP_ADMIN_USERNAME: 'ops', AUTH_BOOTSTRAP_ADMIN_PASSWORD: 'a long password' });
    expect(secrets.adminPasswordIn).toBeUndefined();
  });
});
