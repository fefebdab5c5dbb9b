import { MAX_BUCKETS, planStepBuckets, toColumns, type BucketedSeries, type StepBucketPlan } from '@cairn/shared';
import { z } from 'zod';
import type { AccessPolicy } from './access.js';
import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import type { HistoryStore, MetaStore } from './ports.js';

export const MAX_SERIES_RUNS = 1000;
export const MAX_SERIES_KEYS = 100;

/** A chart's data request: N runs × K metrics, reduced on the server to about `buckets` points each. */
export const SeriesQuery = z.object({
  entity: z.string().min(1),
  project: z.string().min(1),
  runs: z.array(z.string().min(1)).min(1).max(MAX_SERIES_RUNS),
  keys: z.array(z.string().min(1)).min(1).max(MAX_SERIES_KEYS),
  xKey: z.literal('_step').default('_step'),
  range: z.object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() })
    .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, 'range.min must not exceed range.max')
    .optional(),
  buckets: z.number().int().min(1).max(MAX_BUCKETS).default(1000),
});
export type SeriesQuery = z.infer<typeof SeriesQuery>;

export interface SeriesAnswer {
  /** Shared bucket edges: bucket i is [start + i*width, start + (i+1)*width). Null when nothing was logged. */
  plan: StepBucketPlan | null;
  runs: { name: string; series: Record<string, BucketedSeries> }[];
}

/** Bucketed metric reads for charts (W&B's full fidelity: last value as the line, min/max as the band). */
export class MetricsService {
  constructor(
    private readonly meta: MetaStore,
    private readonly history: HistoryStore,
    private readonly access: AccessPolicy,
  ) {}

  async series(viewer: Viewer, input: unknown): Promise<SeriesAnswer> {
    const parsed = SeriesQuery.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalidInput(`invalid series query: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? ''}`);
    }
    const q = parsed.data;
    const { project } = await this.access.project(viewer, q.entity, q.project);
    const runs = await this.meta.findRuns(project.id, [...new Set(q.runs)]);
    const ids = runs.map((r) => r.id);
    // One plan for all keys and runs: the union of their step ranges, clipped to the requested range.
    let lo = Infinity;
    let hi = -Infinity;
    for (const key of q.keys) {
      const r = await this.history.stepRange(ids, key);
      if (r) {
        lo = Math.min(lo, r.lo);
        hi = Math.max(hi, r.hi);
      }
    }
    if (q.range?.min !== undefined) lo = q.range.min;
    if (q.range?.max !== undefined) hi = q.range.max;
    const answer: SeriesAnswer = { plan: null, runs: runs.map((r) => ({ name: r.name, series: {} })) };
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) return answer;
    const plan = planStepBuckets(lo, hi, q.buckets);
    answer.plan = plan;
    for (const key of q.keys) {
      const byRun = await this.history.bucketsMany(ids, key, plan);
      runs.forEach((run, i) => {
        const summaries = byRun.get(run.id);
        if (summaries && summaries.some((s) => s.count > 0)) answer.runs[i]!.series[key] = toColumns(plan, summaries);
      });
    }
    return answer;
  }

  /** A run's metric keys, sorted and paged, with an optional substring search (100k keys stay cheap). */
  async keys(viewer: Viewer, entity: string, projectName: string, runName: string, opts: { search?: string; after?: string; limit?: number }) {
    const { project } = await this.access.project(viewer, entity, projectName);
    const run = await this.meta.findRun(project.id, runName);
    if (!run) throw new DomainError(ErrorCodes.RUN_NOT_FOUND, `run ${entity}/${projectName}/${runName} not found`);
    const limit = Math.min(Math.max(opts.limit ?? 1000, 1), 10_000);
    return this.history.keys(run.id, { ...opts, limit });
  }
}
