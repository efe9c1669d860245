import type { ClientBase } from 'pg';

import type { SqlValue } from './rowChange';

/**
 * `COPY … FROM STDIN` with node-postgres alone: a query object with a `submit` method (pg's
 * Submittable interface, the one pg-copy-streams builds on) that sends the whole payload once
 * PostgreSQL asks for it. The payload is built in memory: a batch is bounded by the worker's
 * batch size anyway, and one string per table is far cheaper to build than thousands of bind
 * parameters.
 */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

const CHUNK_BYTES = 1 << 20;

export function copyIn(client: ClientBase, sql: string, payload: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    const submittable = {
      submit(connection: CopyConnection): void {
        connection.query(sql);
      },
      handleCopyInResponse(connection: CopyConnection): void {
        const bytes = Buffer.from(payload, 'utf8');
        for (let at = 0; at < bytes.length; at += CHUNK_BYTES) connection.sendCopyFromChunk(bytes.subarray(at, at + CHUNK_BYTES));
        connection.endCopyFrom();
      },
      handleError(error: Error): void {
        // PostgreSQL follows an error with ReadyForQuery; node-postgres sends nothing else on this
        // connection until then, so the caller may go on (e.g. ROLLBACK) as soon as this rejects.
        if (failed) return;
        failed = true;
        reject(error);
      },
      handleReadyForQuery(): void {
        if (!failed) resolve();
      },
      handleCommandComplete(): void {},
      handleEmptyQuery(): void {},
      handleRowDescription(): void {},
      handleDataRow(): void {},
      handlePortalSuspended(): void {},
      handleCopyData(): void {},
    };
    // The typings know only Query-like configs; pg dispatches on `typeof submit === 'function'`.
    (client as unknown as { query(q: unknown): void }).query(submittable);
  });
}

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES = /[\\\n\r\t]/g;
const ESCAPED: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function text(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPES, (c) => ESCAPED[c] ?? c) : value;
}

function jsonText(json: unknown): string {
  const encoded = JSON.stringify(json) as string | undefined;
  return encoded === undefined ? '\\N' : text(encoded);
}

/** Printable ASCII but the backslash: bytes that mean themselves in bytea's escape format and in COPY. */
const PLAIN_BYTES = /^[\x20-\x5b\x5d-\x7e]*$/;

/**
 * bytea in COPY text: values that are printable ASCII (JSON documents, mostly) go as they are,
 * in bytea's escape format, half the size of hex; anything else as `\x` hex, its backslash doubled.
 */
function byteaText(value: Buffer): string {
  const latin1 = value.toString('latin1');
  return PLAIN_BYTES.test(latin1) ? latin1 : `\\\\x${value.toString('hex')}`;
}

/** One value in COPY's text format (NULL is `\N`; bytea goes in as `\x` hex, its backslash doubled). */
export function copyValue(value: SqlValue | undefined): string {
  if (value === undefined || value === null) return '\\N';
  switch (typeof value) {
    case 'string':
      return text(value);
    case 'number':
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 't' : 'f';
    default:
      if (Buffer.isBuffer(value)) return byteaText(value);
      if (value instanceof Date) return value.toISOString();
      return jsonText(value.json);
  }
}
