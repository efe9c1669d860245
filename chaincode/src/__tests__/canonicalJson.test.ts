import { describe, expect, it } from '@jest/globals';

import { canonicalJson, encodeJson, isRecord } from '../canonicalJson';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('gives the same text for the same data built in any order', () => {
    const one: Record<string, number> = {};
    one.first = 1;
    one.second = 2;
    const two: Record<string, number> = {};
    two.second = 2;
    two.first = 1;

    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it('orders keys by UTF-16 code unit, independent of locale', () => {
    expect(canonicalJson({ b: 1, B: 2, é: 3, a: 4, _: 5, '10': 6, '9': 7 })).toBe('{"10":6,"9":7,"B":2,"_":5,"a":4,"b":1,"é":3}');
  });

  it('encodes strings and numbers as JSON.stringify does', () => {
    expect(canonicalJson(['quote " and \\ and \n', 1.5, -0, 1e21, '\u2028'])).toBe(JSON.stringify(['quote " and \\ and \n', 1.5, -0, 1e21, '\u2028']));
  });

  it('leaves out properties that are undefined, like JSON.stringify', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });

  it('keeps a "__proto__" key that came from JSON as data', () => {
    const parsed = JSON.parse('{"__proto__":{"x":1},"a":2}') as unknown;

    expect(canonicalJson(parsed)).toBe('{"__proto__":{"x":1},"a":2}');
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['undefined', undefined],
    ['a bigint', 1n],
    ['a function', () => 1],
    ['undefined in an array', [undefined]],
  ])('refuses %s', (_case, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it('encodeJson gives UTF-8 bytes', () => {
    expect(Buffer.from(encodeJson({ name: 'Zoë' })).toString('hex')).toBe(Buffer.from('{"name":"Zoë"}', 'utf8').toString('hex'));
  });
});

describe('isRecord', () => {
  it('accepts objects only', () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord([])).toBe(false);
    expect(isRecord(null)).toBe(false);
    expect(isRecord('{}')).toBe(false);
  });
});
