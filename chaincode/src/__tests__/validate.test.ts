import { describe, expect, it } from '@jest/globals';

import { MAX_ATTRIBUTES_BYTES, parseAttributes, requireId, requireOwner, requireString } from '../validate';

describe('requireId (asset ids and kinds)', () => {
  it.each(['a', 'A-1', 'car.v2', 'ns:item_7', 'x'.repeat(64)])('accepts %j', (id) => {
    expect(requireId('id', id)).toBe(id);
  });

  it.each(['', 'x'.repeat(65), 'a b', 'a/b', 'a@b', 'ü', 'a\u0000b', 'a\n'])('refuses %j', (id) => {
    expect(() => requireId('id', id)).toThrow('INVALID_ARGUMENT: id must be 1-64 characters of A-Z a-z 0-9 . _ : -');
  });

  it('refuses non-strings', () => {
    expect(() => requireId('kind', 7)).toThrow('INVALID_ARGUMENT: kind must be a string');
    expect(() => requireString('x', undefined)).toThrow('INVALID_ARGUMENT: x must be a string');
  });
});

describe('requireOwner (owners and accounts: <MSP ID>/<enrollment ID>)', () => {
  it.each(['Org1MSP/user1', 'Org1MSP/User1@org1.example.com', 'org-2.msp/a:b_c', `${'M'.repeat(64)}/${'u'.repeat(64)}`])('accepts %j', (owner) => {
    expect(requireOwner('owner', owner)).toBe(owner);
  });

  it.each(['', 'Org1MSP', 'Org1MSP/', '/user1', 'Org1MSP//user1', 'Org1MSP/user1/x', 'Org1 MSP/user1', `${'M'.repeat(65)}/u`, `M/${'u'.repeat(65)}`])(
    'refuses %j',
    (owner) => {
      expect(() => requireOwner('owner', owner)).toThrow('INVALID_ARGUMENT: owner must be <MSP ID>/<enrollment ID>');
    },
  );
});

describe('parseAttributes', () => {
  it('returns the parsed object', () => {
    expect(parseAttributes('attributesJson', '{"colour":"blue","tags":["a"],"n":1.5,"ok":true,"none":null}')).toEqual({
      colour: 'blue',
      tags: ['a'],
      n: 1.5,
      ok: true,
      none: null,
    });
    expect(parseAttributes('attributesJson', '{}')).toEqual({});
  });

  it('allows exactly 16 KiB of UTF-8, counted in bytes', () => {
    const fits = `{"s":"${'a'.repeat(MAX_ATTRIBUTES_BYTES - 8)}"}`;
    expect(Buffer.byteLength(fits)).toBe(MAX_ATTRIBUTES_BYTES);
    expect(() => parseAttributes('attributesJson', fits)).not.toThrow();

    // 6000 characters, but 18000 bytes: '€' takes three bytes in UTF-8.
    const tooBig = `{"s":"${'€'.repeat(6000)}"}`;
    expect(tooBig.length).toBeLessThan(MAX_ATTRIBUTES_BYTES);
    expect(() => parseAttributes('attributesJson', tooBig)).toThrow('INVALID_ARGUMENT: attributesJson must be at most 16384 bytes of UTF-8');
  });

  it.each([
    ['not JSON', '{', 'is not valid JSON'],
    ['empty', '', 'is not valid JSON'],
    ['an array', '[]', 'must be a JSON object'],
    ['null', 'null', 'must be a JSON object'],
    ['a number', '42', 'must be a JSON object'],
    ['a string', '"x"', 'must be a JSON object'],
    ['a number JSON cannot store back', '{"big":1e400}', 'contains a number out of range'],
    ['nested 33 levels deep', `${'{"a":'.repeat(33)}1${'}'.repeat(33)}`, 'nests deeper than 32 levels'],
  ])('refuses %s', (_case, text, message) => {
    expect(() => parseAttributes('attributesJson', text)).toThrow(`INVALID_ARGUMENT: attributesJson ${message}`);
  });

  it('allows 32 levels of nesting', () => {
    expect(() => parseAttributes('attributesJson', `${'{"a":'.repeat(32)}1${'}'.repeat(32)}`)).not.toThrow();
  });
});
