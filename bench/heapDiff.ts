import { readFileSync } from 'node:fs';

/**
 * `node --import tsx bench/heapDiff.ts <before.heapsnapshot> <after.heapsnapshot> [--top N]`:
 * what grew between two V8 heap snapshots (the soak's `--heap-snapshots`), by constructor or
 * object type: count and self size before and after, largest growth first. It answers "what is
 * it" for a live heap that the soak judged growing; where it is held from needs DevTools' retainer
 * view on the same files.
 */

interface SnapshotFile {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

interface Bucket {
  count: number;
  bytes: number;
}

/** Self size and count per "type:name" (e.g. "object:Block", "string", "closure:onData"). */
export function bucketsOf(file: SnapshotFile): Map<string, Bucket> {
  const fields = file.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = file.snapshot.meta.node_types[0];
  const buckets = new Map<string, Bucket>();
  for (let i = 0; i < file.nodes.length; i += width) {
    const type = types[file.nodes[i + typeAt] ?? 0] ?? '?';
    // Strings and numbers are named by their value: group them by type alone.
    const named = type === 'object' || type === 'closure' || type === 'native' || type === 'array';
    const key = named ? `${type}:${file.strings[file.nodes[i + nameAt] ?? 0] ?? '?'}` : type;
    const bucket = buckets.get(key) ?? { count: 0, bytes: 0 };
    bucket.count++;
    bucket.bytes += file.nodes[i + sizeAt] ?? 0;
    buckets.set(key, bucket);
  }
  return buckets;
}

function main(): void {
  const [beforePath, afterPath] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const topAt = process.argv.indexOf('--top');
  const top = topAt > 0 ? Number(process.argv[topAt + 1]) : 25;
  if (!beforePath || !afterPath || !Number.isInteger(top) || top <= 0) {
    console.error('usage: node --import tsx bench/heapDiff.ts <before.heapsnapshot> <after.heapsnapshot> [--top N]');
    process.exit(2);
  }
  const load = (p: string): Map<string, Bucket> => bucketsOf(JSON.parse(readFileSync(p, 'utf8')) as SnapshotFile);
  const before = load(beforePath);
  const after = load(afterPath);
  const total = (m: Map<string, Bucket>): number => [...m.values()].reduce((s, b) => s + b.bytes, 0);
  const rows = [...new Set([...before.keys(), ...after.keys()])]
    .map((key) => {
      const b = before.get(key) ?? { count: 0, bytes: 0 };
      const a = after.get(key) ?? { count: 0, bytes: 0 };
      return { key, b, a, grew: a.bytes - b.bytes };
    })
    .sort((x, y) => y.grew - x.grew)
    .slice(0, top);
  const kib = (n: number): string => (n / 1024).toFixed(1);
  console.log(`self sizes: ${kib(total(before))} KiB -> ${kib(total(after))} KiB`);
  console.log(`${'type:name'.padEnd(48)}${'count'.padStart(10)}${'->'.padStart(4)}${'count'.padStart(10)}${'KiB'.padStart(12)}${'->'.padStart(4)}${'KiB'.padStart(12)}${'grew KiB'.padStart(12)}`);
  for (const r of rows) {
    console.log(`${r.key.slice(0, 47).padEnd(48)}${String(r.b.count).padStart(10)}${''.padStart(4)}${String(r.a.count).padStart(10)}${kib(r.b.bytes).padStart(12)}${''.padStart(4)}${kib(r.a.bytes).padStart(12)}${kib(r.grew).padStart(12)}`);
  }
}

if (require.main === module) main();
