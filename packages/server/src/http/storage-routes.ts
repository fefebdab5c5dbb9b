import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { DomainError, ErrorCodes } from '../core/errors.js';
import type { Services } from '../core/services.js';

const forbidden = () => new DomainError(ErrorCodes.FORBIDDEN, 'this URL is invalid or has expired: request a new one');

/** Parses `bytes=a-b` / `bytes=a-`; null for anything else (then the whole blob is sent). */
function parseRange(header: string | undefined): { start: number; end?: number } | null {
  const m = header ? /^bytes=(\d+)-(\d*)$/.exec(header.trim()) : null;
  if (!m) return null;
  return { start: Number(m[1]), ...(m[2] ? { end: Number(m[2]) } : {}) };
}

/**
 * Signed upload and download URLs (the fs BlobStore has no URLs of its own). The token in the path is the
 * whole authorisation: one method, one blob key, an expiry. Bodies stream straight to the BlobStore.
 */
export async function registerStorageRoutes(app: FastifyInstance, services: Services) {
  await app.register(async (scope) => {
    // Multipart part uploads may carry an empty Content-Type: bytes are bytes here.
    scope.addHook('onRequest', async (request) => {
      if (request.headers['content-type'] === '') request.headers['content-type'] = 'application/octet-stream';
    });
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

    scope.put<{ Params: { token: string } }>('/storage/upload/:token', async (request, reply) => {
      const grant = services.signer.verify(request.params.token, 'PUT');
      if (!grant) throw forbidden();
      const body = (request.body as Readable | undefined) ?? Readable.from([]);
      const contentMd5 = request.headers['content-md5'];
      const stored = await services.artifacts.receiveUpload(grant.key, body, typeof contentMd5 === 'string' ? contentMd5 : undefined);
      if (!stored) await services.runFiles.receiveUpload(grant.key, body, request.headers['content-type']);
      // The ETag is the hex MD5 of what was stored: multipart clients hand it back to complete the upload.
      return reply.code(200).header('ETag', `"${stored ? stored.md5Hex : 'ok'}"`).send({});
    });

    scope.get<{ Params: { token: string; name: string } }>('/storage/download/:token/:name', async (request, reply) => {
      const grant = services.signer.verify(request.params.token, 'GET');
      if (!grant) throw forbidden();
      const range = parseRange(request.headers.range);
      const stream = await services.runFiles.open(grant.key, range ?? undefined);
      if (range) reply.code(206);
      return reply.header('Content-Type', 'application/octet-stream').send(stream);
    });
  });
}
