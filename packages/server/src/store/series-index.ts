import {
  addPoint, emptySummary, mergeSummary, parseExtendedJson, type RunId, type StepBucketPlan, type Summary,
} from '@cairn/shared';
import { sql } from 'kysely';
import {
  BLOCK_STEPS, CHUNK_STEPS, ChunkPoints, chunkIndexOf, decodeBlocks, decodePoints, decodeSummary, encodeChunk,
  numericLeaves,
} from './series-codec.js';
import type { SqlDatabase } from './sql-database.js';

interface RunState {
  /** New points per key and chunk, not yet written to series_chunks. */
  dirty: Map<string, Map<number, ChunkPoints>>;
  /** Highest raw-row seq folded into `dirty` or the stored chunks. */
  seenSeq: number;
  dirtyPoints: number;
  /** Replay of rows another process (or a previous life of this one) stored but did not index. */
  catchUp: Promise<void> | null;
}

export interface SeriesKey { key: string; stepLo: number; stepHi: number; count: number }

/**
 * Columnar index of the numeric history: per run and metric, chunks of CHUNK_STEPS aligned steps with
 * precomputed summaries (chunk, and BLOCK_STEPS blocks), so a bucketed read costs O(buckets).
 *
 * Raw rows (history_lines) stay the source of truth: new points are kept in memory and written in batches
 * (`flush`), and `series_state.indexed_seq` says how far the stored chunks reflect the raw rows. After a
 * crash, or when another process ingested, the rows past it are replayed from history_lines.
 */
export class SeriesIndex {
  private readonly runs = new Map<number, RunState>();
  private flushing: Promise<void> | null = null;
  private readonly db;

  constructor(private readonly sqlDb: SqlDatabase, private readonly maxDirtyPoints = 2_000_000) {
    this.db = sqlDb.db;
  }

  private state(run: RunId): RunState {
    let s = this.runs.get(run);
    if (!s) {
      s = { dirty: new Map(), seenSeq: -1, dirtyPoints: 0, catchUp: null };
      this.runs.set(run, s);
    }
    return s;
  }

  /** Folds freshly stored history rows (already parsed) into the index. */
  ingest(run: RunId, rows: { seq: number; step: number; row: Record<string, unknown> }[]): void {
    const s = this.state(run);
    for (const { seq, step, row } of rows) {
      for (const [key, value] of numericLeaves(row)) this.addDirty(s, key, step, value);
      // Keys of non-numeric values are still listed; they get no chunks.
      for (const key of Object.keys(row)) if (!s.dirty.has(key)) s.dirty.set(key, new Map());
      if (seq > s.seenSeq) s.seenSeq = seq;
    }
  }

  private addDirty(s: RunState, key: string, step: number, value: number) {
    let chunks = s.dirty.get(key);
    if (!chunks) s.dirty.set(key, (chunks = new Map()));
    const idx = chunkIndexOf(step);
    let points = chunks.get(idx);
    if (!points) chunks.set(idx, (points = new ChunkPoints()));
    points.put(step, value);
    s.dirtyPoints++;
  }

  get pendingPoints(): number {
    let n = 0;
    for (const s of this.runs.values()) n += s.dirtyPoints;
    return n;
  }

  shouldFlush(): boolean {
    return this.pendingPoints >= this.maxDirtyPoints;
  }

  /** Replays raw rows past what is indexed (stored or in memory). Cheap when there is nothing to do. */
  private async catchUp(run: RunId): Promise<void> {
    const s = this.state(run);
    while (s.catchUp) await s.catchUp;
    s.catchUp = (async () => {
      const stored = await this.db.selectFrom('series_state').select('indexed_seq').where('run_id', '=', run).executeTakeFirst();
      const from = Math.max(s.seenSeq, stored?.indexed_seq ?? -1);
      for (let after = from; ;) {
        const rows = await this.db.selectFrom('history_lines').select(['seq', 'step', 'data']).where('run_id', '=', run)
          .where('stream', '=', 'history').where('seq', '>', after).orderBy('seq').limit(5000).execute();
        if (rows.length === 0) break;
        this.ingest(run, rows.filter((r) => r.step !== null).map((r) => ({
          seq: r.seq, step: r.step!, row: parseExtendedJson(r.data) as Record<string, unknown>,
        })));
        after = rows[rows.length - 1]!.seq;
        if (after > s.seenSeq) s.seenSeq = after;
      }
    })();
    try {
      await s.catchUp;
    } finally {
      s.catchUp = null;
    }
  }

