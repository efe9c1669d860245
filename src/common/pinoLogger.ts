import pino from 'pino';

import type { Logger } from './logger';

/** JSON logs on stdout; secrets that could ride along in fields are redacted by path. */
export function createLogger(options: { level: string; name: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    redact: {
      paths: ['privateKey', '*.privateKey', 'password', '*.password', 'authorization', '*.authorization', 'databaseUrl', '*.databaseUrl'],
      censor: '[redacted]',
    },
  });
}
