import type { Context } from 'fabric-contract-api';

import { encodeJson } from './canonicalJson';
import { ChaincodeError } from './errors';

/**
 * World-state layout. Plain string keys with a type prefix, so an indexer that only sees write
 * sets can tell records apart by key alone (no composite keys, no \u0000 separators):
 *
 *   asset:<id>          one asset (JSON)
 *   balance:<account>   one token balance (JSON {account, balance}); account is <MSP ID>/<enrollment ID>
 *
 * The type is everything before the first ':'; ids and accounts may contain ':' themselves.
 */
export const ASSET_KEY_PREFIX = 'asset:';
export const BALANCE_KEY_PREFIX = 'balance:';

type Stub = Context['stub'];

export function assetKey(id: string): string {
  return `${ASSET_KEY_PREFIX}${id}`;
}

export function balanceKey(account: string): string {
  return `${BALANCE_KEY_PREFIX}${account}`;
}

/** The parsed JSON record under key, or undefined when nothing is stored there. */
export async function readRecord(stub: Pick<Stub, 'getState'>, key: string): Promise<unknown> {
  const bytes = await stub.getState(key);
  // The peer answers an empty value for a missing key.
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new ChaincodeError('INTERNAL', `state under ${key} is not JSON`);
  }
}

export async function writeRecord(stub: Pick<Stub, 'putState'>, key: string, value: unknown): Promise<void> {
  await stub.putState(key, encodeJson(value));
}

/** Fabric keeps one event per transaction, so each transaction function emits exactly one. */
export function emitEvent(stub: Pick<Stub, 'setEvent'>, name: string, payload: unknown): void {
  stub.setEvent(name, encodeJson(payload));
}
