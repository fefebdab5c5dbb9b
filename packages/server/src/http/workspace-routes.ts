import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { invalidInput } from '../core/errors.js';
import type { Services } from '../core/services.js';
import { requireViewer } from './request-context.js';

/** Workspace JSON routes for the web UI: runs-table groups and the per-user workspace layout. */
export function registerWorkspaceRoutes(app: FastifyInstance, services: Services) {
  /** Group rows of the runs table: each value of `groupBy` among the filtered runs, with its run count. */
  app.post('/api/v1/runs/groups', { bodyLimit: 1024 * 1024 }, async (request) => {
    const viewer = await requireViewer(request, services);
    const q = RunGroupsQuery.safeParse(request.body);
    if (!q.success) {
      const issue = q.error.issues[0];
      throw invalidInput(`invalid runs groups query: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? ''}`);
    }
    const { entity, project, groupBy, limit } = q.data;
    const filters = q.data.filters === undefined ? null : typeof q.data.filters === 'string' ? q.data.filters : JSON.stringify(q.data.filters);
    return { groups: await services.runs.groups(viewer, entity, project, { filters, groupBy, limit }) };
  });

  type ProjectParams = { Params: { entity: string; project: string } };
  app.get<ProjectParams>('/api/v1/projects/:entity/:project/layout', async (request) => {
    const viewer = await requireViewer(request, services);
    return services.workspaceLayouts.get(viewer, request.params.entity, request.params.project);
  });
  app.put<ProjectParams>('/api/v1/projects/:entity/:project/layout', { bodyLimit: 512 * 1024 }, async (request) => {
    const viewer = await requireViewer(request, services);
    return services.workspaceLayouts.put(viewer, request.params.entity, request.params.project, request.body);
  });
  app.delete<ProjectParams>('/api/v1/projects/:entity/:project/layout', async (request, reply) => {
    const viewer = await requireViewer(request, services);
    await services.workspaceLayouts.reset(viewer, request.params.entity, request.params.project);
    return reply.code(204).send();
  });
}

const RunGroupsQuery = z.object({
  entity: z.string().min(1),
  project: z.string().min(1),
  filters: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  groupBy: z.string().min(1).max(512),
  limit: z.number().int().min(1).max(1000).default(200),
});