  /** Writes every dirty chunk (merged with what is stored) and advances each run's indexed_seq. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.flushOnce();
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
    }
  }

  private async flushOnce(): Promise<void> {
    for (const [runNum, s] of this.runs) {
      if (s.dirty.size === 0) continue;
      const run = runNum as RunId;
      const dirty = s.dirty;
      const seenSeq = s.seenSeq;
      s.dirty = new Map();
      s.dirtyPoints = 0;
      try {
        await this.db.transaction().execute(async (tx) => {
          for (const [key, chunks] of dirty) {
            let lo = Infinity;
            let hi = -Infinity;
            let added = 0;
            for (const [idx, points] of chunks) {
              const stored = await tx.selectFrom('series_chunks').select('points').where('run_id', '=', run)
                .where('key', '=', key).where('chunk', '=', idx).executeTakeFirst();
              const merged = stored ? decodePoints(stored.points) : new ChunkPoints();
              const before = merged.size;
              merged.merge(points);
              added += merged.size - before;
              const enc = encodeChunk(idx, merged);
              lo = Math.min(lo, enc.stepLo);
              hi = Math.max(hi, enc.stepHi);
              await tx.insertInto('series_chunks').values({
                run_id: run, key, chunk: idx, count: enc.count, summary: enc.summary, blocks: enc.blocks, points: enc.points,
              }).onConflict((oc) => oc.columns(['run_id', 'key', 'chunk']).doUpdateSet({
                count: enc.count, summary: enc.summary, blocks: enc.blocks, points: enc.points,
              })).execute();
            }
            // Portable upsert: read, combine in JS, write (SQLite's min(a,b) is PostgreSQL's LEAST).
            const prev = await tx.selectFrom('series_keys').selectAll().where('run_id', '=', run).where('key', '=', key)
              .executeTakeFirst();
            const hasPoints = chunks.size > 0;
            const row = {
              run_id: run, key,
              numeric: hasPoints || prev?.numeric === 1 ? 1 : 0,
              step_lo: minOf(prev?.step_lo ?? null, hasPoints ? lo : null),
              step_hi: maxOf(prev?.step_hi ?? null, hasPoints ? hi : null),
              count: (prev?.count ?? 0) + added,
            };
            await tx.insertInto('series_keys').values(row).onConflict((oc) => oc.columns(['run_id', 'key']).doUpdateSet({
              numeric: row.numeric, step_lo: row.step_lo, step_hi: row.step_hi, count: row.count,
            })).execute();
          }
          await tx.insertInto('series_state').values({ run_id: run, indexed_seq: seenSeq })
            .onConflict((oc) => oc.column('run_id').doUpdateSet({ indexed_seq: seenSeq })).execute();
        });
      } catch (e) {
        // Keep the points for the next attempt; raw rows hold them durably either way.
        for (const [key, chunks] of dirty) {
          for (const p of chunks.values()) for (let i = 0; i < p.size; i++) this.addDirty(s, key, p.steps[i]!, p.values[i]!);
        }
        throw e;
      }
    }
  }

  /** Forgets a run (deleted or rewound): its rows are gone or will be replayed. */
  async reset(run: RunId, keepBelowStep?: number): Promise<void> {
    this.runs.delete(run);
    await this.db.transaction().execute(async (tx) => {
      if (keepBelowStep === undefined) {
        await tx.deleteFrom('series_chunks').where('run_id', '=', run).execute();
        await tx.deleteFrom('series_keys').where('run_id', '=', run).execute();
        await tx.deleteFrom('series_state').where('run_id', '=', run).execute();
        return;
      }
      // Rewind: drop every chunk and replay the kept rows (rewinds are rare; correctness over speed).
      await tx.deleteFrom('series_chunks').where('run_id', '=', run).execute();
      await tx.deleteFrom('series_keys').where('run_id', '=', run).execute();
      await tx.insertInto('series_state').values({ run_id: run, indexed_seq: -1 })
        .onConflict((oc) => oc.column('run_id').doUpdateSet({ indexed_seq: -1 })).execute();
    });
  }

