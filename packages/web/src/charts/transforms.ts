/**
 * What the chart does to the fetched buckets before drawing: EMA smoothing, log-scale safety, and grouped runs
 * (mean line, min/max band across the group). All client side, over what was fetched. Pure: transforms.test.ts.
 */
import { type ChartRun, type Column, type PlotData, type SeriesAnswer } from './series';

/**
 * Debiased exponential moving average (TensorBoard's and W&B's "EMA"): s = w·s + (1−w)·v over the defined
 * values, divided by 1 − wⁿ so the start is not pulled towards 0. Gaps (`null`: NaN) stay gaps and do not reset
 * the average; `undefined` (no bucket at that x) stays undefined. weight 0 returns the input.
 */
export function emaSmooth(values: Column, weight: number): Column {
  if (!(weight > 0)) return values;
  const w = Math.min(weight, 0.999);
  let acc = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || v === undefined) return v;
    acc = acc * w + (1 - w) * v;
    n++;
    return acc / (1 - w ** n);
  });
}

/** For a log scale: values that are not positive cannot be drawn, so they become gaps. */
export function positiveOnly(values: Column): Column {
  return values.map((v) => (v === null || v === undefined || v > 0 ? v : null));
}

export interface DrawOptions {
  /** EMA weight in [0, 1): 0 = off. Applied to each line (the min/max band stays raw). */
  smoothing: number;
  logY: boolean;
  logX: boolean;
}

/** PlotData as drawn: smoothed lines, and no non-positive values (or x) on log axes. */
export function applyDrawOptions(data: PlotData, opts: DrawOptions): PlotData {
  const { smoothing, logY, logX } = opts;
  if (!(smoothing > 0) && !logY && !logX) return data;
  let x = data.columns[0];
  let cols = data.columns.slice(1) as Column[];
  if (logX) {
    // Rows at x <= 0 cannot sit on a log axis: drop them from every column.
    const keep = x.map((v) => v > 0);
    x = x.filter((_, i) => keep[i]);
    cols = cols.map((c) => c.filter((_, i) => keep[i]));
  }
  cols = cols.map((c, i) => {
    let out = c;
    if (i % 3 === 0 && smoothing > 0) out = emaSmooth(out, smoothing);
    if (logY) out = positiveOnly(out);
    return out;
  });
  return { runs: data.runs, columns: [x, ...cols] };
}

export interface ChartGroup extends ChartRun {
  /** The names of the runs in the group (those without data are skipped). */
  members: string[];
}

/**
 * Grouped runs: per group one line (the mean of its runs' lines at each bucket) over a band from the lowest to
 * the highest of its runs' lines there. The buckets are shared by every run of an answer, so runs line up by x.
 * A bucket where no member has a finite value is a gap; the label counts the members drawn.
 */
export function toGroupedPlotData(answer: SeriesAnswer, key: string, groups: ChartGroup[]): PlotData {
  const byName = new Map(answer.runs.map((r) => [r.name, r.series[key]] as const));
  const xs = new Set<number>();
  const present = groups.map((g) => g.members.filter((m) => (byName.get(m)?.x.length ?? 0) > 0)).map((members) => {
    for (const m of members) for (const x of byName.get(m)!.x) xs.add(x);
    return members;
  });
  const x = [...xs].sort((a, b) => a - b);
  const index = new Map(x.map((v, i) => [v, i]));
  const columns: [number[], ...Column[]] = [x];
  const runs: ChartRun[] = [];
  groups.forEach((g, gi) => {
    const members = present[gi]!;
    if (members.length === 0) return;
    const sum = new Array<number>(x.length).fill(0);
    const n = new Array<number>(x.length).fill(0);
    const lo = new Array<number>(x.length).fill(Infinity);
    const hi = new Array<number>(x.length).fill(-Infinity);
    const seen = new Array<boolean>(x.length).fill(false);
    for (const m of members) {
      const s = byName.get(m)!;
      s.x.forEach((xv, i) => {
        const at = index.get(xv)!;
        seen[at] = true;
        const v = s.last[i];
        if (v === null || v === undefined || !Number.isFinite(v)) return;
        sum[at] = sum[at]! + v;
        n[at] = n[at]! + 1;
        lo[at] = Math.min(lo[at]!, v);
        hi[at] = Math.max(hi[at]!, v);
      });
    }
    const line: Column = x.map((_, i) => (!seen[i] ? undefined : n[i] ? sum[i]! / n[i]! : null));
    const min: Column = x.map((_, i) => (!seen[i] ? undefined : n[i] ? lo[i]! : null));
    const max: Column = x.map((_, i) => (!seen[i] ? undefined : n[i] ? hi[i]! : null));
    columns.push(line, min, max);
    runs.push({ name: g.name, label: `${g.label} (${members.length})`, color: g.color });
  });
  return { columns, runs };
}

