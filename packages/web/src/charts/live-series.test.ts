import { describe, expect, it } from 'vitest';
import { deltaQuery, mergeDelta } from './live-series';
import type { SeriesAnswer } from './series';

const series = (x: number[], last: number[]) => ({ x, last, min: last, max: last, count: x.map(() => 1) });
// Steps 0..39 in buckets of 8: the last bucket (32..39) is full; width 8 was picked for about 5 buckets.
const drawn: SeriesAnswer = {
  plan: { xKey: '_step', start: 0, width: 8, count: 5 },
  runs: [{ name: 'a', series: { loss: series([0, 8, 16, 24, 32], [1, 2, 3, 4, 5]) } }, { name: 'b', series: {} }],
};

describe('deltaQuery', () => {
  it('re-reads from the last drawn bucket to the new step, in the drawn width', () => {
    expect(deltaQuery(drawn, 40, 45, 5)).toEqual({ range: { min: 32, max: 45 }, bucketWidth: 8 });
    // Rows in an older bucket (a resumed or out-of-order writer) re-read from that bucket.
    expect(deltaQuery(drawn, 17, 45, 5)).toEqual({ range: { min: 16, max: 45 }, bucketWidth: 8 });
  });

  it('asks for a whole refetch when buckets would pile up, the steps are unknown, or the axis is not steps', () => {
    expect(deltaQuery(drawn, 40, 80, 5)).toBeNull(); // 11 buckets of 8 > 2 × 5
    expect(deltaQuery(drawn, undefined, undefined, 5)).toBeNull();
    expect(deltaQuery({ ...drawn, plan: { ...drawn.plan!, xKey: '_runtime' } }, 40, 41, 5)).toBeNull();
    expect(deltaQuery({ plan: null, runs: [] }, 0, 1, 5)).toBeNull();
  });
});

describe('mergeDelta', () => {
  it('replaces the re-read buckets, appends new ones, adds runs that had none, and leaves the input alone', () => {
    const delta: SeriesAnswer = {
      plan: { xKey: '_step', start: 32, width: 8, count: 2 },
      runs: [{ name: 'a', series: { loss: series([32, 40], [50, 60]) } }, { name: 'b', series: { loss: series([40], [7]) } }],
    };
    const merged = mergeDelta(drawn, delta);
    expect(merged.plan).toEqual({ xKey: '_step', start: 0, width: 8, count: 6 });
    expect(merged.runs[0]!.series.loss).toEqual(series([0, 8, 16, 24, 32, 40], [1, 2, 3, 4, 50, 60]));
    expect(merged.runs[1]!.series.loss).toEqual(series([40], [7]));
    expect(drawn.runs[0]!.series.loss!.x).toHaveLength(5);
    expect(drawn.plan!.count).toBe(5);
  });

  it('refuses a delta in another bucket width', () => {
    expect(() => mergeDelta(drawn, { plan: { xKey: '_step', start: 32, width: 4, count: 1 }, runs: [] })).toThrow(/line up/);
  });
});
