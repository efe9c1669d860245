import { Writable } from 'node:stream';

import { createLogger, REDACTED, REDACTED_FIELDS, redactPaths } from './pinoLogger';

/** A logger writing into an array of lines. */
function capture(): { lines: string[]; destination: Writable } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, destination };
}

describe('the pino logger', () => {
  const secrets = {
    password: 'hunter2-password-value',
    token: 'eyJhbGciOiJIUzI1NiJ9.token-value',
    privateKey: '-----BEGIN PRIVATE KEY-----\nMIGHAgEAprivate-key-value',
    walletKey: 'd2FsbGV0LWtleS12YWx1ZQ==',
    jwtSecret: 'and2LXNlY3JldC12YWx1ZQ==',
    authorization: 'Bearer authorization-header-value',
    registrarSecret: 'registrar-secret-value',
    databaseUrl: 'postgresql://user:db-password-value@db/ledger',
  };

  it('writes none of the secret values, at the top or nested in fields', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'debug', name: 'test', destination });
    log.info({ ...secrets, user: 'alice' }, 'top level');
    log.child({ requestId: 'req-1' }).warn({ req: { headers: { authorization: secrets.authorization, cookie: 'session=cookie-value' } } }, 'a request');
    log.error({ err: { config: { identity: { privateKey: secrets.privateKey, certificate: 'CERT' } } }, input: { password: secrets.password } }, 'nested');
    const output = lines.join('\n');
    for (const value of [...Object.values(secrets), 'session=cookie-value']) expect(output).not.toContain(value);
    const first = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(first).toMatchObject({ user: 'alice', password: REDACTED, token: REDACTED, walletKey: REDACTED, msg: 'top level' });
    expect(output).toContain('"requestId":"req-1"');
    expect(output).toContain('"certificate":"CERT"');
  });

  it('redacts every listed field name at depths 0 to 3', () => {
    expect(redactPaths(['password'])).toEqual(['password', '*.password', '*.*.password', '*.*.*.password']);
    expect(redactPaths()).toHaveLength(REDACTED_FIELDS.length * 4);
  });
});
