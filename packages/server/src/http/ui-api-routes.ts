import type { FastifyInstance } from 'fastify';
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
