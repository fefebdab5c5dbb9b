/**
 * Chart math: the server's bucketed answer (columnar, one shared bucket plan) → uPlot's aligned columns, and
 * the helpers around zooming. Pure functions: tested in series.test.ts.
 *
 * Layout of the columns: [x, run0 line, run0 min, run0 max, run1 line, …]. In a run's columns `null` is a real
 * gap (NaN / no finite value in the bucket: the line breaks) and `undefined` means the run has no bucket at
 * that x although another run does (uPlot draws the line straight across it).
 */

export interface BucketedSeries { x: number[]; last: (number | null)[]; min: (number | null)[]; max: (number | null)[]; count: number[] }
export interface SeriesPlan { xKey: string; start: number; width: number; count: number }
export interface SeriesAnswer { plan: SeriesPlan | null; runs: { name: string; series: Record<string, BucketedSeries> }[] }

export interface ChartRun { name: string; label: string; color: string }

export type Column = (number | null | undefined)[];
export interface PlotData {
  /** uPlot.AlignedData: x first. */
  columns: [number[], ...Column[]];
  /** The runs drawn, in column order (run i: columns 1+3i line, 2+3i min, 3+3i max). */
  runs: ChartRun[];
}

export const lineColumn = (runIndex: number) => 1 + 3 * runIndex;

/** Aligns the runs that have `key` on the union of their bucket x values. Runs without data are left out. */
export function toPlotData(answer: SeriesAnswer, key: string, runs: ChartRun[]): PlotData {
  const byName = new Map(answer.runs.map((r) => [r.name, r.series[key]] as const));
  const present = runs.filter((r) => (byName.get(r.name)?.x.length ?? 0) > 0);
  const xs = new Set<number>();
  for (const r of present) for (const x of byName.get(r.name)!.x) xs.add(x);
  const x = [...xs].sort((a, b) => a - b);
  const index = new Map(x.map((v, i) => [v, i]));
  const columns: [number[], ...Column[]] = [x];
  for (const r of present) {
    const s = byName.get(r.name)!;
    const line: Column = new Array(x.length).fill(undefined);
    const min: Column = new Array(x.length).fill(undefined);
    const max: Column = new Array(x.length).fill(undefined);
    s.x.forEach((xv, i) => {
      const at = index.get(xv)!;
      line[at] = s.last[i] ?? null;
      min[at] = s.min[i] ?? null;
      max[at] = s.max[i] ?? null;
    });
    columns.push(line, min, max);
  }
  return { columns, runs: present };
}

/** Buckets for a plot this many CSS pixels wide: about one per 2 px, within the server's limits. */
export function bucketsForWidth(widthPx: number): number {
  if (!Number.isFinite(widthPx) || widthPx <= 0) return 200;
  // Whole multiples of 25 so that a small resize does not refetch every chart.
  return Math.min(2000, Math.max(25, Math.round(widthPx / 2 / 25) * 25));
}

export interface XRange { min: number; max: number }

/**
 * A drag selection (x values at its two edges) → the range to ask the server for, or null when it is too
 * narrow to mean anything. Steps are whole numbers from 0.
 */
export function zoomRange(a: number, b: number, xKey: string): XRange | null {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
  let min = Math.min(a, b);
  let max = Math.max(a, b);
  if (xKey === '_step') {
    min = Math.max(0, Math.floor(min));
    max = Math.max(0, Math.ceil(max));
    if (max - min < 1) return null;
  } else if (max <= min) return null;
  return { min, max };
}

/** The value a run's line shows at column index `idx` (the nearest bucket at or before it), for the legend. */
export function valueAt(column: Column, idx: number | null | undefined): number | null {
  if (idx === null || idx === undefined) return null;
  for (let i = Math.min(idx, column.length - 1); i >= 0; i--) {
    const v = column[i];
    if (v !== undefined) return v;
  }
  return null;
}
