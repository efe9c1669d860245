import type { Context } from 'fabric-contract-api';

/**
 * The transaction's timestamp as ISO-8601 (millisecond precision). The client sets it in the
 * proposal, so every endorser sees the same value; the wall clock would differ between peers
 * and make their write sets disagree.
 */
export function txTimestampIso(stub: Pick<Context['stub'], 'getTxTimestamp'>): string {
  const { seconds, nanos } = stub.getTxTimestamp();
  // seconds is a Long; its decimal string converts without going through a lossy number.
  const millis = BigInt(seconds.toString()) * 1000n + BigInt(Math.trunc(nanos / 1_000_000));
  return new Date(Number(millis)).toISOString();
}
