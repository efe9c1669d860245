import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { extract } from 'tar';

import { packageIdOf, writeCcaasPackage } from './ccPackage';

describe('chaincode-as-a-service packages', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ccpkg-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('are byte-identical for the same label and address, so every peer gets one package ID', async () => {
    const spec = { label: 'sample_1.0.0', address: 'localhost:27040' };
    await writeCcaasPackage(spec, path.join(dir, 'a.tar.gz'));
    await new Promise((r) => setTimeout(r, 1100)); // a second later: timestamps must not leak in
    await writeCcaasPackage(spec, path.join(dir, 'b.tar.gz'));
    expect(await readFile(path.join(dir, 'a.tar.gz'))).toEqual(await readFile(path.join(dir, 'b.tar.gz')));
    const id = await packageIdOf(spec.label, path.join(dir, 'a.tar.gz'));
    expect(id).toMatch(/^sample_1\.0\.0:[0-9a-f]{64}$/);
  });

  it('differ when the server address differs', async () => {
    await writeCcaasPackage({ label: 'x_1', address: 'localhost:1' }, path.join(dir, 'a.tar.gz'));
    await writeCcaasPackage({ label: 'x_1', address: 'localhost:2' }, path.join(dir, 'b.tar.gz'));
    expect(await packageIdOf('x_1', path.join(dir, 'a.tar.gz'))).not.toBe(await packageIdOf('x_1', path.join(dir, 'b.tar.gz')));
  });

  it('hold metadata.json of type ccaas and a code.tar.gz with connection.json', async () => {
    await writeCcaasPackage({ label: 'sample_2', address: 'localhost:27041' }, path.join(dir, 'p.tar.gz'));
    await extract({ file: path.join(dir, 'p.tar.gz'), cwd: dir });
    expect(JSON.parse(await readFile(path.join(dir, 'metadata.json'), 'utf8'))).toEqual({ type: 'ccaas', label: 'sample_2' });
    await extract({ file: path.join(dir, 'code.tar.gz'), cwd: dir });
    expect(JSON.parse(await readFile(path.join(dir, 'connection.json'), 'utf8'))).toMatchObject({ address: 'localhost:27041', tls_required: false });
  });
});
