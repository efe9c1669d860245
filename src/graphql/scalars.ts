import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

import { ErrorCode } from '../common';

/** Exact integers travel as decimal strings; up to 2^64 - 1 covers every block number and token amount. */
const INTEGER = /^-?(0|[1-9][0-9]{0,19})$/;
const UINT64_MAX = (1n << 64n) - 1n;

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
}

function isDecimal(value: unknown): value is { toFixed(): string } {
  return typeof value === 'object' && value !== null && 'toFixed' in value && typeof value.toFixed === 'function';
}

function parseBigInt(value: unknown): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value !== 'string' || !INTEGER.test(value)) throw badInput('BigInt: expected an integer as a decimal string, e.g. "42"');
  const parsed = BigInt(value);
  if (parsed > UINT64_MAX || parsed < -UINT64_MAX) throw badInput('BigInt: beyond 64 bits');
  return parsed;
}

export const BigIntScalar = new GraphQLScalarType<bigint, string>({
  name: 'BigInt',
  serialize(value) {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    // Prisma returns numeric(20,0) as a Decimal; its toFixed() is exact for integers.
    if (isDecimal(value)) return value.toFixed();
    if (typeof value === 'string' && INTEGER.test(value)) return value;
    throw new TypeError(`BigInt cannot represent ${String(value)}`);
  },
  parseValue: parseBigInt,
  parseLiteral(ast: ValueNode) {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT) return parseBigInt(ast.value);
    throw badInput('BigInt: expected an integer as a decimal string');
  },
});

function parseDateTime(value: unknown): Date {
  if (typeof value !== 'string') throw badInput('DateTime: expected an ISO-8601 string');
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(date.getTime())) throw badInput('DateTime: expected an ISO-8601 string, e.g. 2026-01-31T12:00:00Z');
  return date;
}

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize(value) {
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'string') return new Date(value).toISOString();
    throw new TypeError(`DateTime cannot represent ${String(value)}`);
  },
  parseValue: parseDateTime,
  parseLiteral(ast: ValueNode) {
    if (ast.kind !== Kind.STRING) throw badInput('DateTime: expected an ISO-8601 string');
    return parseDateTime(ast.value);
  },
});

function literalValue(ast: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((item) => literalValue(item, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((field) => [field.name.value, literalValue(field.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    case Kind.ENUM:
      return ast.value;
  }
}

export const JsonScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: literalValue,
});
