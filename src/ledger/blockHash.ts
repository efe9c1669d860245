import { createHash } from 'node:crypto';

/**
 * Fabric's block header hash: SHA-256 over the ASN.1 DER encoding of
 * SEQUENCE { number INTEGER, previousHash OCTET STRING, dataHash OCTET STRING }
 * (protoutil.BlockHeaderBytes). Block N+1 carries this value as its previous hash, so the
 * cache can check the chain without trusting anyone's word for it.
 */
export function blockHeaderHash(number: bigint, previousHash: Buffer, dataHash: Buffer): Buffer {
  const body = Buffer.concat([derInteger(number), derOctets(previousHash), derOctets(dataHash)]);
  return createHash('sha256').update(Buffer.concat([Buffer.from([0x30]), derLength(body.length), body])).digest();
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function derOctets(value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x04]), derLength(value.length), value]);
}

/** A non-negative INTEGER: minimal big-endian bytes, with a leading zero when the top bit is set. */
function derInteger(value: bigint): Buffer {
  if (value < 0n) throw new Error('block numbers are never negative');
  const bytes: number[] = [];
  for (let n = value; n > 0n; n >>= 8n) bytes.unshift(Number(n & 0xffn));
  if (bytes.length === 0) bytes.push(0);
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return Buffer.concat([Buffer.from([0x02]), derLength(bytes.length), Buffer.from(bytes)]);
}
