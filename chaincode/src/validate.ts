import { type JsonObject, isRecord } from './canonicalJson';
import { invalidArgument } from './errors';

/**
 * Argument checks. Contracts call these before reading identity or state, so a refused call has
 * written nothing. They take `unknown` because fabric-contract-api only guarantees strings when
 * the call comes through the peer; direct callers (tests, other code) get the same checks.
 */

/** Asset ids and kinds. ':' is fine in ids: a key `asset:<id>` still splits at its first ':'. */
export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
/**
 * Owners and token accounts: `<MSP ID>/<enrollment ID>`, exactly one '/', each part 1-64 characters
 * of the id alphabet plus '@' (cryptogen and e-mail style enrollment IDs contain '@').
 */
export const OWNER_PATTERN = /^[A-Za-z0-9._:@-]{1,64}\/[A-Za-z0-9._:@-]{1,64}$/;
export const MAX_ATTRIBUTES_BYTES = 16 * 1024;
/** Keeps recursive encoding far from the stack limit; no sensible attribute document nests deeper. */
export const MAX_ATTRIBUTES_DEPTH = 32;

export function requireString(name: string, value: unknown): string {
  if (typeof value !== 'string') throw invalidArgument(`${name} must be a string`);
  return value;
}

export function requireId(name: string, value: unknown): string {
  if (!ID_PATTERN.test(requireString(name, value))) {
    throw invalidArgument(`${name} must be 1-64 characters of A-Z a-z 0-9 . _ : -`);
  }
  return value as string;
}

export function requireOwner(name: string, value: unknown): string {
  if (!OWNER_PATTERN.test(requireString(name, value))) {
    throw invalidArgument(`${name} must be <MSP ID>/<enrollment ID>, each part 1-64 characters of A-Z a-z 0-9 . _ : @ - (e.g. Org1MSP/user1)`);
  }
  return value as string;
}

/** attributesJson: a JSON object (not an array, not null) of at most 16 KiB of UTF-8. */
export function parseAttributes(name: string, value: unknown): JsonObject {
  const text = requireString(name, value);
  if (Buffer.byteLength(text, 'utf8') > MAX_ATTRIBUTES_BYTES) {
    throw invalidArgument(`${name} must be at most ${MAX_ATTRIBUTES_BYTES} bytes of UTF-8`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidArgument(`${name} is not valid JSON`);
  }
  if (!isRecord(parsed)) throw invalidArgument(`${name} must be a JSON object`);
  checkJsonTree(name, parsed, 1);
  return parsed as JsonObject;
}

// JSON.parse accepts numbers such as 1e400 that become Infinity, which JSON cannot store back.
function checkJsonTree(name: string, value: unknown, depth: number): void {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw invalidArgument(`${name} contains a number out of range`);
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth > MAX_ATTRIBUTES_DEPTH) throw invalidArgument(`${name} nests deeper than ${MAX_ATTRIBUTES_DEPTH} levels`);
  for (const child of Object.values(value)) checkJsonTree(name, child, depth + 1);
}
