import { describe, expect, it } from 'vitest';
import { barsOf, edges, heatmapOf, ramp, rebin } from './histogram';

describe('histogram drawing math', () => {
  it('places bars by bin edges and scales heights to the tallest count', () => {
    const bars = barsOf([0, 1, 2, 4], [2, 4, 1], 400, 100);
    expect(bars.map((b) => [b.x, b.w])).toEqual([[0, 100], [100, 100], [200, 200]]);
    expect(bars.map((b) => b.h)).toEqual([50, 100, 25]);
    expect(bars[1]!.y).toBe(0);
    expect(bars[0]!.y).toBe(50);
  });

  it('draws nothing for malformed input and zero-height bars for all-zero counts', () => {
    expect(barsOf([0, 1], [1, 2], 10, 10)).toEqual([]);
    expect(barsOf([0, 1, 2], [0, 0], 10, 10).every((b) => b.h === 0)).toBe(true);
  });

  it('re-bins by overlap and keeps the total', () => {
    expect(rebin([0, 2], [4], [0, 1, 2])).toEqual([2, 2]);
    expect(rebin([0, 1, 2], [1, 3], [0, 2])).toEqual([4]);
    const out = rebin([0, 1, 3], [2, 4], edges(0, 3, 3));
    expect(out).toEqual([2, 2, 2]);
    expect(out.reduce((a, b) => a + b)).toBe(6);
  });

  it('builds a heatmap on shared edges, each step scaled to its own peak', () => {
    const h = heatmapOf([
      { step: 0, bins: [0, 1, 2], values: [1, 3] },
      { step: 5, bins: [2, 3, 4], values: [2, 0] },
    ], 4);
    expect(h.steps).toEqual([0, 5]);
    expect(h.edges).toEqual([0, 1, 2, 3, 4]);
    expect(h.cells[0]).toEqual([1 / 3, 1, 0, 0]);
    expect(h.cells[1]).toEqual([0, 0, 1, 0]);
  });

  it('ramps from dark purple to yellow, clamping out-of-range input', () => {
    expect(ramp(0)).toBe('rgb(68, 1, 84)');
    expect(ramp(1)).toBe('rgb(253, 231, 37)');
    expect(ramp(-3)).toBe(ramp(0));
    expect(ramp(NaN)).toBe(ramp(0));
  });
});
