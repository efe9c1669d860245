import { decodeChainHeight } from './qsccReader';

describe('reading the height from qscc GetChainInfo', () => {
  it('decodes the varint in field 1', () => {
    expect(decodeChainHeight(Buffer.from([0x08, 0x05, 0x12, 0x00]))).toBe(5n);
    expect(decodeChainHeight(Buffer.from([0x08, 0xac, 0x02]))).toBe(300n);
  });
});
