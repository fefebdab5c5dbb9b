import type { FastifyInstance } from 'fastify';
import { toStrictJson } from '@cairn/shared';
import { z } from 'zod';
import { invalidInput } from '../core/errors.js';
import type { Run } from '../core/ports.js';
import type { Services } from '../core/services.js';
import { requireViewer } from './request-context.js';

/**
 * JSON API for the web UI. Chart data is columnar and already reduced to about the chart's pixel width
 * (design.md §5.11). Authenticated by API key today; web sessions come with the UI.
 */
export function registerUiApiRoutes(app: FastifyInstance, services: Services) {
  app.post('/api/v1/series', { bodyLimit: 1024 * 1024 }, async (request) => {
    const viewer = await requireViewer(request, services);
    return services.metrics.series(viewer, request.body);
  });

  /** Several charts of one project in one request (a workspace's visible panels); answers in query order. */
  app.post('/api/v1/series/batch', { bodyLimit: 1024 * 1024 }, async (request) => {
    const viewer = await requireViewer(request, services);
    return services.metrics.seriesBatch(viewer, request.body);
  });

  /** System metrics (events stream) of a few runs, bucketed over _runtime, with the keys present. */
  app.post('/api/v1/system-series', { bodyLimit: 64 * 1024 }, async (request) => {
    const viewer = await requireViewer(request, services);
    return services.metrics.systemSeries(viewer, request.body);
  });

  /** The runs table: a MongoDB-style filter, any column/config/summary sort, one page, and the total. */
  app.post('/api/v1/runs', { bodyLimit: 1024 * 1024 }, async (request) => {
    const viewer = await requireViewer(request, services);
    const q = RunsTableQuery.safeParse(request.body);
    if (!q.success) {
      const issue = q.error.issues[0];
      throw invalidInput(`invalid runs query: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? ''}`);
    }
    const { entity, project, order, offset, limit } = q.data;
    const filters = q.data.filters === undefined ? null : typeof q.data.filters === 'string' ? q.data.filters : JSON.stringify(q.data.filters);
    const [page, total] = await Promise.all([
      services.runs.query(viewer, entity, project, { filters, order: order ?? null, offset, limit }),
      services.runs.count(viewer, entity, project, filters),
    ]);
    return { total, runs: page.map(({ run }) => runRow(run)) };
  });

  /** Artifact bytes of a project over time (logical and after dedup), for the storage page's growth chart. */
  app.get<{ Params: { entity: string; project: string } }>('/api/v1/projects/:entity/:project/storage/history', async (request) => {
    const viewer = await requireViewer(request, services);
    return services.artifacts.storageHistory(viewer, request.params.entity, request.params.project);
  });

  /** Artifact storage of a project: bytes as logged, bytes stored after dedup, per collection. */
  app.get<{ Params: { entity: string; project: string } }>('/api/v1/projects/:entity/:project/storage', async (request) => {
    const viewer = await requireViewer(request, services);
    return services.artifacts.storageUsage(viewer, request.params.entity, request.params.project);
  });

  /** The first page of several runs' metric keys at once (the runs a workspace charts), keyed by run name. */
  app.post('/api/v1/metric-keys/batch', { bodyLimit: 64 * 1024 }, async (request) => {
    const viewer = await requireViewer(request, services);
    return services.metrics.keysBatch(viewer, request.body);
  });

  app.get<{ Params: { entity: string; project: string; run: string }; Querystring: { search?: string; after?: string; limit?: string } }>(
    '/api/v1/runs/:entity/:project/:run/keys',
    async (request) => {
      const viewer = await requireViewer(request, services);
      const { search, after, limit } = request.query;
      const n = limit === undefined ? undefined : Number(limit);
      return services.metrics.keys(viewer, request.params.entity, request.params.project, request.params.run, {
        ...(search ? { search } : {}), ...(after ? { after } : {}), ...(n !== undefined && Number.isFinite(n) ? { limit: n } : {}),
      });
    },
  );
}

const RunsTableQuery = z.object({
  entity: z.string().min(1),
  project: z.string().min(1),
  filters: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  order: z.string().optional(),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(100),
});

/** A runs-table row: config unwrapped from {"k": {"value": v}}, summary as strict JSON (NaN/±Inf → null). */
function runRow(run: Run) {
  const config = JSON.parse(toStrictJson(run.config)) as Record<string, { value?: unknown }>;
  return {
    name: run.name, displayName: run.displayName, state: run.state, createdAt: run.createdAt.toISOString(),
    heartbeatAt: run.heartbeatAt.toISOString(), tags: run.tags, group: run.groupName, jobType: run.jobType,
    notes: run.notes, host: run.host,
    config: Object.fromEntries(Object.entries(config).filter(([k]) => k !== '_wandb').map(([k, v]) => [k, v?.value ?? null])),
    summary: JSON.parse(toStrictJson(run.summary)) as Record<string, unknown>,
  };
}
