import { randomUUID } from 'node:crypto';

/**
 * The id that ties a request's log lines, its errors and the client's report together. A caller's
 * (or a proxy's) `x-request-id` is kept when it is short and plain; anything else is replaced, so a
 * header can never inject text into logs.
 */
export const REQUEST_ID_HEADER = 'x-request-id';

const SANE = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && SANE.test(value) ? value : randomUUID();
}
