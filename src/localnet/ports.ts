import { createServer } from 'node:net';

import { LocalnetError, LocalnetErrorCode } from './errors';
import { run } from './exec';

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/** Best effort: which process holds a port, from `ss` (iproute2). */
export async function portHolder(port: number): Promise<string | undefined> {
  try {
    const { stdout } = await run('ss', ['-Hltnp', `sport = :${port}`], { step: 'ss' });
    const users = /users:\(\("([^"]+)",pid=(\d+)/.exec(stdout);
    if (users?.[1] && users[2]) return `${users[1]} (pid ${users[2]})`;
    return stdout.trim() ? stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

export async function assertPortsFree(ports: readonly { port: number; purpose: string }[]): Promise<void> {
  const problems: string[] = [];
  for (const { port, purpose } of ports) {
    if (await isPortFree(port)) continue;
    const holder = await portHolder(port);
    problems.push(`port ${port} (${purpose}) is already in use${holder ? ` by ${holder}` : ''}`);
  }
  if (problems.length > 0) {
    throw new LocalnetError(
      LocalnetErrorCode.PORT_IN_USE,
      problems.join('\n'),
      'Stop what holds the port, or move the whole network with FABRIC_PORT_BASE=<another base>.',
    );
  }
}
