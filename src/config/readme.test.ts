import { readFileSync } from 'node:fs';
import path from 'node:path';

import { loadConfig } from './index';

/**
 * Every setting src/config reads is documented: each key that `loadConfig` reads (`env.KEY`, or
 * through its `int`, `bool` and `list` readers) has a row in one of the README's settings tables,
 * with its default in the second column.
 */
const root = path.resolve(__dirname, '..', '..');
const source = readFileSync(path.join(__dirname, 'index.ts'), 'utf8');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

function settingKeys(text: string): string[] {
  const keys = new Set<string>();
  for (const match of text.matchAll(/\benv\.([A-Z][A-Z0-9_]+)|\b(?:int|bool|list)\('([A-Z][A-Z0-9_]+)'/g)) keys.add(match[1] ?? match[2] ?? '');
  return [...keys].sort();
}

/** The settings tables' rows: first cell (one or more `KEY`s), second cell (the default). */
function documentedDefaults(text: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of text.split('\n')) {
    const cells = /^\| ([^|]+) \| ([^|]+) \|/.exec(line);
    if (!cells) continue;
    for (const key of cells[1]?.matchAll(/`([A-Z][A-Z0-9_]+)`/g) ?? []) rows.set(key[1] ?? '', cells[2]?.trim() ?? '');
  }
  return rows;
}

describe('the settings', () => {
  const keys = settingKeys(source);
  const documented = documentedDefaults(readme);

  it('are found in src/config', () => {
    expect(keys).toEqual(expect.arrayContaining(['DATABASE_URL', 'LOG_LEVEL', 'PORT', 'SYNC_STALL_SECONDS', 'METRICS_POLL_MS', 'WALLET_KEY']));
    expect(keys.length).toBeGreaterThan(80);
  });

  it.each(keys)('%s has a README row with its default', (key) => {
    expect(documented.get(key)).toMatch(/\S/);
  });
});

describe('the loaded configuration', () => {
  it('is frozen all the way down', () => {
    const config = loadConfig({}, root);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.sync)).toBe(true);
    expect(Object.isFrozen(config.sync.channels)).toBe(true);
    expect(Object.isFrozen(config.gateway.limits)).toBe(true);
    expect(Object.isFrozen(config.network.operationsEndpoints[0])).toBe(true);
    expect(config.sync.stallSeconds).toBe(120);
    expect(config.metricsPollMs).toBe(5000);
  });

  it('reads blocks on the worker\'s main thread unless SYNC_CATCH_UP_THREAD=true', () => {
    expect(loadConfig({}, root).sync.catchUpThread).toBe(false);
    expect(loadConfig({ SYNC_CATCH_UP_THREAD: 'true' }, root).sync.catchUpThread).toBe(true);
    expect(() => loadConfig({ SYNC_CATCH_UP_THREAD: 'yes' }, root)).toThrow('SYNC_CATCH_UP_THREAD: expected true or false, got "yes"');
  });
});
