import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `node --import tsx bench/cpuTop.ts <profile.cpuprofile> [--top N]`: where a V8 CPU profile (the
 * sync benchmark's `--cpu-profiles`, or `node --cpu-prof`) spent its samples, by self time per
 * function and per source file, largest first. It answers "which part of this thread's work is
 * the cost", which the benchmark's CPU seconds alone cannot.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
}

/** Self time (ms) per key, where `keyOf` names a sampled node (a function, a file, …). */
export function selfTimes(profile: CpuProfile, keyOf: (node: ProfileNode) => string): SelfTime[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node) return;
    const key = keyOf(node);
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...totals].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
}

/** node_modules/<package> for dependencies, the path below the repository for our own files. */
function fileOf(url: string): string {
  if (url === '') return '(native or V8)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return `node_modules/${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? '')}`;
  }
  return url.startsWith('node:') ? url : path.relative(path.resolve(__dirname, '..'), url.replace(/^file:\/\//, ''));
}

function main(): void {
  const [file, flag, count] = process.argv.slice(2);
  if (!file) throw new Error('usage: bench/cpuTop.ts <profile.cpuprofile> [--top N]');
  const top = flag === '--top' ? Number(count) : 25;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const all = selfTimes(profile, () => 'all');
  const idle = selfTimes(profile, (n) => n.callFrame.functionName).find((t) => t.name === '(idle)')?.ms ?? 0;
  console.log(`${file}: ${((all[0]?.ms ?? 0) / 1000).toFixed(1)} s sampled, ${(idle / 1000).toFixed(1)} s idle`);
  const print = (title: string, rows: SelfTime[]): void => {
    console.log(`\n${title}`);
    for (const row of rows.slice(0, top)) console.log(`${(row.ms / 1000).toFixed(2).padStart(8)} s  ${row.name}`);
  };
  print('self time by file', selfTimes(profile, (n) => fileOf(n.callFrame.url)));
  print(
    'self time by function',
    selfTimes(profile, (n) => `${n.callFrame.functionName || '(anonymous)'}  ${fileOf(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`),
  );
}

if (require.main === module) main();
