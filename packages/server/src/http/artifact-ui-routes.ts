import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { invalidInput } from '../core/errors.js';
import type { Services } from '../core/services.js';
import { baseUrlOf, requireViewer } from './request-context.js';

/** Artifact JSON routes for the web UI: a version's folder tree a page at a time, and alias permissions. */
export function registerArtifactUiRoutes(app: FastifyInstance, services: Services, publicUrl: string | undefined) {
  app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>('/api/v1/artifacts/:id/files', async (request) => {
    const viewer = await requireViewer(request, services);
    const q = FilesQuery.safeParse(request.query);
    if (!q.success) {
      const issue = q.error.issues[0];
      throw invalidInput(`invalid files query: ${issue?.path.join('.') || 'query'}: ${issue?.message ?? ''}`);
    }
    const page = await services.artifactBrowser.files(viewer, request.params.id, q.data);
    // Cairn-signed download URLs are paths; presigned object-store URLs are already absolute.
    const base = baseUrlOf(request, publicUrl);
    return {
      ...page,
      entries: page.entries.map((e) => ('url' in e && e.url && !/^https?:\/\//i.test(e.url) ? { ...e, url: base + e.url } : e)),
    };
  });

  app.get<{ Params: { entity: string; project: string } }>('/api/v1/projects/:entity/:project/alias-permissions', async (request) => {
    const viewer = await requireViewer(request, services);
    return services.artifactBrowser.aliasPermissions(viewer, request.params.entity, request.params.project);
  });
}

const FilesQuery = z.object({
  prefix: z.string().max(4096).default('').refine((p) => p === '' || p.endsWith('/'), 'a folder path ends with /'),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
