import { createChaincodeDeployer, type LocalNetwork, type NodeStatus } from '../localnet';
import { table } from './output';

/** The status table that `network status` and `npm start` print. */
export function statusTable(statuses: readonly NodeStatus[], channels: readonly string[]): string {
  const rows = statuses.map((s) => [
    s.name,
    s.kind,
    s.org,
    s.address,
    s.pid === undefined ? '-' : String(s.pid),
    s.healthy ? 'healthy' : s.detail,
    s.memoryKiB === undefined ? '-' : `${Math.round(s.memoryKiB / 1024)} MiB`,
    ...channels.map((c) => (s.kind === 'ca' ? '' : String(s.heights[c] ?? '-'))),
  ]);
  const total = statuses.reduce((sum, s) => sum + (s.memoryKiB ?? 0), 0);
  return `${table([['NODE', 'KIND', 'MSP', 'ADDRESS', 'PID', 'HEALTH', 'MEMORY', ...channels.map((c) => `HEIGHT(${c})`)], ...rows])}\nmemory of the Fabric nodes: ${Math.round(total / 1024)} MiB resident`;
}

export async function printStatus(network: LocalNetwork): Promise<void> {
  const statuses = await network.status();
  console.log(statusTable(statuses, network.topology.channels));
  const listings = network.isUp() ? await createChaincodeDeployer({ network }).list(network.topology.channels[0] ?? 'mychannel').catch(() => []) : [];
  for (const cc of listings) {
    const server = cc.server ? `${cc.server.address} pid ${cc.server.pid === undefined ? '- (not running)' : String(cc.server.pid)}` : 'no server recorded';
    console.log(`chaincode ${cc.name} ${cc.version} (sequence ${cc.sequence}): server ${server}`);
  }
  console.log(`state: ${network.topology.stateDir}`);
}

