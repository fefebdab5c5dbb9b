import { describe, expect, it } from 'vitest';
import { bucketsForWidth, toPlotData, valueAt, zoomRange, type SeriesAnswer } from './series';

const runs = [
  { name: 'a', label: 'run a', color: '#000' },
  { name: 'b', label: 'run b', color: '#111' },
  { name: 'c', label: 'run c', color: '#222' },
];

describe('toPlotData', () => {
  it('aligns runs on the union of bucket starts: null stays a gap, a missing bucket is undefined', () => {
    const answer: SeriesAnswer = {
      plan: { xKey: '_step', start: 0, width: 2, count: 4 },
      runs: [
        { name: 'a', series: { loss: { x: [0, 2, 4], last: [3, null, 1], min: [2, null, 0.5], max: [4, null, 1.5], count: [2, 2, 2] } } },
        { name: 'b', series: { loss: { x: [2, 6], last: [7, 8], min: [6, 8], max: [7, 9], count: [2, 1] } } },
        // c logged other keys only: not drawn at all.
        { name: 'c', series: {} },
      ],
    };
    const d = toPlotData(answer, 'loss', runs);
    expect(d.runs.map((r) => r.name)).toEqual(['a', 'b']);
    expect(d.columns).toEqual([
      [0, 2, 4, 6],
      [3, null, 1, undefined], [2, null, 0.5, undefined], [4, null, 1.5, undefined],
      [undefined, 7, undefined, 8], [undefined, 6, undefined, 8], [undefined, 7, undefined, 9],
    ]);
  });

  it('keeps run order from the caller, not from the answer', () => {
    const s = { x: [0], last: [1], min: [1], max: [1], count: [1] };
    const d = toPlotData({ plan: null, runs: [{ name: 'b', series: { k: s } }, { name: 'a', series: { k: s } }] }, 'k', runs);
    expect(d.runs.map((r) => r.name)).toEqual(['a', 'b']);
  });

  it('is empty when nothing was logged', () => {
    expect(toPlotData({ plan: null, runs: [] }, 'k', runs)).toEqual({ columns: [[]], runs: [] });
  });
});

describe('zoom and buckets', () => {
  it('snaps step ranges outward to whole steps from 0 and refuses slivers', () => {
    expect(zoomRange(10.4, 3.2, '_step')).toEqual({ min: 3, max: 11 });
    expect(zoomRange(-5, 2.1, '_step')).toEqual({ min: 0, max: 3 });
    expect(zoomRange(4, 4, '_step')).toBeNull();
    expect(zoomRange(1.25, 1.5, '_runtime')).toEqual({ min: 1.25, max: 1.5 });
    expect(zoomRange(NaN, 1, '_step')).toBeNull();
  });

  it('sizes buckets to the chart width within the server limits', () => {
    expect(bucketsForWidth(600)).toBe(300);
    expect(bucketsForWidth(610)).toBe(300);
    expect(bucketsForWidth(10)).toBe(25);
    expect(bucketsForWidth(100_000)).toBe(2000);
    expect(bucketsForWidth(0)).toBe(200);
  });

  it('shows the nearest value at or before the cursor', () => {
    const col = [undefined, 5, undefined, null, undefined];
    expect(valueAt(col, 0)).toBeNull();
    expect(valueAt(col, 2)).toBe(5);
    expect(valueAt(col, 4)).toBeNull();
    expect(valueAt(col, null)).toBeNull();
  });
});
