import type { StorageSpan } from './ports.js';

/** A project's artifact bytes over time: at each `t` (epoch ms), bytes as logged and bytes stored after dedup. */
export interface StorageHistory { t: number[]; logical: number[]; stored: number[] }

const MAX_POINTS = 400;

/**
 * Step series from spans of held bytes: each change is a point (the value from then on), plus `now` so the last
 * value reaches the present. Past MAX_POINTS changes, the value at the end of each equal time slice is kept
 * (the curve's shape, not every step). Pure: storage-history.test.ts.
 */
export function storageHistory(spans: { logical: StorageSpan[]; stored: StorageSpan[] }, now: number): StorageHistory {
  const deltas = new Map<number, [number, number]>();
  const add = (t: number, which: 0 | 1, bytes: number) => {
    const d = deltas.get(t) ?? [0, 0];
    d[which] += bytes;
    deltas.set(t, d);
  };
  for (const [which, list] of [[0, spans.logical], [1, spans.stored]] as const) {
    for (const s of list) {
      if (s.bytes === 0 || s.from > now || (s.until !== null && s.until <= s.from)) continue;
      add(s.from, which, s.bytes);
      // A deletion stamped later than now (retention run "as of" a later time) has happened all the same.
      if (s.until !== null) add(Math.min(s.until, now), which, -s.bytes);
    }
  }
  const times = [...deltas.keys()].filter((t) => t <= now).sort((a, b) => a - b);
  const all: StorageHistory = { t: [], logical: [], stored: [] };
  let logical = 0;
  let stored = 0;
  for (const t of times) {
    const [dl, ds] = deltas.get(t)!;
    logical += dl;
    stored += ds;
    all.t.push(t); all.logical.push(logical); all.stored.push(stored);
  }
  if (all.t.length === 0 || all.t.at(-1)! < now) {
    all.t.push(now); all.logical.push(logical); all.stored.push(stored);
  }
  if (all.t.length <= MAX_POINTS) return all;
  const first = all.t[0]!;
  const slice = (now - first) / (MAX_POINTS - 1);
  const out: StorageHistory = { t: [], logical: [], stored: [] };
  for (let i = 0; i < all.t.length; i++) {
    const bucket = Math.floor((all.t[i]! - first) / slice);
    const next = i + 1 < all.t.length ? Math.floor((all.t[i + 1]! - first) / slice) : Infinity;
    if (next !== bucket) { out.t.push(all.t[i]!); out.logical.push(all.logical[i]!); out.stored.push(all.stored[i]!); }
  }
  return out;
}
