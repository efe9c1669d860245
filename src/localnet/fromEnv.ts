import path from 'node:path';

import { LocalnetError, LocalnetErrorCode } from './errors';
import { createLocalNetwork, type LocalNetwork } from './network';
import { repoRoot } from './pins';
import { createTopology, DEFAULT_PORT_BASE } from './topology';

/**
 * The local network as the operator commands see it: state under FABRIC_STATE_DIR (default
 * .fabric/ in the repository), ports from FABRIC_PORT_BASE, channels from FABRIC_CHANNELS.
 */
export function localnetFromEnv(env: NodeJS.ProcessEnv = process.env): LocalNetwork {
  const portBase = env.FABRIC_PORT_BASE ? Number(env.FABRIC_PORT_BASE) : DEFAULT_PORT_BASE;
  if (!Number.isInteger(portBase) || portBase < 1024 || portBase > 65_000) {
    throw new LocalnetError(
      LocalnetErrorCode.BAD_OPTION,
      `FABRIC_PORT_BASE must be an integer from 1024 to 65000 (the network uses the 60 ports above it); got "${env.FABRIC_PORT_BASE ?? ''}"`,
    );
  }
  const channels = (env.FABRIC_CHANNELS ?? 'mychannel').split(',').map((c) => c.trim()).filter(Boolean);
  const bad = channels.filter((c) => !/^[a-z][a-z0-9.-]{0,48}$/.test(c));
  if (channels.length === 0 || bad.length > 0) {
    throw new LocalnetError(
      LocalnetErrorCode.BAD_OPTION,
      `FABRIC_CHANNELS must be comma-separated channel names of lower-case letters, digits, '.' and '-', starting with a letter; bad: ${bad.join(', ') || '(empty)'}`,
    );
  }
  const stateDir = env.FABRIC_STATE_DIR ?? path.join(repoRoot, '.fabric');
  return createLocalNetwork({ topology: createTopology({ stateDir, portBase, channels }) });
}
