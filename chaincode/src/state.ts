import type { ChaincodeStub } from 'fabric-shim';

/**
 * World-state access with deterministic JSON: every endorser must produce the same bytes, so
 * object keys are written sorted at every depth.
 *
 * Key layout (so that an indexer reading write sets can tell records apart by key alone):
 *   asset:<id>          an asset (JSON)
 *   balance:<account>   a token balance (JSON {account, balance}); account is <MSP ID>/<enrollment ID>
 */
export const assetKey = (id: string): string => `asset:${id}`;
export const balanceKey = (account: string): string => `balance:${account}`;

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const source = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(source).sort().map((k) => [k, sortKeys(source[k])]));
  }
  return value;
}

export function toJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

export async function readJson<T>(stub: ChaincodeStub, key: string): Promise<T | undefined> {
  const bytes = await stub.getState(key);
  if (bytes.length === 0) return undefined;
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

export async function writeJson(stub: ChaincodeStub, key: string, value: unknown): Promise<void> {
  await stub.putState(key, Buffer.from(toJson(value), 'utf8'));
}

export function emit(stub: ChaincodeStub, name: string, payload: unknown): void {
  stub.setEvent(name, Buffer.from(toJson(payload), 'utf8'));
}

/** The transaction's timestamp (the same on every endorser), never the wall clock. */
export function txTime(stub: ChaincodeStub): string {
  return stub.getDateTimestamp().toISOString();
}
