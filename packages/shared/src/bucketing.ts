/**
 * Bucketing math for full-fidelity line plots (design.md §3): the line is the last value in each bucket,
 * min/max the band. Step buckets are aligned to powers of two so that every bucket is a whole number of
 * the store's precomputed blocks: a read costs O(buckets), not O(points), and is exact.
 */

/** Aggregate of a run of points: what a bucket, a block or a chunk knows about its values. */
export interface Summary {
  count: number;
  /** Over finite values only; +Infinity/-Infinity when the span holds none. */
  min: number;
  max: number;
  /** The value at the highest step (may be NaN or ±Infinity: a gap in the line). */
  last: number;
  lastStep: number;
}

export const emptySummary = (): Summary => ({ count: 0, min: Infinity, max: -Infinity, last: NaN, lastStep: -Infinity });

/** Folds one point into a summary in place. */
export function addPoint(s: Summary, step: number, value: number): void {
  s.count++;
  if (Number.isFinite(value)) {
    if (value < s.min) s.min = value;
    if (value > s.max) s.max = value;
  }
  if (step >= s.lastStep) {
    s.last = value;
    s.lastStep = step;
  }
}

/** Folds summary `b` into `a` in place. */
export function mergeSummary(a: Summary, b: Summary): void {
  if (b.count === 0) return;
  a.count += b.count;
  if (b.min < a.min) a.min = b.min;
  if (b.max > a.max) a.max = b.max;
  if (b.lastStep >= a.lastStep) {
    a.last = b.last;
    a.lastStep = b.lastStep;
  }
}

export interface StepBucketPlan {
  /** First edge: buckets are [start + i*width, start + (i+1)*width). */
  start: number;
  /** A power of two, ≥ 1. */
  width: number;
  count: number;
}

export const MAX_BUCKETS = 10_000;

/**
 * Plans about `n` (between n/2 and n, at least 1) aligned buckets covering steps lo..hi inclusive.
 * Every run asked about in one request shares the plan, so their buckets line up.
 */
export function planStepBuckets(lo: number, hi: number, n: number): StepBucketPlan {
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo) throw new RangeError('invalid step range');
  if (!Number.isInteger(n) || n < 1 || n > MAX_BUCKETS) throw new RangeError(`buckets must be 1..${MAX_BUCKETS}`);
  const span = hi - lo + 1;
  let width = 1;
  while (width * n < span) width *= 2;
  let start = Math.floor(lo / width) * width;
  let count = Math.ceil((hi + 1 - start) / width);
  // Alignment can add one bucket at the front; widen once more rather than exceed n.
  if (count > n) {
    width *= 2;
    start = Math.floor(lo / width) * width;
    count = Math.ceil((hi + 1 - start) / width);
  }
  return { start, width, count };
}

/** The bucket a step falls in, or -1 outside the plan. */
export function bucketOf(plan: StepBucketPlan, step: number): number {
  const i = Math.floor((step - plan.start) / plan.width);
  return i >= 0 && i < plan.count ? i : -1;
}

/** Columnar bucketed series: what crosses the wire to a chart. `null` is a gap (no point, or NaN). */
export interface BucketedSeries {
  x: number[];
  last: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
  count: number[];
}

/** Turns per-bucket summaries into columns; empty buckets are left out (a missing step is absent). */
export function toColumns(plan: StepBucketPlan, summaries: Summary[]): BucketedSeries {
  const out: BucketedSeries = { x: [], last: [], min: [], max: [], count: [] };
  summaries.forEach((s, i) => {
    if (s.count === 0) return;
    out.x.push(plan.start + i * plan.width);
    out.last.push(Number.isFinite(s.last) ? s.last : null);
    out.min.push(Number.isFinite(s.min) ? s.min : null);
    out.max.push(Number.isFinite(s.max) ? s.max : null);
    out.count.push(s.count);
  });
  return out;
}
