import { describe, expect, it } from 'vitest';
import { effectiveTtl, parseDuration, parseTtlDefault, ttlFromWire, ttlToWire } from './artifact-ttl.js';

describe('artifact TTL', () => {
  it('reads the SDK wire values: null and -1 inherit, -2 is no TTL, positive is the TTL, anything else is refused', () => {
    expect(ttlFromWire(null)).toEqual({ inherited: true, seconds: null });
    expect(ttlFromWire(-1)).toEqual({ inherited: true, seconds: null });
    expect(ttlFromWire(-2)).toEqual({ inherited: false, seconds: null });
    expect(ttlFromWire(3600)).toEqual({ inherited: false, seconds: 3600 });
    for (const bad of [0, -3, 1.5, Number.MAX_VALUE]) expect(() => ttlFromWire(bad)).toThrow(/ttlDurationSeconds/);
  });

  it('applies the own TTL, else the collection default, else the project default (0 = none)', () => {
    const inherit = { inherited: true, seconds: null };
    expect(effectiveTtl({ inherited: false, seconds: 5 }, { project: 10, collection: 20 })).toBe(5);
    expect(effectiveTtl({ inherited: false, seconds: null }, { project: 10, collection: 20 })).toBeNull();
    expect(effectiveTtl(inherit, { project: 10, collection: 20 })).toBe(20);
    expect(effectiveTtl(inherit, { project: 10, collection: null })).toBe(10);
    expect(effectiveTtl(inherit, { project: 10, collection: 0 })).toBeNull();
    expect(effectiveTtl(inherit, { project: null, collection: null })).toBeNull();
    expect(ttlToWire(null)).toBe(-2);
    expect(ttlToWire(7)).toBe(7);
  });

  it('parses durations and default values', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400);
    expect(parseDuration('12h')).toBe(43_200);
    expect(parseDuration('90m')).toBe(5400);
    expect(parseDuration('2w')).toBe(14 * 86_400);
    expect(parseDuration('3600')).toBe(3600);
    expect(parseDuration(' 45S ')).toBe(45);
    for (const bad of ['', '0d', '-1d', '1.5d', 'soon', '1y', '99999999999999999999d']) expect(() => parseDuration(bad)).toThrow(/not a duration/);
    expect(parseTtlDefault('none')).toBe(0);
    expect(parseTtlDefault('unset')).toBeNull();
    expect(parseTtlDefault('1d')).toBe(86_400);
  });
});
