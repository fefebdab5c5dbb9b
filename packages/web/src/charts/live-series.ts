/**
 * Live charts: after the server says "run R stored steps from..to", fetch only the buckets that changed and
 * splice them into the answer already drawn, instead of refetching the whole series. Pure: live-series.test.ts.
 */
import type { BucketedSeries, SeriesAnswer } from './series';

export interface DeltaQuery {
  /** Steps to re-read: from the first bucket the new rows touch to the newest step. */
  range: { min: number; max: number };
  /** The drawn plan's width, so the new buckets line up with the drawn ones (server: SeriesQuery.bucketWidth). */
  bucketWidth: number;
}

/**
 * The request that brings `answer` (a step-axis answer, not zoomed) up to date with rows at steps from..to, or
 * null when the chart must be refetched whole: another x axis, an unknown step range (shared-mode runs), or so
 * many new steps that the drawn bucket width would give more than twice the buckets the chart wants (the full
 * refetch then picks a coarser width).
 */
export function deltaQuery(answer: SeriesAnswer | undefined, from: number | undefined, to: number | undefined, targetBuckets: number): DeltaQuery | null {
  const plan = answer?.plan;
  if (!plan || plan.xKey !== '_step' || from === undefined || to === undefined) return null;
  const { start, width, count } = plan;
  if (from < start) return null;
  const lastBucketStart = start + (count - 1) * width;
  const min = Math.min(lastBucketStart, Math.floor(from / width) * width);
  const newCount = Math.ceil((Math.max(to, lastBucketStart) + 1 - start) / width);
  if (newCount > 2 * targetBuckets) return null;
  return { range: { min, max: Math.max(to, lastBucketStart) }, bucketWidth: width };
}

/**
 * `answer` with every bucket at or after the delta's first bucket replaced by the delta's (same width and
 * alignment, see deltaQuery). Runs that appear only in the delta are added. Returns a new object (React Query
 * and the chart compare by identity); the input is not changed.
 */
export function mergeDelta(answer: SeriesAnswer, delta: SeriesAnswer): SeriesAnswer {
  const plan = answer.plan;
  const dplan = delta.plan;
  if (!plan || !dplan) return answer;
  if (dplan.width !== plan.width || dplan.xKey !== plan.xKey) throw new Error('delta does not line up with the drawn buckets');
  const cut = dplan.start;
  const count = Math.max(plan.count, (dplan.start - plan.start) / plan.width + dplan.count);
  const deltaByName = new Map(delta.runs.map((r) => [r.name, r.series]));
  const names = new Set(answer.runs.map((r) => r.name));
  const runs = answer.runs.map((r) => {
    const add = deltaByName.get(r.name) ?? {};
    const series: Record<string, BucketedSeries> = {};
    for (const key of new Set([...Object.keys(r.series), ...Object.keys(add)])) {
      series[key] = spliceSeries(r.series[key], add[key], cut);
    }
    return { name: r.name, series };
  });
  for (const r of delta.runs) if (!names.has(r.name)) runs.push(r);
  return { plan: { ...plan, count }, runs };
}

function spliceSeries(old: BucketedSeries | undefined, add: BucketedSeries | undefined, cut: number): BucketedSeries {
  const keep = old ? lowerBound(old.x, cut) : 0;
  const out: BucketedSeries = {
    x: old ? old.x.slice(0, keep) : [], last: old ? old.last.slice(0, keep) : [], min: old ? old.min.slice(0, keep) : [],
    max: old ? old.max.slice(0, keep) : [], count: old ? old.count.slice(0, keep) : [],
  };
  if (add) {
    out.x.push(...add.x);
    out.last.push(...add.last);
    out.min.push(...add.min);
    out.max.push(...add.max);
    out.count.push(...add.count);
  }
  return out;
}

/** First index whose value is >= v in a sorted array. */
function lowerBound(xs: number[], v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
