import {
  MAX_BUCKETS, emptySummary, mergeSummary, parseExtendedJson, planStepBuckets, toColumns, type BucketedSeries, type RunId,
  type StepBucketPlan, type Summary,
} from '@cairn/shared';
import { z } from 'zod';
import type { AccessPolicy } from './access.js';
import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import type { HistoryStore, MetaStore } from './ports.js';

export const MAX_SERIES_RUNS = 1000;
export const MAX_SERIES_KEYS = 100;
export const MAX_SYSTEM_RUNS = 20;
/** For x axes other than _step: step buckets this many times finer are re-bucketed by their x value. */
const X_REFINE = 4;

/** A chart's data request: N runs × K metrics, reduced on the server to about `buckets` points each. */
export const SeriesQuery = z.object({
  entity: z.string().min(1),
  project: z.string().min(1),
  runs: z.array(z.string().min(1)).min(1).max(MAX_SERIES_RUNS),
  keys: z.array(z.string().min(1)).min(1).max(MAX_SERIES_KEYS),
  /** `_step` (exact), or any logged numeric key such as `_runtime`, `_timestamp`, `epoch`. */
  xKey: z.string().min(1).max(1024).default('_step'),
  /** In units of the x axis. For `_step`, whole non-negative steps. */
  range: z.object({ min: z.number().finite().optional(), max: z.number().finite().optional() })
    .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, 'range.min must not exceed range.max')
    .optional(),
  buckets: z.number().int().min(1).max(MAX_BUCKETS).default(1000),
  /**
   * `_step` only: buckets of exactly this width (a power of two, aligned to multiples of it) instead of the
   * width `buckets` implies, so the new buckets a live chart fetches line up with the ones it has.
   */
  bucketWidth: z.number().int().min(1).max(2 ** 40).refine((w) => Number.isInteger(Math.log2(w)), 'bucketWidth must be a power of two').optional(),
});
export type SeriesQuery = z.infer<typeof SeriesQuery>;

/** Queries one batch may hold; their keys together are bounded like one query's (MAX_SERIES_KEYS). */
export const MAX_BATCH_QUERIES = MAX_SERIES_KEYS;
/**
 * Several charts' queries of one project in one request (a workspace's visible panels): each answered exactly as
 * POST /api/v1/series would answer it alone (its own step range and bucket plan), in order.
 */
export const SeriesBatchQuery = z.object({
  entity: z.string().min(1),
  project: z.string().min(1),
  queries: z.array(z.unknown()).min(1).max(MAX_BATCH_QUERIES),
});
/** One query's answer in a batch, or why that query alone was refused (the others are still answered). */
export type SeriesBatchItem = SeriesAnswer | { error: { code: string; message: string } };

function parseSeriesQuery(input: unknown): SeriesQuery {
  const parsed = SeriesQuery.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidInput(`invalid series query: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? ''}`);
  }
  const q = parsed.data;
  if (q.xKey === '_step' && q.range && [q.range.min, q.range.max].some((v) => v !== undefined && (!Number.isInteger(v) || v < 0))) {
    throw invalidInput('invalid series query: range: steps are whole numbers from 0');
  }
  return q;
}

/** System metrics (the events stream: CPU, memory, GPU… sampled every few seconds) of a few runs, over _runtime. */
export const SystemSeriesQuery = z.object({
  entity: z.string().min(1),
  project: z.string().min(1),
  runs: z.array(z.string().min(1)).min(1).max(MAX_SYSTEM_RUNS),
  buckets: z.number().int().min(1).max(MAX_BUCKETS).default(500),
});
/** Samples read per run at most (a week of samples every 15 s): the events stream is read row by row. */
export const MAX_SYSTEM_SAMPLES = 50_000;
/** System metric keys answered at most (per answer). */
export const MAX_SYSTEM_KEYS = 500;

/** Bucket i covers x in [start + i*width, start + (i+1)*width); for _step, width is a power of two. */
export interface SeriesPlan { xKey: string; start: number; width: number; count: number }

export interface SeriesAnswer {
  /** Shared by every run and key of the answer. Null when nothing was logged in range. */
  plan: SeriesPlan | null;
  runs: { name: string; series: Record<string, BucketedSeries> }[];
}

