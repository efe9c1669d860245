import pino from 'pino';

import type { Logger } from './logger';

/**
 * Field names whose values never reach a log line, at the top of a log call's fields and up to
 * three levels below (`{ err: { config: { headers: { authorization } } } }`). Secret settings are
 * also `Secret` objects that print as `[redacted]` (src/config); this is the net under them.
 */
export const REDACTED_FIELDS = [
  'authorization',
  'Authorization',
  'cookie',
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'refreshToken',
  'jwt',
  'jwtSecret',
  'secret',
  'registrarSecret',
  'enrollmentSecret',
  'privateKey',
  'walletKey',
  'key_pem',
  'databaseUrl',
  'connectionString',
] as const;

export const REDACTED = '[redacted]';

/** pino `redact` paths for REDACTED_FIELDS at depths 0 to 3 (pino's wildcards match one level each). */
export function redactPaths(fields: readonly string[] = REDACTED_FIELDS): string[] {
  const prefixes = ['', '*.', '*.*.', '*.*.*.'];
  return prefixes.flatMap((prefix) => fields.map((field) => `${prefix}${field}`));
}

/** JSON logs on stdout (or `destination`, for tests); secrets that could ride along in fields are redacted by name. */
export function createLogger(options: { level: string; name: string; destination?: pino.DestinationStream }): Logger {
  const settings = { name: options.name, level: options.level, redact: { paths: redactPaths(), censor: REDACTED } };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
