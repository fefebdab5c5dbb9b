import { describe, expect, it } from 'vitest';
import { addPoint, bucketOf, emptySummary, mergeSummary, planStepBuckets, toColumns } from './bucketing.js';

describe('planStepBuckets', () => {
  it('uses power-of-two widths aligned to their size and never more than n buckets', () => {
    for (const [lo, hi, n] of [[0, 999_999, 1000], [0, 99_999, 1000], [17, 5000, 7], [0, 0, 1], [1e9, 1e9 + 12345, 100], [3, 10, 1000]]) {
      const plan = planStepBuckets(lo!, hi!, n!);
      expect(Number.isInteger(Math.log2(plan.width))).toBe(true);
      expect(plan.start % plan.width).toBe(0);
      expect(plan.start).toBeLessThanOrEqual(lo!);
      expect(plan.start + plan.width * plan.count).toBeGreaterThan(hi!);
      expect(plan.count).toBeLessThanOrEqual(n!);
      expect(plan.count).toBeGreaterThanOrEqual(1);
    }
  });

  it('gives about n buckets over a long range', () => {
    const plan = planStepBuckets(0, 999_999, 1000);
    expect(plan.width).toBe(1024);
    expect(plan.count).toBe(977);
  });

  it('rejects bad input', () => {
    expect(() => planStepBuckets(10, 5, 10)).toThrow(RangeError);
    expect(() => planStepBuckets(0, 10, 0)).toThrow(RangeError);
    expect(() => planStepBuckets(0, 10, 1e9)).toThrow(RangeError);
    expect(() => planStepBuckets(0.5, 10, 10)).toThrow(RangeError);
  });

  it('maps steps to buckets', () => {
    const plan = planStepBuckets(0, 1023, 4);
    expect(bucketOf(plan, 0)).toBe(0);
    expect(bucketOf(plan, 256)).toBe(1);
    expect(bucketOf(plan, 1023)).toBe(3);
    expect(bucketOf(plan, 1024)).toBe(-1);
  });
});

describe('summaries', () => {
  it('keep min/max over finite values and the value at the highest step as last', () => {
    const s = emptySummary();
    addPoint(s, 2, 5);
    addPoint(s, 1, -3);
    addPoint(s, 3, NaN);
    addPoint(s, 4, Infinity);
    expect(s).toEqual({ count: 4, min: -3, max: 5, last: Infinity, lastStep: 4 });
  });

  it('merge in any order to the same result', () => {
    const a = emptySummary();
    const b = emptySummary();
    addPoint(a, 1, 1);
    addPoint(b, 5, 7);
    const ab = { ...a };
    mergeSummary(ab, b);
    const ba = { ...b };
    mergeSummary(ba, a);
    expect(ab).toEqual(ba);
    expect(ab.last).toBe(7);
  });

  it('become columns with gaps as null and empty buckets left out', () => {
    const plan = planStepBuckets(0, 3, 4);
    const s = [emptySummary(), emptySummary(), emptySummary(), emptySummary()];
    addPoint(s[0]!, 0, 1);
    addPoint(s[2]!, 2, NaN);
    expect(toColumns(plan, s)).toEqual({ x: [0, 2], last: [1, null], min: [1, null], max: [1, null], count: [1, 1] });
  });
});
