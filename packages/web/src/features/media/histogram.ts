/**
 * Drawing math for histograms (pure, so it is tested without a canvas): bar rectangles for one step, and a
 * step × value heatmap where every step's bins are re-binned onto shared edges.
 */

export interface Histogram { step: number; bins: number[]; values: number[] }
export interface Rect { x: number; y: number; w: number; h: number }

/** Bars for bin edges `bins` (n+1) and counts `values` (n) in a width × height box; x by value, y by count. */
export function barsOf(bins: number[], values: number[], width: number, height: number): Rect[] {
  if (values.length === 0 || bins.length !== values.length + 1) return [];
  const lo = bins[0]!;
  const hi = bins[bins.length - 1]!;
  const span = hi - lo || 1;
  const top = Math.max(...values.map((v) => (Number.isFinite(v) ? v : 0)), 0);
  return values.map((v, i) => {
    const x0 = ((bins[i]! - lo) / span) * width;
    const x1 = ((bins[i + 1]! - lo) / span) * width;
    const h = top > 0 && Number.isFinite(v) ? (Math.max(v, 0) / top) * height : 0;
    return { x: x0, y: height - h, w: Math.max(x1 - x0, 0), h };
  });
}

/** `n` equal bins over [lo, hi] (one bin of width 1 around lo when lo == hi). */
export function edges(lo: number, hi: number, n: number): number[] {
  if (!(hi > lo)) return [lo - 0.5, lo + 0.5];
  return Array.from({ length: n + 1 }, (_, i) => (i === n ? hi : lo + ((hi - lo) * i) / n));
}

/**
 * Re-bins counts from edges `from` onto edges `to`, splitting each source bin by overlap (counts are spread
 * evenly within a bin). The total is kept for everything inside `to`'s range.
 */
export function rebin(from: number[], counts: number[], to: number[]): number[] {
  const out = new Array<number>(to.length - 1).fill(0);
  let j = 0;
  for (let i = 0; i < counts.length; i++) {
    const a = from[i]!;
    const b = from[i + 1]!;
    const c = counts[i]!;
    if (!(c > 0)) continue;
    if (b <= a) {
      // A zero-width bin: all of it to the target bin holding a.
      const k = to.findIndex((e, t) => t < to.length - 1 && a >= e && a <= to[t + 1]!);
      if (k >= 0) out[k]! += c;
      continue;
    }
    while (j > 0 && to[j]! > a) j--;
    for (let t = j; t < to.length - 1; t++) {
      const lo = Math.max(a, to[t]!);
      const hi = Math.min(b, to[t + 1]!);
      if (to[t]! >= b) break;
      if (hi > lo) out[t]! += (c * (hi - lo)) / (b - a);
    }
  }
  return out;
}

/** A heatmap: columns are steps, rows value bins on shared edges, cells in [0, 1] scaled per step. */
export function heatmapOf(hists: Histogram[], nBins: number): { steps: number[]; edges: number[]; cells: number[][] } {
  const usable = hists.filter((h) => h.values.length > 0 && h.bins.length === h.values.length + 1);
  if (usable.length === 0) return { steps: [], edges: [], cells: [] };
  const lo = Math.min(...usable.map((h) => h.bins[0]!));
  const hi = Math.max(...usable.map((h) => h.bins[h.bins.length - 1]!));
  const shared = edges(lo, hi, nBins);
  const cells = usable.map((h) => {
    const col = rebin(h.bins, h.values, shared);
    const top = Math.max(...col);
    return top > 0 ? col.map((v) => v / top) : col;
  });
  return { steps: usable.map((h) => h.step), edges: shared, cells };
}

/** A colour-blind-safe sequential ramp (viridis stops), t in [0, 1]. */
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]] as const;
export function ramp(t: number): string {
  const x = Math.min(Math.max(Number.isFinite(t) ? t : 0, 0), 1) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(x), VIRIDIS.length - 2);
  const f = x - i;
  const [a, b] = [VIRIDIS[i]!, VIRIDIS[i + 1]!];
  const c = a.map((v, k) => Math.round(v + (b[k]! - v) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}
