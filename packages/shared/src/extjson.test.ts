import { describe, expect, it } from 'vitest';
import { parseExtendedJson, stringifyExtendedJson } from './extjson.js';

describe('parseExtendedJson', () => {
  it('parses strict JSON unchanged', () => {
    expect(parseExtendedJson('{"a":1,"b":[true,null,"x"]}')).toEqual({ a: 1, b: [true, null, 'x'] });
  });

  it('reads bare NaN, Infinity and -Infinity as IEEE values', () => {
    const row = parseExtendedJson('{"loss": NaN, "up": Infinity, "down": -Infinity, "ok": 1.5}') as Record<string, number>;
    expect(row.loss).toBeNaN();
    expect(row.up).toBe(Infinity);
    expect(row.down).toBe(-Infinity);
    expect(row.ok).toBe(1.5);
  });

  it('reads the tokens inside arrays and nested objects', () => {
    const v = parseExtendedJson('[NaN,{"x":[-Infinity,Infinity]}]') as [number, { x: number[] }];
    expect(v[0]).toBeNaN();
    expect(v[1].x).toEqual([-Infinity, Infinity]);
  });

  it('keeps NaN/Infinity inside strings as text', () => {
    const v = parseExtendedJson('{"name":"NaN","t":"-Infinity and Infinity","n":NaN}') as Record<string, unknown>;
    expect(v.name).toBe('NaN');
    expect(v.t).toBe('-Infinity and Infinity');
    expect(v.n).toBeNaN();
  });

  it('keeps escaped quotes in strings intact next to bare tokens', () => {
    const v = parseExtendedJson('{"s":"say \\"NaN\\" \\\\","v":Infinity}') as Record<string, unknown>;
    expect(v.s).toBe('say "NaN" \\');
    expect(v.v).toBe(Infinity);
  });

  it('keys named like the tokens stay keys', () => {
    const v = parseExtendedJson('{"NaN":NaN,"Infinity":1}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['NaN', 'Infinity']);
    expect(v.NaN).toBeNaN();
    expect(v.Infinity).toBe(1);
  });

  it('a string that looks like the internal marker is not turned into a number', () => {
    const v = parseExtendedJson('{"s":"\\u0000cairn:NaN","n":NaN}') as Record<string, unknown>;
    // Strict parsing fails (bare NaN), so the marker path runs; a user string must not collide with it.
    expect(typeof v.s).toBe('string');
    expect(v.n).toBeNaN();
  });

  it('rejects invalid JSON, with or without the tokens', () => {
    expect(() => parseExtendedJson('{"a":}')).toThrow();
    expect(() => parseExtendedJson('{"a":NaNx}')).toThrow();
    expect(() => parseExtendedJson('{"a": nan}')).toThrow();
  });
});

describe('stringifyExtendedJson', () => {
  it('writes non-finite numbers as bare tokens', () => {
    expect(stringifyExtendedJson({ a: NaN, b: Infinity, c: -Infinity, d: 2 })).toBe('{"a":NaN,"b":Infinity,"c":-Infinity,"d":2}');
  });

  it('is plain JSON.stringify when every number is finite', () => {
    const v = { a: [1, 'NaN', null], b: { c: 'Infinity' } };
    expect(stringifyExtendedJson(v)).toBe(JSON.stringify(v));
  });

  it('leaves token-like strings quoted when real tokens are present too', () => {
    expect(stringifyExtendedJson({ s: 'NaN', n: NaN })).toBe('{"s":"NaN","n":NaN}');
  });

  it('round-trips through parseExtendedJson', () => {
    const value = { loss: NaN, hi: Infinity, lo: -Infinity, nested: [1, 'Infinity', { x: NaN }], s: 'ok' };
    const back = parseExtendedJson(stringifyExtendedJson(value)) as typeof value;
    expect(back.loss).toBeNaN();
    expect(back.hi).toBe(Infinity);
    expect(back.lo).toBe(-Infinity);
    expect(back.nested[1]).toBe('Infinity');
    expect((back.nested[2] as { x: number }).x).toBeNaN();
    expect(back.s).toBe('ok');
  });
});

describe('marker collisions', () => {
  it('a user string shaped like an internal marker survives stringify', () => {
    const back = parseExtendedJson(stringifyExtendedJson({ s: '\u0000cairn:NaN', n: NaN })) as Record<string, unknown>;
    expect(back.s).toBe('\u0000cairn:NaN');
    expect(back.n).toBeNaN();
  });
});
