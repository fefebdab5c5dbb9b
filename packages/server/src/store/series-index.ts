import {
  addPoint, emptySummary, mergeSummary, parseExtendedJson, type RunId, type StepBucketPlan, type Summary,
} from '@cairn/shared';
import { sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import {
  BLOCK_STEPS, CHUNK_STEPS, ChunkPoints, ROLLUP_FANOUT, ROLLUP_LEVELS, chunkIndexOf, decodePoints, decodeSummary,
  encodeChunk, encodeSummary, mergeBlocksInto, nodeSteps, numericLeaves,
} from './series-codec.js';
import type { SqlDatabase } from './sql-database.js';

/**
 * What this process knows is stored for one key of one run, so that the common case — new steps after
 * the last stored one — is written without reading anything back: the newest chunk's points and the
 * newest rollup node's summary per level. `null` caches are loaded on first use.
 */
interface KeyState {
  numeric: boolean;
  stepLo: number | null;
  stepHi: number | null;
  count: number;
  tail: { chunk: number; points: ChunkPoints; rollups: (Summary | null)[] } | null;
}

interface RunState {
  /** New points per key and chunk, not yet written to series_chunks. Keys with no numbers map to {}. */
  dirty: Map<string, Map<number, ChunkPoints>>;
  /** Stored state per key (loaded from series_keys at the first flush of the run in this process). */
  keys: Map<string, KeyState> | null;
  /** Highest raw-row seq folded into `dirty` or the stored chunks. */
  seenSeq: number;
  dirtyPoints: number;
}

export interface SeriesKey { key: string; stepLo: number; stepHi: number; count: number }

/**
 * Columnar index of the numeric history: per run and metric, chunks of CHUNK_STEPS aligned steps with
 * precomputed summaries (the chunk's, its blocks' of BLOCK_STEPS, and rollups over 32^L chunks), so a
 * bucketed read on an aligned plan is exact and reads O(buckets) summaries.
 *
 * Raw rows (history_lines) stay the source of truth: new points are kept in memory and written in batches
 * (`flush`); `series_state.indexed_seq` says how far the stored chunks reflect the raw rows. After a crash,
 * or for rows another process ingested, readers replay the rows past it from history_lines.
 */
export class SeriesIndex {
  private readonly runs = new Map<number, RunState>();
  private flushing: Promise<void> | null = null;
  private catchingUp = new Map<number, Promise<void>>();
  private readonly db;

  /** `flushKeysPerTx`: keys written per flush transaction (see flushOnce). */
  constructor(private readonly sqlDb: SqlDatabase, private readonly maxDirtyPoints = 2_000_000, private readonly flushKeysPerTx = 1000) {
    this.db = sqlDb.db;
  }

  private state(run: RunId): RunState {
    let s = this.runs.get(run);
    if (!s) {
      s = { dirty: new Map(), keys: null, seenSeq: -1, dirtyPoints: 0 };
      this.runs.set(run, s);
    }
    return s;
  }

  /** Folds freshly stored history rows (already parsed) into the index. */
  ingest(run: RunId, rows: { seq: number; step: number; row: Record<string, unknown> }[]): void {
    const s = this.state(run);
    for (const { seq, step, row } of rows) {
      for (const [key, value] of numericLeaves(row)) this.addDirty(s, key, step, value);
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

  shouldFlush(): boolean {
    let n = 0;
    for (const s of this.runs.values()) n += s.dirtyPoints;
    return n >= this.maxDirtyPoints;
  }

  /** Replays raw rows of `runs` past what is indexed, in one query for all up-to-date runs. */
  private async catchUp(runs: RunId[]): Promise<void> {
    if (runs.length === 0) return;
    const behind = await this.db.selectFrom('history_state as h')
      .leftJoin('series_state as s', 's.run_id', 'h.run_id')
      .select(['h.run_id', 'h.next_seq', 's.indexed_seq'])
      .where('h.run_id', 'in', runs).where('h.stream', '=', 'history').execute();
    for (const b of behind) {
      const run = b.run_id as RunId;
      const seen = Math.max(this.runs.get(run)?.seenSeq ?? -1, b.indexed_seq ?? -1);
      if (seen >= b.next_seq - 1) continue;
      let pending = this.catchingUp.get(run);
      if (!pending) {
        pending = this.replay(run).finally(() => this.catchingUp.delete(run));
        this.catchingUp.set(run, pending);
      }
      await pending;
    }
  }

  private async replay(run: RunId): Promise<void> {
    const s = this.state(run);
    const stored = await this.db.selectFrom('series_state').select('indexed_seq').where('run_id', '=', run).executeTakeFirst();
    for (let after = Math.max(s.seenSeq, stored?.indexed_seq ?? -1); ;) {
      const rows = await this.db.selectFrom('history_lines').select(['seq', 'step', 'data']).where('run_id', '=', run)
        .where('stream', '=', 'history').where('seq', '>', after).orderBy('seq').limit(5000).execute();
      if (rows.length === 0) break;
      this.ingest(run, rows.filter((r) => r.step !== null).map((r) => ({
        seq: r.seq, step: r.step!, row: parseExtendedJson(r.data) as Record<string, unknown>,
      })));
      after = rows[rows.length - 1]!.seq;
      if (after > s.seenSeq) s.seenSeq = after;
    }
  }

  /** Writes every dirty chunk (merged with what is stored), its rollups, and each run's indexed_seq. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.flushOnce();
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
    }
  }

  /**
   * Each run's dirty keys are written `flushKeysPerTx` at a time, one transaction each, yielding to other work
   * between them: 100,000 new keys must not hold the database and the event loop for tens of seconds. Keys not
   * written yet stay in `dirty`, where readers see them. indexed_seq moves with the last slice only; a crash
   * between slices replays those rows, and replayed points merge into stored chunks without counting twice.
   */
  private async flushOnce(): Promise<void> {
    for (const [runNum, s] of this.runs) {
      if (s.dirty.size === 0) continue;
      const run = runNum as RunId;
      const seenSeq = s.seenSeq;
      // Rows up to seenSeq have all their points under these keys (later rows may add points: written too).
      const keys = [...s.dirty.keys()];
      for (let from = 0; from < keys.length; from += this.flushKeysPerTx) {
        if (from > 0) {
          await new Promise((resolve) => setImmediate(resolve));
          if (this.runs.get(run) !== s) break; // reset meanwhile: its rows are gone, write nothing more
        }
        const last = from + this.flushKeysPerTx >= keys.length;
        await this.flushSlice(run, s, keys.slice(from, from + this.flushKeysPerTx), last ? seenSeq : null);
      }
    }
  }

  private async flushSlice(run: RunId, s: RunState, keys: string[], indexedSeq: number | null): Promise<void> {
    const dirty = new Map<string, Map<number, ChunkPoints>>();
    for (const key of keys) {
      const chunks = s.dirty.get(key);
      if (!chunks) continue;
      dirty.set(key, chunks);
      s.dirty.delete(key);
      for (const p of chunks.values()) s.dirtyPoints -= p.size;
    }
    s.dirtyPoints = Math.max(0, s.dirtyPoints);
    try {
      await this.db.transaction().execute(async (tx) => {
        await this.writeRun(tx, run, s, dirty);
        if (indexedSeq !== null) {
          await tx.insertInto('series_state').values({ run_id: run, indexed_seq: indexedSeq })
            .onConflict((oc) => oc.column('run_id').doUpdateSet({ indexed_seq: indexedSeq })).execute();
        }
      });
    } catch (e) {
      // Forget what we thought was stored and keep the points for the next attempt (raw rows hold
      // them durably either way).
      s.keys = null;
      for (const [key, chunks] of dirty) {
        if (!s.dirty.has(key)) s.dirty.set(key, new Map());
        for (const p of chunks.values()) for (let i = 0; i < p.size; i++) this.addDirty(s, key, p.steps[i]!, p.values[i]!);
      }
      throw e;
    }
  }

  /**
   * Writes one run's dirty points. Keys whose new steps all come after their last stored step (the normal
   * case) take the fast path: merged in memory against the cached tail, written in a few multi-row
   * upserts. Anything else (a re-logged or late step) is merged against what is stored, key by key.
   */
  private async writeRun(tx: Transaction<Database>, run: RunId, s: RunState, dirty: Map<string, Map<number, ChunkPoints>>) {
    if (!s.keys) {
      const rows = await tx.selectFrom('series_keys').selectAll().where('run_id', '=', run).execute();
      s.keys = new Map(rows.map((r) => [r.key, { numeric: r.numeric === 1, stepLo: r.step_lo, stepHi: r.step_hi, count: r.count, tail: null }]));
    }
    const chunkRows: Database['series_chunks'][] = [];
    const pointRows: Database['series_points'][] = [];
    const rollupRows: Database['series_rollups'][] = [];
    const keyRows: Database['series_keys'][] = [];
    for (const [key, chunks] of dirty) {
      let ks = s.keys.get(key);
      if (!ks) s.keys.set(key, (ks = { numeric: false, stepLo: null, stepHi: null, count: 0, tail: null }));
      let newLo = Infinity;
      for (const p of chunks.values()) if (p.size > 0) newLo = Math.min(newLo, p.steps[0]!);
      const appendOnly = ks.stepHi === null || newLo > ks.stepHi;
      if (chunks.size > 0 && !appendOnly) {
        await this.writeKey(tx, run, key, chunks);
        const r = await tx.selectFrom('series_keys').selectAll().where('run_id', '=', run).where('key', '=', key).executeTakeFirstOrThrow();
        s.keys.set(key, { numeric: r.numeric === 1, stepLo: r.step_lo, stepHi: r.step_hi, count: r.count, tail: null });
        continue;
      }
      if (chunks.size > 0) {
        if (!ks.tail && ks.stepHi !== null) ks.tail = await this.loadTail(tx, run, key, chunkIndexOf(ks.stepHi));
        for (const idx of [...chunks.keys()].sort((x, y) => x - y)) {
          const fresh = chunks.get(idx)!;
          // Append-only: a chunk at or before the tail's can only be the tail itself.
          const merged = ks.tail && ks.tail.chunk === idx ? ks.tail.points : new ChunkPoints();
          merged.merge(fresh);
          ks.count += fresh.size;
          const enc = encodeChunk(idx, merged);
          chunkRows.push({ run_id: run, key, chunk: idx, count: enc.count, summary: enc.summary, blocks: enc.blocks });
          pointRows.push({ run_id: run, key, chunk: idx, points: enc.points });
          // Rollups: the newest node per level absorbs the new points; a newer node starts fresh.
          const rollups = ks.tail && ks.tail.chunk <= idx ? ks.tail.rollups : Array.from({ length: ROLLUP_LEVELS }, () => null);
          const prevChunk = ks.tail?.chunk ?? -1;
          for (let level = 1; level <= ROLLUP_LEVELS; level++) {
            const node = Math.floor(idx / ROLLUP_FANOUT ** level);
            const sameNode = prevChunk >= 0 && Math.floor(prevChunk / ROLLUP_FANOUT ** level) === node;
            const summary = sameNode && rollups[level - 1] ? { ...rollups[level - 1]! } : emptySummary();
            for (let i = 0; i < fresh.size; i++) addPoint(summary, fresh.steps[i]!, fresh.values[i]!);
            rollups[level - 1] = summary;
            rollupRows.push({ run_id: run, key, level, node, summary: encodeSummary(summary) });
          }
          ks.tail = { chunk: idx, points: merged, rollups };
          ks.stepLo = ks.stepLo === null ? enc.stepLo : Math.min(ks.stepLo, enc.stepLo);
          ks.stepHi = ks.stepHi === null ? enc.stepHi : Math.max(ks.stepHi, enc.stepHi);
        }
        ks.numeric = true;
      }
      keyRows.push({ run_id: run, key, numeric: ks.numeric ? 1 : 0, step_lo: ks.stepLo, step_hi: ks.stepHi, count: ks.count });
    }
    // A rollup node may appear twice (two new chunks under it): keep the last, most complete one.
    const lastRollup = new Map(rollupRows.map((r) => [`${r.key}\u0000${r.level}:${r.node}`, r]));
    await upsertMany(chunkRows, 200, (rows) => tx.insertInto('series_chunks').values(rows)
      .onConflict((oc) => oc.columns(['run_id', 'key', 'chunk']).doUpdateSet((eb) => ({
        count: eb.ref('excluded.count'), summary: eb.ref('excluded.summary'), blocks: eb.ref('excluded.blocks'),
      }))).execute());
    await upsertMany(pointRows, 200, (rows) => tx.insertInto('series_points').values(rows)
      .onConflict((oc) => oc.columns(['run_id', 'key', 'chunk']).doUpdateSet((eb) => ({ points: eb.ref('excluded.points') })))
      .execute());
    await upsertMany([...lastRollup.values()], 200, (rows) => tx.insertInto('series_rollups').values(rows)
      .onConflict((oc) => oc.columns(['run_id', 'key', 'level', 'node']).doUpdateSet((eb) => ({ summary: eb.ref('excluded.summary') })))
      .execute());
    await upsertMany(keyRows, 200, (rows) => tx.insertInto('series_keys').values(rows)
      .onConflict((oc) => oc.columns(['run_id', 'key']).doUpdateSet((eb) => ({
        numeric: eb.ref('excluded.numeric'), step_lo: eb.ref('excluded.step_lo'), step_hi: eb.ref('excluded.step_hi'),
        count: eb.ref('excluded.count'),
      }))).execute());
  }

  /** The stored newest chunk of a key and the rollup nodes above it: the cache the fast path needs. */
  private async loadTail(tx: Transaction<Database>, run: RunId, key: string, chunk: number): Promise<KeyState['tail']> {
    const stored = await tx.selectFrom('series_points').select('points').where('run_id', '=', run).where('key', '=', key)
      .where('chunk', '=', chunk).executeTakeFirst();
    const rollups: (Summary | null)[] = [];
    for (let level = 1; level <= ROLLUP_LEVELS; level++) {
      const r = await tx.selectFrom('series_rollups').select('summary').where('run_id', '=', run).where('key', '=', key)
        .where('level', '=', level).where('node', '=', Math.floor(chunk / ROLLUP_FANOUT ** level)).executeTakeFirst();
      rollups.push(r ? decodeSummary(r.summary) : null);
    }
    return { chunk, points: stored ? decodePoints(stored.points) : new ChunkPoints(), rollups };
  }

  private async writeKey(tx: Transaction<Database>, run: RunId, key: string, chunks: Map<number, ChunkPoints>) {
    let lo: number | null = null;
    let hi: number | null = null;
    let added = 0;
    for (const [idx, points] of chunks) {
      const stored = await tx.selectFrom('series_points').select('points').where('run_id', '=', run)
        .where('key', '=', key).where('chunk', '=', idx).executeTakeFirst();
      const merged = stored ? decodePoints(stored.points) : new ChunkPoints();
      const before = merged.size;
      merged.merge(points);
      added += merged.size - before;
      const enc = encodeChunk(idx, merged);
      lo = lo === null ? enc.stepLo : Math.min(lo, enc.stepLo);
      hi = hi === null ? enc.stepHi : Math.max(hi, enc.stepHi);
      await tx.insertInto('series_chunks').values({
        run_id: run, key, chunk: idx, count: enc.count, summary: enc.summary, blocks: enc.blocks,
      }).onConflict((oc) => oc.columns(['run_id', 'key', 'chunk']).doUpdateSet({
        count: enc.count, summary: enc.summary, blocks: enc.blocks,
      })).execute();
      await tx.insertInto('series_points').values({ run_id: run, key, chunk: idx, points: enc.points })
        .onConflict((oc) => oc.columns(['run_id', 'key', 'chunk']).doUpdateSet({ points: enc.points })).execute();
    }
    await this.writeRollups(tx, run, key, [...chunks.keys()]);
    // Portable upsert: read, combine in JS, write (SQLite's min(a,b) is PostgreSQL's LEAST).
    const prev = await tx.selectFrom('series_keys').selectAll().where('run_id', '=', run).where('key', '=', key)
      .executeTakeFirst();
    const row = {
      run_id: run, key,
      numeric: chunks.size > 0 || prev?.numeric === 1 ? 1 : 0,
      step_lo: minOf(prev?.step_lo ?? null, lo),
      step_hi: maxOf(prev?.step_hi ?? null, hi),
      count: (prev?.count ?? 0) + added,
    };
    await tx.insertInto('series_keys').values(row).onConflict((oc) => oc.columns(['run_id', 'key']).doUpdateSet({
      numeric: row.numeric, step_lo: row.step_lo, step_hi: row.step_hi, count: row.count,
    })).execute();
  }

  /** Recomputes the rollup nodes above the touched chunks, level by level, from the level below. */
  private async writeRollups(tx: Transaction<Database>, run: RunId, key: string, touchedChunks: number[]) {
    let touched = touchedChunks;
    for (let level = 1; level <= ROLLUP_LEVELS && touched.length > 0; level++) {
      const nodes = [...new Set(touched.map((i) => Math.floor(i / ROLLUP_FANOUT)))];
      for (const node of nodes) {
        const lo = node * ROLLUP_FANOUT;
        const hi = lo + ROLLUP_FANOUT - 1;
        const children = level === 1
          ? await tx.selectFrom('series_chunks').select('summary').where('run_id', '=', run).where('key', '=', key)
            .where('chunk', '>=', lo).where('chunk', '<=', hi).execute()
          : await tx.selectFrom('series_rollups').select('summary').where('run_id', '=', run).where('key', '=', key)
            .where('level', '=', level - 1).where('node', '>=', lo).where('node', '<=', hi).execute();
        const total = emptySummary();
        for (const c of children) mergeSummary(total, decodeSummary(c.summary));
        const summary = encodeSummary(total);
        await tx.insertInto('series_rollups').values({ run_id: run, key, level, node, summary })
          .onConflict((oc) => oc.columns(['run_id', 'key', 'level', 'node']).doUpdateSet({ summary })).execute();
      }
      touched = nodes;
    }
  }

  /** Forgets a run's index (deleted, or rewound: then its remaining raw rows are replayed on next read). */
  async reset(run: RunId): Promise<void> {
    this.runs.delete(run);
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('series_chunks').where('run_id', '=', run).execute();
      await tx.deleteFrom('series_points').where('run_id', '=', run).execute();
      await tx.deleteFrom('series_rollups').where('run_id', '=', run).execute();
      await tx.deleteFrom('series_keys').where('run_id', '=', run).execute();
      await tx.deleteFrom('series_state').where('run_id', '=', run).execute();
    });
  }

  /** Metric keys of a run, sorted, paged, optionally filtered by a case-insensitive substring. */
  async listKeys(run: RunId, opts: { search?: string; after?: string; limit: number; numericOnly?: boolean }): Promise<SeriesKey[]> {
    await this.catchUp([run]);
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

  /** Step range of a key over several runs (the default x range of a chart). */
  async stepRange(runs: RunId[], key: string): Promise<{ lo: number; hi: number } | null> {
    if (runs.length === 0) return null;
    await this.catchUp(runs);
    const r = await this.db.selectFrom('series_keys')
      .select((eb) => [eb.fn.min('step_lo').as('lo'), eb.fn.max('step_hi').as('hi')])
      .where('run_id', 'in', runs).where('key', '=', key).where('numeric', '=', 1).executeTakeFirst();
    let lo = r?.lo === null || r?.lo === undefined ? Infinity : Number(r.lo);
    let hi = r?.hi === null || r?.hi === undefined ? -Infinity : Number(r.hi);
    // Points not flushed yet count too, without forcing a flush on the read path.
    for (const run of runs) {
      for (const p of this.runs.get(run)?.dirty.get(key)?.values() ?? []) {
        if (p.size === 0) continue;
        lo = Math.min(lo, p.steps[0]!);
        hi = Math.max(hi, p.steps[p.size - 1]!);
      }
    }
    return Number.isFinite(lo) ? { lo, hi } : null;
  }

  async buckets(run: RunId, key: string, plan: StepBucketPlan): Promise<Summary[]> {
    return (await this.bucketsMany([run], key, plan)).get(run)!;
  }

  /**
   * Per-bucket summaries of `key` for several runs on one shared plan (from planStepBuckets: widths are
   * powers of two aligned to their size). Each bucket is then a whole number of stored nodes at the
   * coarsest level no wider than the bucket, so the answer is exact and one query per level reads
   * O(buckets) summaries per run.
   */
  async bucketsMany(runs: RunId[], key: string, plan: StepBucketPlan): Promise<Map<RunId, Summary[]>> {
    await this.catchUp(runs);
    const out = new Map(runs.map((r) => [r, Array.from({ length: plan.count }, emptySummary)]));
    if (runs.length === 0) return out;
    const end = plan.start + plan.width * plan.count; // exclusive
    const bucketOfStep = (step: number) => {
      const b = Math.floor((step - plan.start) / plan.width);
      return b >= 0 && b < plan.count ? b : -1;
    };
    const firstChunk = chunkIndexOf(plan.start);
    const lastChunk = chunkIndexOf(end - 1);
    // Chunks with points still in memory are summarised from stored + new points.
    const pending = new Map<RunId, Set<number>>();
    for (const run of runs) {
      const dirty = this.runs.get(run)?.dirty.get(key);
      if (!dirty) continue;
      const set = new Set([...dirty.keys()].filter((i) => i >= firstChunk && i <= lastChunk));
      if (set.size > 0) pending.set(run, set);
    }
    const isPending = (run: RunId, chunk: number) => pending.get(run)?.has(chunk) ?? false;

    let level = 0;
    while (level < ROLLUP_LEVELS && plan.width >= nodeSteps(level + 1)) level++;
    if (level > 0) {
      // Rollup nodes hide which chunks are pending: use them only where no chunk below is pending.
      const span = ROLLUP_FANOUT ** level;
      const rows = await this.db.selectFrom('series_rollups').select(['run_id', 'node', 'summary'])
        .where('run_id', 'in', runs).where('key', '=', key).where('level', '=', level)
        .where('node', '>=', Math.floor(firstChunk / span)).where('node', '<=', Math.floor(lastChunk / span)).execute();
      const dirtyNodes = new Set<string>();
      for (const [run, set] of pending) for (const c of set) dirtyNodes.add(`${run}:${Math.floor(c / span)}`);
      for (const r of rows) {
        if (dirtyNodes.has(`${r.run_id}:${r.node}`)) continue;
        const b = bucketOfStep(r.node * nodeSteps(level));
        if (b >= 0) mergeSummary(out.get(r.run_id as RunId)![b]!, decodeSummary(r.summary));
      }
      // Chunks under dirty nodes: read at chunk resolution.
      for (const [run, set] of pending) {
        const nodes = new Set([...set].map((c) => Math.floor(c / span)));
        for (const node of nodes) await this.readChunks(run, key, node * span, node * span + span - 1, 'summary', out.get(run)!, bucketOfStep, pending);
      }
    } else {
      const rows = plan.width >= BLOCK_STEPS
        ? await this.db.selectFrom('series_chunks').select(['run_id', 'chunk', plan.width >= CHUNK_STEPS ? 'summary' : 'blocks'])
          .where('run_id', 'in', runs).where('key', '=', key).where('chunk', '>=', firstChunk).where('chunk', '<=', lastChunk)
          .execute() as { run_id: number; chunk: number; summary?: Uint8Array; blocks?: Uint8Array }[]
        : await this.db.selectFrom('series_points').select(['run_id', 'chunk', 'points'])
          .where('run_id', 'in', runs).where('key', '=', key).where('chunk', '>=', firstChunk).where('chunk', '<=', lastChunk)
          .execute();
      for (const r of rows) {
        const run = r.run_id as RunId;
        if (isPending(run, r.chunk)) continue;
        foldChunk(r, out.get(run)!, bucketOfStep);
      }
    }
    for (const [run, set] of pending) {
      const dirty = this.runs.get(run)?.dirty.get(key);
      for (const idx of set) {
        const stored = await this.db.selectFrom('series_points').select('points').where('run_id', '=', run)
          .where('key', '=', key).where('chunk', '=', idx).executeTakeFirst();
        const merged = stored ? decodePoints(stored.points) : new ChunkPoints();
        const fresh = dirty?.get(idx);
        if (fresh) merged.merge(fresh);
        const target = out.get(run)!;
        for (let i = 0; i < merged.size; i++) {
          const b = bucketOfStep(merged.steps[i]!);
          if (b >= 0) addPoint(target[b]!, merged.steps[i]!, merged.values[i]!);
        }
      }
    }
    return out;
  }

  private async readChunks(run: RunId, key: string, lo: number, hi: number, resolution: 'summary',
    target: Summary[], bucketOfStep: (s: number) => number, pending: Map<RunId, Set<number>>) {
    const rows = await this.db.selectFrom('series_chunks').select(['run_id', 'chunk', resolution])
      .where('run_id', '=', run).where('key', '=', key).where('chunk', '>=', lo).where('chunk', '<=', hi).execute();
    for (const r of rows) if (!pending.get(run)?.has(r.chunk)) foldChunk(r, target, bucketOfStep);
  }
}

function foldChunk(r: { chunk: number; summary?: Uint8Array; blocks?: Uint8Array; points?: Uint8Array },
  target: Summary[], bucketOfStep: (s: number) => number) {
  const base = r.chunk * CHUNK_STEPS;
  if (r.summary) {
    const b = bucketOfStep(base);
    if (b >= 0) mergeSummary(target[b]!, decodeSummary(r.summary));
  } else if (r.blocks) {
    mergeBlocksInto(r.blocks, target, (i) => bucketOfStep(base + i * BLOCK_STEPS));
  } else if (r.points) {
    const p = decodePoints(r.points);
    for (let i = 0; i < p.size; i++) {
      const b = bucketOfStep(p.steps[i]!);
      if (b >= 0) addPoint(target[b]!, p.steps[i]!, p.values[i]!);
    }
  }
}

const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

async function upsertMany<T>(rows: T[], batch: number, write: (rows: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += batch) await write(rows.slice(i, i + batch));
}