  /** Metric keys of a run, sorted, paged, optionally filtered by a substring. */
  async listKeys(run: RunId, opts: { search?: string; after?: string; limit: number; numericOnly?: boolean }): Promise<SeriesKey[]> {
    await this.catchUp(run);
    await this.flush();
    let q = this.db.selectFrom('series_keys').select(['key', 'step_lo', 'step_hi', 'count']).where('run_id', '=', run);
    if (opts.numericOnly) q = q.where('numeric', '=', 1);
    if (opts.search) {
      const pattern = `%${opts.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where(sql<boolean>`lower(key) like ${pattern} escape '\\'`);
    }
    if (opts.after !== undefined) q = q.where('key', '>', opts.after);
    const rows = await q.orderBy('key').limit(opts.limit).execute();
    return rows.map((r) => ({ key: r.key, stepLo: r.step_lo ?? 0, stepHi: r.step_hi ?? 0, count: r.count }));
  }

  /** Step range of a key over several runs (for the default x range of a chart). */
  async stepRange(runs: RunId[], key: string): Promise<{ lo: number; hi: number } | null> {
    for (const run of runs) await this.catchUp(run);
    await this.flush();
    if (runs.length === 0) return null;
    const r = await this.db.selectFrom('series_keys')
      .select((eb) => [eb.fn.min('step_lo').as('lo'), eb.fn.max('step_hi').as('hi')])
      .where('run_id', 'in', runs).where('key', '=', key).where('numeric', '=', 1).executeTakeFirst();
    if (!r || r.lo === null || r.hi === null) return null;
    return { lo: Number(r.lo), hi: Number(r.hi) };
  }

  /**
   * Per-bucket summaries of `key` for one run. Plans come from planStepBuckets: widths are powers of two
   * aligned to their size, so each bucket is a whole number of chunks (width ≥ CHUNK_STEPS) or of blocks
   * (width ≥ BLOCK_STEPS) and the answer is exact while reading O(buckets) summaries.
   */
  async buckets(run: RunId, key: string, plan: StepBucketPlan): Promise<Summary[]> {
    await this.catchUp(run);
    const out = Array.from({ length: plan.count }, emptySummary);
    const end = plan.start + plan.width * plan.count; // exclusive
    const firstChunk = chunkIndexOf(plan.start);
    const lastChunk = chunkIndexOf(end - 1);
    const bucketOfStep = (step: number) => Math.floor((step - plan.start) / plan.width);
    const dirty = this.runs.get(run)?.dirty.get(key);
    const pending = new Set<number>();
    if (dirty) for (const idx of dirty.keys()) if (idx >= firstChunk && idx <= lastChunk) pending.add(idx);

    const level = plan.width >= CHUNK_STEPS ? 'summary' : plan.width >= BLOCK_STEPS ? 'blocks' : 'points';
    const rows = await this.db.selectFrom('series_chunks').select(['chunk', level === 'summary' ? 'summary' : level === 'blocks' ? 'blocks' : 'points'])
      .where('run_id', '=', run).where('key', '=', key).where('chunk', '>=', firstChunk).where('chunk', '<=', lastChunk)
      .orderBy('chunk').execute() as { chunk: number; summary?: Uint8Array; blocks?: Uint8Array; points?: Uint8Array }[];

    const addPoints = (p: ChunkPoints) => {
      for (let i = 0; i < p.size; i++) {
        const b = bucketOfStep(p.steps[i]!);
        if (b >= 0 && b < plan.count) addPoint(out[b]!, p.steps[i]!, p.values[i]!);
      }
    };
    for (const row of rows) {
      if (pending.has(row.chunk)) continue; // merged with its dirty points below
      if (row.summary) {
        const b = bucketOfStep(row.chunk * CHUNK_STEPS);
        if (b >= 0 && b < plan.count) mergeSummary(out[b]!, decodeSummary(row.summary));
      } else if (row.blocks) {
        decodeBlocks(row.blocks).forEach((block, i) => {
          const b = bucketOfStep(row.chunk * CHUNK_STEPS + i * BLOCK_STEPS);
          if (b >= 0 && b < plan.count) mergeSummary(out[b]!, block);
        });
      } else if (row.points) {
        addPoints(decodePoints(row.points));
      }
    }
    for (const idx of pending) {
      // Chunks with points still in memory: stored points + new points, summarised exactly.
      const stored = await this.db.selectFrom('series_chunks').select('points').where('run_id', '=', run)
        .where('key', '=', key).where('chunk', '=', idx).executeTakeFirst();
      const merged = stored ? decodePoints(stored.points) : new ChunkPoints();
      merged.merge(dirty!.get(idx)!);
      addPoints(merged);
    }
    return out;
  }
}

const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
