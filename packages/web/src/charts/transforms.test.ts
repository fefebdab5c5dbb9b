import { describe, expect, it } from 'vitest';
import type { SeriesAnswer } from './series';
import { applyDrawOptions, emaSmooth, positiveOnly, toGroupedPlotData } from './transforms';

describe('emaSmooth', () => {
  it('is the debiased EMA: a constant stays constant, a step moves gradually towards the new level', () => {
    expect(emaSmooth([5, 5, 5], 0.9)).toEqual([5, 5, 5].map(() => expect.closeTo(5, 10)));
    const s = emaSmooth([0, 10, 10, 10], 0.5) as number[];
    expect(s[0]).toBe(0);
    // 0.5·0·0.5 + 0.5·10 = 5, debiased by 1 − 0.25 → 6.67; rising towards 10 but below it.
    expect(s[1]).toBeCloseTo(20 / 3, 10);
    expect(s[2]!).toBeGreaterThan(s[1]!);
    expect(s[3]!).toBeLessThan(10);
  });

  it('keeps gaps and missing buckets as they are and returns the input at weight 0', () => {
    const col = [1, null, undefined, 3];
    expect(emaSmooth(col, 0)).toBe(col);
    const s = emaSmooth(col, 0.5);
    expect(s[1]).toBeNull();
    expect(s[2]).toBeUndefined();
    // The gap did not reset the average: (0.5·0.5·1 + 0.5·3) / (1 − 0.25).
    expect(s[3]).toBeCloseTo((0.25 + 1.5) / 0.75, 10);
  });
});

describe('log scales', () => {
  it('turns values that are not positive into gaps on a log y axis', () => {
    expect(positiveOnly([1, 0, -2, null, undefined, 0.5])).toEqual([1, null, null, null, undefined, 0.5]);
  });

  it('drops rows at x <= 0 on a log x axis and smooths only the lines, never the band', () => {
    const data = { runs: [{ name: 'a', label: 'a', color: '#000' }], columns: [[0, 1, 2], [4, 0, 8], [1, 0, 2], [9, -1, 9]] as [number[], ...(number | null)[][]] };
    const out = applyDrawOptions(data, { smoothing: 0.5, logY: true, logX: true });
    expect(out.columns[0]).toEqual([1, 2]);
    // Line: smoothed over [0, 8] (the x=0 row is gone), then 0 → gap.
    expect(out.columns[1]![0]).toBeNull();
    expect(out.columns[1]![1]).toBeCloseTo((0.5 * 8) / 0.75, 10);
    expect(out.columns[2]).toEqual([null, 2]);
    expect(out.columns[3]).toEqual([null, 9]);
    expect(applyDrawOptions(data, { smoothing: 0, logY: false, logX: false })).toBe(data);
  });
});

describe('toGroupedPlotData', () => {
  const series = (x: number[], last: (number | null)[]) => ({ x, last, min: last, max: last, count: x.map(() => 1) });
  const answer: SeriesAnswer = {
    plan: { xKey: '_step', start: 0, width: 10, count: 3 },
    runs: [
      { name: 'a', series: { loss: series([0, 10, 20], [1, 2, 3]) } },
      { name: 'b', series: { loss: series([0, 10], [3, null]) } },
      { name: 'c', series: { loss: series([0, 10, 20], [10, 10, 10]) } },
      { name: 'empty', series: {} },
    ],
  };

  it('draws each group as the mean of its runs with a band from their lowest to their highest value', () => {
    const data = toGroupedPlotData(answer, 'loss', [
      { name: 'g1', label: 'lr=0.1', color: '#0072B2', members: ['a', 'b', 'empty'] },
      { name: 'g2', label: 'lr=1', color: '#E69F00', members: ['c'] },
      { name: 'g3', label: 'none', color: '#009E73', members: ['empty'] },
    ]);
    expect(data.columns[0]).toEqual([0, 10, 20]);
    expect(data.runs.map((r) => r.label)).toEqual(['lr=0.1 (2)', 'lr=1 (1)']);
    expect(data.columns[1]).toEqual([2, 2, 3]); // b's NaN at 10 is left out of the mean
    expect(data.columns[2]).toEqual([1, 2, 3]);
    expect(data.columns[3]).toEqual([3, 2, 3]);
    expect(data.columns[4]).toEqual([10, 10, 10]);
  });
});
