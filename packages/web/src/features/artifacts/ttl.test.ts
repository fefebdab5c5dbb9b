import { describe, expect, it } from 'vitest';
import { describeChange, parseDuration, ttlWireOf } from './ttl';

describe('TTL form', () => {
  it('parses durations and refuses nonsense', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400);
    expect(parseDuration(' 2W ')).toBe(14 * 86_400);
    expect(parseDuration('3600')).toBe(3600);
    expect(parseDuration('0d')).toBeNull();
    expect(parseDuration('-5h')).toBeNull();
    expect(parseDuration('1.5d')).toBeNull();
    expect(parseDuration('99999999999999999w')).toBeNull();
  });

  it('maps the modes to the SDK wire values', () => {
    expect(ttlWireOf('inherit', 'junk')).toEqual({ wire: -1 });
    expect(ttlWireOf('never', '')).toEqual({ wire: -2 });
    expect(ttlWireOf('set', '12h')).toEqual({ wire: 43_200 });
    expect(ttlWireOf('set', 'soon')).toHaveProperty('error');
  });

  it('describes the effect before it is applied', () => {
    const now = new Date('2026-11-26T00:00:00Z');
    const never = { seconds: null, inherited: false, expiresAt: null };
    const later = { seconds: 86_400, inherited: false, expiresAt: '2026-12-01T00:00:00.000Z' };
    expect(describeChange(never, later, now)).toBe('Would expire 2026-12-01 00:00:00 UTC; now: never.');
    expect(describeChange(later, { ...never, inherited: true }, now)).toBe('Would never expire (inherited default); now: 2026-12-01 00:00:00 UTC.');
    expect(describeChange(never, { ...later, expiresAt: '2026-11-01T00:00:00.000Z' }, now)).toMatch(/^Would expire at once/);
    expect(describeChange(later, later, now)).toMatch(/^No change/);
  });
});