/** Buckets of a given width over lo..hi, aligned like planStepBuckets' (start a multiple of the width). */
function alignedPlan(lo: number, hi: number, width: number): StepBucketPlan {
  const start = Math.floor(lo / width) * width;
  const count = Math.ceil((hi + 1 - start) / width);
  if (count > MAX_BUCKETS) throw invalidInput(`invalid series query: bucketWidth ${width} makes ${count} buckets (at most ${MAX_BUCKETS})`);
  return { start, width, count };
}

/** Bucketed metric reads for charts (W&B's full fidelity: last value as the line, min/max as the band). */
export class MetricsService {
  constructor(
    private readonly meta: MetaStore,
    private readonly history: HistoryStore,
    private readonly access: AccessPolicy,
  ) {}

  async series(viewer: Viewer, input: unknown): Promise<SeriesAnswer> {
    const q = parseSeriesQuery(input);
    const { project } = await this.access.project(viewer, q.entity, q.project);
    return this.answer(q, await this.meta.findRuns(project.id, [...new Set(q.runs)]));
  }

  /**
   * A batch of one project's series queries: access is checked once for the project (refused: the whole
   * request is), each query is answered as `series` would answer it, and a query that is itself invalid gets
   * an error entry in its place. Queries naming the same runs share one lookup of them.
   */
  async seriesBatch(viewer: Viewer, input: unknown): Promise<{ answers: SeriesBatchItem[] }> {
    const parsed = SeriesBatchQuery.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalidInput(`invalid series batch: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? ''}`);
    }
    const { entity, project: projectName, queries } = parsed.data;
    let keys = 0;
    for (const item of queries) {
      const k = (item as { keys?: unknown } | null)?.keys;
      keys += Array.isArray(k) ? k.length : 0;
    }
    if (keys > MAX_SERIES_KEYS) throw invalidInput(`invalid series batch: ${keys} keys in all (at most ${MAX_SERIES_KEYS})`);
    const { project } = await this.access.project(viewer, entity, projectName);
    const runLookups = new Map<string, ReturnType<MetaStore['findRuns']>>();
    const answers: SeriesBatchItem[] = [];
    for (const item of queries) {
      try {
        // A query is a SeriesQuery without entity and project: the batch's apply.
        const fields = item !== null && typeof item === 'object' && !Array.isArray(item) ? item : {};
        const q = parseSeriesQuery({ ...fields, entity, project: projectName });
        const names = [...new Set(q.runs)];
        const lookup = names.join('\u0000');
        let runs = runLookups.get(lookup);
        if (!runs) runLookups.set(lookup, (runs = this.meta.findRuns(project.id, names)));
        answers.push(await this.answer(q, await runs));
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        answers.push({ error: { code: e.code, message: e.message } });
      }
    }
    return { answers };
  }

  private async answer(q: SeriesQuery, runs: Awaited<ReturnType<MetaStore['findRuns']>>): Promise<SeriesAnswer> {
    const ids = runs.map((r) => r.id);
    const answer: SeriesAnswer = { plan: null, runs: runs.map((r) => ({ name: r.name, series: {} })) };
    const stepRange = await this.stepRange(ids, q.keys);
    if (!stepRange) return answer;

    if (q.xKey === '_step') {
      const lo = q.range?.min ?? stepRange.lo;
      const hi = q.range?.max ?? stepRange.hi;
      if (hi < lo) return answer;
      const plan = q.bucketWidth === undefined ? planStepBuckets(lo, hi, q.buckets) : alignedPlan(lo, hi, q.bucketWidth);
      answer.plan = { xKey: '_step', ...plan };
      for (const key of q.keys) {
        const byRun = await this.history.bucketsMany(ids, key, plan);
        runs.forEach((run, i) => {
          const s = byRun.get(run.id);
          if (s && s.some((b) => b.count > 0)) answer.runs[i]!.series[key] = toColumns(plan, s);
        });
      }
      return answer;
    }
    return this.seriesOverX(q, runs.map((r) => r.id), stepRange, answer);
  }

  /**
   * Any other x axis: fine step buckets (X_REFINE × finer) of the metric and of x, each fine bucket placed
   * in the x bucket of its last x value. Bands keep every spike (min/max of whole fine buckets); a line
   * point can land one fine bucket off at an x edge. Costs O(buckets) like the step axis.
   */
  private async seriesOverX(q: SeriesQuery, ids: RunId[], stepRange: { lo: number; hi: number }, answer: SeriesAnswer) {
    const fine = planStepBuckets(stepRange.lo, stepRange.hi, Math.min(q.buckets * X_REFINE, MAX_BUCKETS));
    const xs = await this.history.bucketsMany(ids, q.xKey, fine);
    // x of each fine bucket per run; the x range is what was logged, clipped to the requested range.
    let xlo = Infinity;
    let xhi = -Infinity;
    for (const s of xs.values()) {
      for (const b of s) {
        if (b.count > 0 && Number.isFinite(b.last)) {
          xlo = Math.min(xlo, b.last);
          xhi = Math.max(xhi, b.last);
        }
      }
    }
    if (q.range?.min !== undefined) xlo = q.range.min;
    if (q.range?.max !== undefined) xhi = q.range.max;
    if (!Number.isFinite(xlo) || !Number.isFinite(xhi) || xhi < xlo) return answer;
    const width = xhi > xlo ? (xhi - xlo) / q.buckets : 1;
    const count = xhi > xlo ? q.buckets : 1;
    answer.plan = { xKey: q.xKey, start: xlo, width, count };
    for (const key of q.keys) {
      const ys = await this.history.bucketsMany(ids, key, fine);
      ids.forEach((id, i) => {
        const out: Summary[] = Array.from({ length: count }, emptySummary);
        const x = xs.get(id)!;
        ys.get(id)!.forEach((y, f) => {
          const xv = x[f]!;
          if (y.count === 0 || xv.count === 0 || !Number.isFinite(xv.last) || xv.last < xlo || xv.last > xhi) return;
          mergeSummary(out[Math.min(count - 1, Math.floor((xv.last - xlo) / width))]!, y);
        });
        if (out.some((b) => b.count > 0)) {
          answer.runs[i]!.series[key] = toColumns({ start: xlo, width, count } as StepBucketPlan, out);
        }
      });
    }
    return answer;
  }

  /**
   * System metrics of `runs`, bucketed over `_runtime` like series (last value as the line, min/max band). The
   * events stream has a row every few seconds, so its rows are read (up to MAX_SYSTEM_SAMPLES per run) rather
   * than an index: O(samples), which stays small. Every numeric key except `_…` ones is answered.
   */
  async systemSeries(viewer: Viewer, input: unknown): Promise<SeriesAnswer & { keys: string[] }> {
    const parsed = SystemSeriesQuery.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalidInput(`invalid system series query: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? ''}`);
    }
    const q = parsed.data;
    const { project } = await this.access.project(viewer, q.entity, q.project);
    const runs = await this.meta.findRuns(project.id, [...new Set(q.runs)]);
    const samples: { x: number; values: [string, number][] }[][] = [];
    const keys = new Set<string>();
    let lo = Infinity;
    let hi = -Infinity;
    for (const run of runs) {
      const out: { x: number; values: [string, number][] }[] = [];
      let afterSeq: number | undefined;
      while (out.length < MAX_SYSTEM_SAMPLES) {
        const page = await this.history.scan(run.id, 'events', { ...(afterSeq !== undefined ? { afterSeq } : {}), limit: 5000 });
        for (const row of page) {
          let data: Record<string, unknown>;
          try {
            data = parseExtendedJson(row.line) as Record<string, unknown>;
          } catch {
            continue; // stored lines were checked at ingest; a bad one is skipped, not fatal to the chart
          }
          const x = data._runtime;
          if (typeof x !== 'number' || !Number.isFinite(x)) continue;
          const values: [string, number][] = [];
          for (const [k, v] of Object.entries(data)) {
            if (k.startsWith('_') || typeof v !== 'number') continue;
            if (!keys.has(k) && keys.size >= MAX_SYSTEM_KEYS) continue;
            keys.add(k);
            values.push([k, v]);
          }
          out.push({ x, values });
          lo = Math.min(lo, x);
          hi = Math.max(hi, x);
        }
        if (page.length < 5000) break;
        afterSeq = page[page.length - 1]!.seq;
      }
      samples.push(out);
    }
    const answer: SeriesAnswer & { keys: string[] } = { plan: null, runs: runs.map((r) => ({ name: r.name, series: {} })), keys: [...keys].sort() };
    if (!Number.isFinite(lo)) return answer;
    const count = hi > lo ? q.buckets : 1;
    const width = hi > lo ? (hi - lo) / q.buckets : 1;
    answer.plan = { xKey: '_runtime', start: lo, width, count };
    samples.forEach((rows, i) => {
      const byKey = new Map<string, Summary[]>();
      for (const { x, values } of rows) {
        const b = Math.min(count - 1, Math.floor((x - lo) / width));
        for (const [k, v] of values) {
          let buckets = byKey.get(k);
          if (!buckets) byKey.set(k, (buckets = Array.from({ length: count }, emptySummary)));
          const s = buckets[b]!;
          // One sample: min/max over finite values only; a NaN sample is a gap in the line.
          const finite = Number.isFinite(v);
          mergeSummary(s, { count: 1, min: finite ? v : Infinity, max: finite ? v : -Infinity, last: v, lastStep: x });
        }
      }
      for (const [k, buckets] of byKey) answer.runs[i]!.series[k] = toColumns({ start: lo, width, count } as StepBucketPlan, buckets);
    });
    return answer;
  }

  private async stepRange(ids: RunId[], keys: string[]): Promise<{ lo: number; hi: number } | null> {
    let lo = Infinity;
    let hi = -Infinity;
    for (const key of keys) {
      const r = await this.history.stepRange(ids, key);
      if (r) {
        lo = Math.min(lo, r.lo);
        hi = Math.max(hi, r.hi);
      }
    }
    return Number.isFinite(lo) ? { lo, hi } : null;
  }

  /** A run's metric keys, sorted and paged, with an optional substring search (100k keys stay cheap). */
  async keys(viewer: Viewer, entity: string, projectName: string, runName: string, opts: { search?: string; after?: string; limit?: number }) {
    const { project } = await this.access.project(viewer, entity, projectName);
    const run = await this.meta.findRun(project.id, runName);
    if (!run) throw new DomainError(ErrorCodes.RUN_NOT_FOUND, `run ${entity}/${projectName}/${runName} not found`);
    const limit = Math.min(Math.max(opts.limit ?? 1000, 1), 10_000);
    return this.history.keys(run.id, { ...opts, limit });
  }

  /**
   * The first page of several runs' keys in one request (a workspace opening asks for every charted run's keys at
   * once). Each run's list is what `keys` gives it alone; runs that do not exist are answered with an error entry.
   */
  async keysBatch(viewer: Viewer, input: unknown): Promise<{ runs: Record<string, { keys: string[]; lastStep: number | null } | { error: { code: string; message: string } }> }> {
    const parsed = KeysBatchQuery.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalidInput(`invalid key batch: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? ''}`);
    }
    const { entity, project: projectName, runs: names, limit } = parsed.data;
    const { project } = await this.access.project(viewer, entity, projectName);
    const found = new Map((await this.meta.findRuns(project.id, [...new Set(names)])).map((r) => [r.name, r]));
    const out: Record<string, { keys: string[]; lastStep: number | null } | { error: { code: string; message: string } }> = {};
    for (const name of names) {
      const run = found.get(name);
      out[name] = run ? await this.history.keys(run.id, { limit })
        : { error: { code: ErrorCodes.RUN_NOT_FOUND, message: `run ${entity}/${projectName}/${name} not found` } };
    }
    return { runs: out };
  }
}

const KeysBatchQuery = z.object({
  entity: z.string().min(1),
  project: z.string().min(1),
  runs: z.array(z.string().min(1)).min(1).max(100),
  limit: z.number().int().min(1).max(10_000).default(1000),
});
