import type { FastifyInstance } from 'fastify';
import { FileStreamRequest } from '@cairn/shared';
import { invalidInput } from '../core/errors.js';
import type { Services } from '../core/services.js';
import { requireViewer } from './request-context.js';

/** POST /files/{entity}/{project}/{run}/file_stream (protocol §4). Answers {"stopped": bool}. */
export function registerFileStreamRoute(app: FastifyInstance, services: Services, bodyLimit: number) {
  app.post<{ Params: { entity: string; project: string; run: string } }>(
    '/files/:entity/:project/:run/file_stream',
    { bodyLimit },
    async (request) => {
      const viewer = await requireViewer(request, services);
      const parsed = FileStreamRequest.safeParse(request.body ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw invalidInput(`malformed file_stream request: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim());
      }
      // Shared-mode writers each number their own lines; everyone else writes as the run's one writer.
      const asyncMode = String(request.headers['x-wandb-use-async-filestream'] ?? '').toLowerCase() === 'true';
      const writer = asyncMode ? String(request.headers['x-wandb-async-client-id'] ?? '') || 'async' : '';
      return services.fileStream.ingest(viewer, request.params, parsed.data, writer);
    },
  );
}
