import { createGunzip } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FileStreamRequest } from '@cairn/shared';
import { DomainError, ErrorCodes, invalidInput } from '../core/errors.js';
import type { Services } from '../core/services.js';
import { requireViewer } from './request-context.js';

/** POST /files/{entity}/{project}/{run}/file_stream (protocol §4). Answers {"stopped": bool}. */
export function registerFileStreamRoute(app: FastifyInstance, services: Services, bodyLimit: number) {
  app.post<{ Params: { entity: string; project: string; run: string } }>(
    '/files/:entity/:project/:run/file_stream',
    { bodyLimit, preParsing: async (request, _reply, payload) => decodeBody(request, payload) },
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

/**
 * wandb-core gzips file_stream bodies when the server advertises FILESTREAM_GZIP and the client opted in
 * (protocol §4). Fastify then applies bodyLimit to the decoded bytes (so a small bomb cannot grow past
 * it), checks Content-Length against receivedEncodedLength, and answers a corrupt stream with 400.
 */
function decodeBody(request: FastifyRequest, payload: NodeJS.ReadableStream): NodeJS.ReadableStream {
  const encoding = String(request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return payload;
  if (encoding !== 'gzip') {
    throw new DomainError(ErrorCodes.INVALID_INPUT, `unsupported Content-Encoding ${JSON.stringify(encoding)} (use gzip or none)`);
  }
  const gunzip = createGunzip();
  const decoded = gunzip as typeof gunzip & { receivedEncodedLength: number };
  decoded.receivedEncodedLength = 0;
  payload.on('data', (chunk: Buffer) => {
    decoded.receivedEncodedLength += chunk.length;
  });
  payload.on('error', (err) => gunzip.destroy(err));
  payload.pipe(gunzip);
  return gunzip;
}
