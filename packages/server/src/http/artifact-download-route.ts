import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FallbackFile } from '../core/artifact-downloads.js';
import type { Services } from '../core/services.js';
import { requireViewer } from './request-context.js';

/**
 * The path segments after `/artifactsV2/` → the file they name, or null. Forms by segment count (see
 * FallbackFile); the region is ignored (one store), the birth artifact id too (access is decided by the
 * version or collection named, not by where the bytes were first logged).
 */
export function parseArtifactsV2Path(segments: string[]): FallbackFile | null {
  const [, entity] = segments;
  if (!entity) return null;
  switch (segments.length) {
    case 4: return { entity, md5Hex: segments[3]! };
    case 7: return { entity, project: segments[2]!, collection: segments[3]!, md5Hex: segments[5]! };
    case 8: return { entity, project: segments[2]!, collection: segments[3]!, artifactId: segments[4]!, md5Hex: segments[6]! };
    default: return null;
  }
}

/** A single `Range: bytes=…` against a file of `size` bytes: the inclusive span, 'unsatisfiable', or null (send all). */
export function parseByteRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // several ranges or garbage: the whole file, as RFC 9110 allows
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** Path segments of the request URL, each percent-decoded (a quoted '/' inside a segment stays inside it). */
function segmentsAfter(request: FastifyRequest, prefix: string): string[] | null {
  const path = (request.raw.url ?? '').split('?', 1)[0]!;
  if (!path.startsWith(prefix)) return null;
  try {
    return path.slice(prefix.length).split('/').map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
}

/**
 * `GET /artifactsV2/…` and `GET /artifacts/{entity}/{md5}`: the SDK's fallback artifact file downloads
 * (protocol §1.1, §6.6), authorised by the caller's API key (Basic `api:<key>` or Bearer). What the caller
 * cannot read is 404 exactly like what does not exist. Single byte ranges are honoured (206).
 */
export function registerArtifactDownloadRoutes(app: FastifyInstance, services: Services) {
  const serve = async (request: FastifyRequest, reply: FastifyReply, file: FallbackFile | null) => {
    const viewer = await requireViewer(request, services);
    const found = await services.artifactDownloads.find(viewer, file ?? { entity: '', md5Hex: '' });
    const range = parseByteRange(request.headers.range, found.size);
    reply.header('Accept-Ranges', 'bytes').header('Content-Type', 'application/octet-stream');
    if (range === 'unsatisfiable') {
      return reply.code(416).header('Content-Range', `bytes */${found.size}`).send();
    }
    // An object store with URLs of its own serves the bytes (ranges too: the client re-sends Range).
    const direct = await services.artifactDownloads.directUrl(found.key);
    if (direct) return reply.redirect(direct, 302);
    if (range) {
      reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${found.size}`)
        .header('Content-Length', String(range.end - range.start + 1));
      return reply.send(await services.artifactDownloads.open(found.key, range));
    }
    reply.header('Content-Length', String(found.size));
    return reply.send(await services.artifactDownloads.open(found.key));
  };

  app.get('/artifactsV2/*', async (request, reply) => {
    const segments = segmentsAfter(request, '/artifactsV2/');
    return serve(request, reply, segments ? parseArtifactsV2Path(segments) : null);
  });
  app.get<{ Params: { entity: string; md5: string } }>('/artifacts/:entity/:md5', async (request, reply) =>
    serve(request, reply, { entity: request.params.entity, md5Hex: request.params.md5 }));
}
