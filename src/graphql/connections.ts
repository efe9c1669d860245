/**
 * Relay connections over the store's keyset windows: page-size limits, opaque cursors and pageInfo.
 * A cursor is base64url(JSON [list, ...order key]) where `list` names the connection that gave it
 * (e.g. `assets:ID`, `history:<asset id>`); decoding checks all of it, so a cursor from another
 * list, another order or a tampered one is BAD_USER_INPUT naming the argument.
 */
import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

import { AppError, ErrorCode } from '../common';
import type { Key, KeyType, KeyValue, Slice, Window } from '../store';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const MAX_CURSOR_LENGTH = 2048;

export interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
  readonly last?: number | null;
  readonly before?: string | null;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Page<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

/** The list a cursor belongs to and the types of its order key. */
export interface CursorSpec {
  readonly list: string;
  readonly types: readonly KeyType[];
}

function badInput(argument: string, message: string): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, `${argument}: ${message}`, { argument });
}

function pageSize(argument: 'first' | 'last', value: number | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > MAX_PAGE_SIZE) {
    throw badInput(argument, `must be an integer from 0 to ${MAX_PAGE_SIZE}, got ${value}`);
  }
  return value;
}

export function encodeCursor(list: string, key: Key): string {
  return Buffer.from(JSON.stringify([list, ...key.map(String)]), 'utf8').toString('base64url');
}

const INT64_MAX = (1n << 63n) - 1n;
const INT32_MAX = 2 ** 31 - 1;

function keyValue(type: KeyType, value: unknown): KeyValue | undefined {
  if (typeof value !== 'string') return undefined;
  switch (type) {
    case 'text':
      return value;
    case 'bigint':
      return /^(0|[1-9][0-9]{0,18})$/.test(value) && BigInt(value) <= INT64_MAX ? BigInt(value) : undefined;
    case 'int':
      return /^(0|[1-9][0-9]{0,9})$/.test(value) && Number(value) <= INT32_MAX ? Number(value) : undefined;
  }
}

/** The order key a cursor carries, or BAD_USER_INPUT naming `argument` when it is not one of this list's cursors. */
export function decodeCursor(spec: CursorSpec, cursor: string, argument: string): Key {
  const invalid = (): AppError => badInput(argument, 'not a cursor of this connection (use a cursor it returned)');
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== spec.types.length + 1 || parsed[0] !== spec.list) throw invalid();
  const values = spec.types.map((type, i) => keyValue(type, parsed[i + 1]));
  if (values.some((v) => v === undefined)) throw invalid();
  return values as KeyValue[];
}

/**
 * The window that first/after or last/before asks for (default: the first 50). Checks every
 * argument before anything is read.
 */
export function pageWindow(args: PageArgs, spec: CursorSpec): Window {
  const first = pageSize('first', args.first);
  const last = pageSize('last', args.last);
  if (first !== undefined && last !== undefined) throw badInput('last', 'give first or last, not both');
  const after = args.after === null || args.after === undefined ? undefined : decodeCursor(spec, args.after, 'after');
  const before = args.before === null || args.before === undefined ? undefined : decodeCursor(spec, args.before, 'before');
  const fromEnd = last !== undefined;
  return { limit: last ?? first ?? DEFAULT_PAGE_SIZE, fromEnd, ...(after ? { after } : {}), ...(before ? { before } : {}) };
}

/** Edges and pageInfo of a slice read with `window`; `keyOf` gives a row's order key. */
export function toPage<T>(slice: Slice<T>, window: Window, spec: CursorSpec, keyOf: (row: T) => Key): Page<T> {
  const edges = slice.rows.map((node) => ({ cursor: encodeCursor(spec.list, keyOf(node)), node }));
  // Going forward, rows before `after` exist (at least the row it points at); going back, likewise after `before`.
  const pastEnd = window.fromEnd ? window.before !== undefined : slice.more || window.before !== undefined;
  const pastStart = window.fromEnd ? slice.more || window.after !== undefined : window.after !== undefined;
  return {
    edges,
    pageInfo: {
      hasNextPage: pastEnd,
      hasPreviousPage: pastStart,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

function selectionHas(set: SelectionSetNode | undefined, name: string, fragments: Record<string, FragmentDefinitionNode>): boolean {
  return (set?.selections ?? []).some((selection) => {
    switch (selection.kind) {
      case Kind.FIELD:
        return selection.name.value === name;
      case Kind.INLINE_FRAGMENT:
        return selectionHas(selection.selectionSet, name, fragments);
      case Kind.FRAGMENT_SPREAD:
        return selectionHas(fragments[selection.name.value]?.selectionSet, name, fragments);
    }
  });
}

/** Whether the query selects `name` directly under the field being resolved (so that a count runs only when asked for). */
export function selects(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, name: string): boolean {
  return info.fieldNodes.some((node: FieldNode) => selectionHas(node.selectionSet, name, info.fragments));
}
