/**
 * Deterministic JSON. Every endorsing peer must write byte-identical values, and JSON.stringify
 * keeps insertion order, which depends on how a value was built. Sorting keys at every depth
 * makes the bytes depend only on the data.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Plain code-unit order (what Array.prototype.sort does without a comparator), spelled out so the
// ordering rule is visible and locale-independent.
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Like JSON.stringify, but with object keys sorted recursively; refuses values JSON cannot hold. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot encode ${String(value)} as JSON`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item: unknown) => canonicalJson(item)).join(',')}]`;
  if (isRecord(value)) {
    const members = Object.keys(value)
      .filter((key) => value[key] !== undefined) // optional fields left unset are omitted, as JSON.stringify does
      .sort(byCodeUnit)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${members.join(',')}}`;
  }
  throw new TypeError(`cannot encode a ${typeof value} as JSON`);
}

export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(canonicalJson(value), 'utf8');
}
