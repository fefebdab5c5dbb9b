import { describe, expect, it } from 'vitest';
import { duration, formatValue, timeAgo } from './format';
import { assignColors, hashString, runColor, RUN_PALETTE, withAlpha } from './colors';

describe('format', () => {
  const now = Date.parse('2025-01-10T12:00:00Z');
  it('says how long ago', () => {
    expect(timeAgo('2025-01-10T11:57:00Z', now)).toBe('3 minutes ago');
    expect(timeAgo('2025-01-10T12:00:00Z', now)).toBe('now');
    expect(timeAgo('2025-01-08T12:00:00Z', now)).toBe('2 days ago');
    expect(timeAgo(null, now)).toBe('—');
    expect(timeAgo('not a date', now)).toBe('—');
  });

  it('formats durations', () => {
    expect(duration(5)).toBe('5s');
    expect(duration(125)).toBe('2m 05s');
    expect(duration(3723)).toBe('1h 02m 03s');
    expect(duration(NaN)).toBe('—');
    expect(duration(-1)).toBe('—');
  });

  it('formats values for tables and legends', () => {
    expect(formatValue(3)).toBe('3');
    expect(formatValue(0.123456)).toBe('0.1235');
    expect(formatValue(1.5e-7)).toBe('1.500e-7');
    expect(formatValue(12345678.9)).toBe('1.235e+7');
    expect(formatValue('adam')).toBe('adam');
    expect(formatValue(null)).toBe('');
    expect(formatValue({ a: [1, 2] })).toBe('{"a":[1,2]}');
    expect(formatValue(true)).toBe('true');
  });
});

describe('run colours', () => {
  it('are stable per run name and come from the palette', () => {
    expect(runColor('abc123')).toBe(runColor('abc123'));
    expect(RUN_PALETTE).toContain(runColor('abc123'));
    const used = new Set(Array.from({ length: 200 }, (_, i) => runColor(`run-${i}`)));
    expect(used.size).toBe(RUN_PALETTE.length);
    expect(hashString('')).toBe(0x811c9dc5);
  });

  it('gives runs drawn together distinct colours, each starting from its own', () => {
    const names = Array.from({ length: RUN_PALETTE.length }, (_, i) => `run-${i}`);
    const colors = assignColors(names);
    expect(new Set(colors.values()).size).toBe(RUN_PALETTE.length);
    // The first run always gets its hashed colour; more runs than colours wrap around without failing.
    expect(colors.get('run-0')).toBe(runColor('run-0'));
    expect(assignColors([...names, 'one-more']).size).toBe(RUN_PALETTE.length + 1);
    expect(assignColors(['a', 'a']).size).toBe(1);
  });

  it('converts hex to rgba for bands', () => {
    expect(withAlpha('#0072B2', 0.2)).toBe('rgba(0, 114, 178, 0.2)');
  });
});
