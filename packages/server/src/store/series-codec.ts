import { addPoint, emptySummary, type Summary } from '@cairn/shared';

/**
 * A chunk is one metric of one run over CHUNK_STEPS aligned steps. It is stored as three blobs so a read
 * fetches only the resolution it needs: the chunk summary, BLOCKS_PER_CHUNK block summaries of BLOCK_STEPS
 * aligned steps each, and the raw points. All little-endian float64 (NaN and ±Infinity kept as IEEE values).
 */
export const CHUNK_STEPS = 1024;
export const BLOCK_STEPS = 32;
export const BLOCKS_PER_CHUNK = CHUNK_STEPS / BLOCK_STEPS;
const SUMMARY_FIELDS = 5;

export const chunkIndexOf = (step: number) => Math.floor(step / CHUNK_STEPS);

/**
 * Rollups above chunks: a level-L node summarises ROLLUP_FANOUT nodes of level L-1 (level 0 = chunks), so
 * level 1 spans 2^15 steps, level 2 2^20, level 3 2^25. A read uses the coarsest level no wider than a bucket.
 */
export const ROLLUP_FANOUT = 32;
export const ROLLUP_LEVELS = 3;
export const nodeSteps = (level: number) => CHUNK_STEPS * ROLLUP_FANOUT ** level;

/** The points of one chunk, sorted by step, one value per step (a re-logged step replaces the value). */
export class ChunkPoints {
  steps: number[] = [];
  values: number[] = [];

  /** Inserts or replaces; appends are O(1) (steps normally arrive in order). */
  put(step: number, value: number): void {
    const n = this.steps.length;
    if (n === 0 || step > this.steps[n - 1]!) {
      this.steps.push(step);
      this.values.push(value);
      return;
    }
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.steps[mid]! < step) lo = mid + 1;
      else hi = mid;
    }
    if (this.steps[lo] === step) this.values[lo] = value;
    else {
      this.steps.splice(lo, 0, step);
      this.values.splice(lo, 0, value);
    }
  }

  /** Union by step; `other` wins on equal steps. */
  merge(other: ChunkPoints): void {
    for (let i = 0; i < other.steps.length; i++) this.put(other.steps[i]!, other.values[i]!);
  }

  get size(): number {
    return this.steps.length;
  }
}

function writeSummary(view: DataView, offset: number, s: Summary): void {
  view.setFloat64(offset, s.count, true);
  view.setFloat64(offset + 8, s.min, true);
  view.setFloat64(offset + 16, s.max, true);
  view.setFloat64(offset + 24, s.last, true);
  view.setFloat64(offset + 32, s.lastStep, true);
}

function readSummary(view: DataView, offset: number): Summary {
  return {
    count: view.getFloat64(offset, true),
    min: view.getFloat64(offset + 8, true),
    max: view.getFloat64(offset + 16, true),
    last: view.getFloat64(offset + 24, true),
    lastStep: view.getFloat64(offset + 32, true),
  };
}

export interface EncodedChunk { summary: Buffer; blocks: Buffer; points: Buffer; count: number; stepLo: number; stepHi: number }

export function encodeChunk(chunkIndex: number, p: ChunkPoints): EncodedChunk {
  const total = emptySummary();
  const blocks = Array.from({ length: BLOCKS_PER_CHUNK }, emptySummary);
  const base = chunkIndex * CHUNK_STEPS;
  for (let i = 0; i < p.size; i++) {
    const step = p.steps[i]!;
    const value = p.values[i]!;
    addPoint(total, step, value);
    addPoint(blocks[Math.floor((step - base) / BLOCK_STEPS)]!, step, value);
  }
  const summary = Buffer.alloc(SUMMARY_FIELDS * 8);
  writeSummary(new DataView(summary.buffer, summary.byteOffset, summary.byteLength), 0, total);
  const blockBuf = Buffer.alloc(BLOCKS_PER_CHUNK * SUMMARY_FIELDS * 8);
  const bv = new DataView(blockBuf.buffer, blockBuf.byteOffset, blockBuf.byteLength);
  blocks.forEach((b, i) => writeSummary(bv, i * SUMMARY_FIELDS * 8, b));
  const points = Buffer.alloc(p.size * 16);
  const pv = new DataView(points.buffer, points.byteOffset, points.byteLength);
  for (let i = 0; i < p.size; i++) {
    pv.setFloat64(i * 8, p.steps[i]!, true);
    pv.setFloat64((p.size + i) * 8, p.values[i]!, true);
  }
  return { summary, blocks: blockBuf, points, count: p.size, stepLo: p.steps[0] ?? base, stepHi: p.steps[p.size - 1] ?? base };
}

const viewOf = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

export const decodeSummary = (b: Uint8Array): Summary => readSummary(viewOf(b), 0);

export function encodeSummary(s: Summary): Buffer {
  const buf = Buffer.alloc(SUMMARY_FIELDS * 8);
  writeSummary(new DataView(buf.buffer, buf.byteOffset, buf.byteLength), 0, s);
  return buf;
}

/**
 * Folds the block summaries of one chunk straight into per-bucket summaries, without allocating: the hot
 * loop of a read at block resolution. `bucketOf(i)` maps block i to a bucket index or -1.
 */
export function mergeBlocksInto(b: Uint8Array, out: Summary[], bucketOf: (block: number) => number): void {
  const v = viewOf(b);
  for (let i = 0; i < BLOCKS_PER_CHUNK; i++) {
    const o = i * SUMMARY_FIELDS * 8;
    const count = v.getFloat64(o, true);
    if (count === 0) continue;
    const bucket = bucketOf(i);
    if (bucket < 0) continue;
    const s = out[bucket]!;
    s.count += count;
    const min = v.getFloat64(o + 8, true);
    const max = v.getFloat64(o + 16, true);
    if (min < s.min) s.min = min;
    if (max > s.max) s.max = max;
    const lastStep = v.getFloat64(o + 32, true);
    if (lastStep >= s.lastStep) {
      s.last = v.getFloat64(o + 24, true);
      s.lastStep = lastStep;
    }
  }
}

export function decodeBlocks(b: Uint8Array): Summary[] {
  const v = viewOf(b);
  return Array.from({ length: BLOCKS_PER_CHUNK }, (_x, i) => readSummary(v, i * SUMMARY_FIELDS * 8));
}

export function decodePoints(b: Uint8Array): ChunkPoints {
  const v = viewOf(b);
  const n = b.byteLength / 16;
  const p = new ChunkPoints();
  for (let i = 0; i < n; i++) {
    p.steps.push(v.getFloat64(i * 8, true));
    p.values.push(v.getFloat64((n + i) * 8, true));
  }
  return p;
}

/**
 * Numeric leaves of a history row, nested dicts flattened with '.', as charts name them. Media, strings,
 * lists and booleans stay in the raw row only. `_step` is the x, not a series.
 */
export function numericLeaves(row: Record<string, unknown>, out: Map<string, number> = new Map(), prefix = ''): Map<string, number> {
  for (const [k, v] of Object.entries(row)) {
    const key = prefix + k;
    if (typeof v === 'number') {
      if (key !== '_step') out.set(key, v);
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && !('_type' in v)) {
      numericLeaves(v as Record<string, unknown>, out, `${key}.`);
    }
  }
  return out;
}
