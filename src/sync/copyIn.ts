import type { ClientBase } from 'pg';

import type { SqlValue } from './rowChange';

/**
 * `COPY … FROM STDIN` with node-postgres alone: a query object with a `submit` method (pg's
 * Submittable interface, the one pg-copy-streams builds on) that sends the rows once PostgreSQL
 * asks for them. The rows are encoded straight into ONE CopyData message in a buffer this session
 * keeps and reuses: a batch is bounded by the worker's batch size anyway, and on the machines we
 * measured, touching fresh memory (a joined payload string, its UTF-8 copy, pg's own copy of each
 * chunk) cost the worker more CPU than building the rows.
 */
interface CopyConnection {
  readonly stream: { write(chunk: Uint8Array, callback: (error?: Error | null) => void): boolean };
  query(text: string): void;
  endCopyFrom(): void;
}

/** CopyData: 'd', an int32 length that counts itself, the bytes. */
const COPY_DATA = 0x64;
const HEADER_BYTES = 5;
/** Past this, a session's buffer is not kept for the next COPY (a one-off huge batch). */
const KEEP_BYTES = 64 << 20;
const LINES_PER_WRITE = 256;

/** By session: any object that stands for one (the pg client). */
const buffers = new WeakMap<object, Buffer>();

/** The message for `lines` (each one row, without its newline), in the session's buffer. */
export function copyDataMessage(session: object, lines: readonly string[]): Buffer {
  let out = buffers.get(session) ?? Buffer.allocUnsafeSlow(1 << 16);
  let at = HEADER_BYTES;
  // A few hundred rows per write: one call per row costs more than joining them first.
  for (let i = 0; i < lines.length; i += LINES_PER_WRITE) {
    const piece = lines.slice(i, i + LINES_PER_WRITE);
    piece.push('');
    const text = piece.join('\n');
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const room = text.length * 3;
    if (out.length - at < room) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(out.length * 2, at + room));
      out.copy(bigger, 0, 0, at);
      out = bigger;
    }
    at += out.write(text, at, 'utf8');
  }
  out[0] = COPY_DATA;
  out.writeUInt32BE(at - 1, 1);
  if (out.length <= KEEP_BYTES) buffers.set(session, out);
  else buffers.delete(session);
  return out.subarray(0, at);
}

export function copyIn(client: ClientBase, sql: string, lines: readonly string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    let ready = false;
    // The session's buffer may be reused only once the socket is done with it.
    let written = false;
    const settle = (): void => {
      if (!failed && ready && written) resolve();
    };
    const submittable = {
      submit(connection: CopyConnection): void {
        connection.query(sql);
      },
      handleCopyInResponse(connection: CopyConnection): void {
        connection.stream.write(copyDataMessage(client, lines), () => {
          written = true;
          settle();
        });
        connection.endCopyFrom();
      },
      handleError(error: Error): void {
        // PostgreSQL follows an error with ReadyForQuery; node-postgres sends nothing else on this
        // connection until then, so the caller may go on (e.g. ROLLBACK) as soon as this rejects.
        if (failed) return;
        failed = true;
        buffers.delete(client);
        reject(error);
      },
      handleReadyForQuery(): void {
        ready = true;
        settle();
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
