import type { FastifyInstance, FastifyReply } from 'fastify';
import { encodeGqlId } from '@cairn/shared';
import { z } from 'zod';
import { invalidInput } from '../core/errors.js';
import type { TableSource } from '../core/media.js';
import { FILTER_OPS, TableFilter } from '../core/table-view.js';
import type { Services } from '../core/services.js';
import { requireViewer } from './request-context.js';

type RunParams = { entity: string; project: string; run: string };
const BASE = '/api/v1/media/:entity/:project/:run';

/** Types shown inline; anything else is sent as a download (a run file must not run as a page of this origin). */
const INLINE_TYPES: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', bmp: 'image/bmp',
};

const TableQuery = z.object({
  key: z.string().min(1),
  step: z.coerce.number().int().min(0).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  sort: z.string().optional(),
  desc: z.enum(['0', '1', 'true', 'false']).optional(),
  search: z.string().max(1000).optional(),
  /** JSON list of {column, op, value}; op one of FILTER_OPS. */
  filters: z.string().max(10_000).optional(),
});

const parse = <T>(schema: z.ZodType<T>, input: unknown, what: string): T => {
  const r = schema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw invalidInput(`invalid ${what}: ${issue?.path.join('.') || 'query'}: ${issue?.message ?? ''}`);
  }
  return r.data;
};

/**
 * Media of a run for the web UI: the media index, a value at a step, histograms over steps, table pages
 * (sorted/filtered/paged on the server) and the bytes of media files. Every route reads the run through
 * RunService (AccessPolicy: a run the caller cannot see is a 404 like a missing one).
 */
export function registerMediaRoutes(app: FastifyInstance, services: Services) {
  const { media } = services;
  const base = (p: RunParams) => `/api/v1/media/${[p.entity, p.project, p.run].map(encodeURIComponent).join('/')}`;
  const filePath = (p: RunParams, path: string) => `${base(p)}/file/${path.split('/').map(encodeURIComponent).join('/')}`;
  const srcOf = (p: RunParams, source: TableSource, path: string) => source.kind === 'artifact'
    ? `${base(p)}/artifact-file/${encodeURIComponent(encodeGqlId('Artifact', source.artifactId))}/${path.split('/').map(encodeURIComponent).join('/')}`
    : filePath(p, path);

  app.get<{ Params: RunParams }>(BASE, async (request) => {
    const viewer = await requireViewer(request, services);
    const { entity, project, run } = request.params;
    return { keys: await media.index(viewer, entity, project, run) };
  });

  app.get<{ Params: RunParams; Querystring: Record<string, string> }>(`${BASE}/value`, async (request) => {
    const viewer = await requireViewer(request, services);
    const q = parse(z.object({ key: z.string().min(1), step: z.coerce.number().int().min(0).optional() }), request.query, 'media query');
    const { entity, project, run } = request.params;
    const { step, value, steps } = await media.valueAt(viewer, entity, project, run, q.key, q.step);
    return { key: q.key, step, steps, value: withRunFileSrc(request.params, value) };
  });

  app.get<{ Params: RunParams; Querystring: Record<string, string> }>(`${BASE}/histograms`, async (request) => {
    const viewer = await requireViewer(request, services);
    const q = parse(z.object({ key: z.string().min(1), max: z.coerce.number().int().min(1).max(500).default(100) }), request.query, 'histogram query');
    const { entity, project, run } = request.params;
    return media.histograms(viewer, entity, project, run, q.key, q.max);
  });

  app.get<{ Params: RunParams; Querystring: Record<string, string> }>(`${BASE}/table`, async (request) => {
    const viewer = await requireViewer(request, services);
    const q = parse(TableQuery, request.query, 'table query');
    let filters: TableFilter[] | undefined;
    if (q.filters) {
      let raw: unknown;
      try {
        raw = JSON.parse(q.filters);
      } catch {
        throw invalidInput('invalid table query: filters: not JSON');
      }
      filters = parse(z.array(TableFilter).max(20), raw, `table filters (ops: ${FILTER_OPS.join(' ')})`);
    }
    const { entity, project, run } = request.params;
    const page = await media.tablePage(viewer, entity, project, run, q.key, {
      step: q.step, offset: q.offset, limit: q.limit, search: q.search, filters,
      sort: q.sort ? { column: q.sort, desc: q.desc === '1' || q.desc === 'true' } : undefined,
    });
    // Image cells get the URL their bytes are served at (the table's artifact, or the run's media files).
    const rows = page.rows.map((r) => ({
      index: r.index,
      cells: r.cells.map((c) => (isImageRef(c) ? { ...c, src: srcOf(request.params, page.source, c.path) } : c)),
    }));
    return { ...page, source: page.source.kind, rows };
  });

  app.get<{ Params: RunParams & { '*': string } }>(`${BASE}/file/*`, async (request, reply) => {
    const viewer = await requireViewer(request, services);
    const { entity, project, run } = request.params;
    const file = await media.openRunFile(viewer, entity, project, run, request.params['*']);
    return sendFile(reply, file);
  });

  app.get<{ Params: RunParams & { artifact: string; '*': string } }>(`${BASE}/artifact-file/:artifact/*`, async (request, reply) => {
    const viewer = await requireViewer(request, services);
    const { entity, project, run, artifact } = request.params;
    const file = await media.openArtifactFile(viewer, entity, project, run, artifact, request.params['*']);
    return sendFile(reply, file);
  });

  /** Image values name run files: add the URL each is served at. */
  function withRunFileSrc(p: RunParams, value: unknown): unknown {
    if (isImageRef(value)) return { ...value, src: filePath(p, value.path) };
    const v = value as { _type?: unknown; filenames?: unknown };
    if (v && typeof v === 'object' && v._type === 'images/separated' && Array.isArray(v.filenames)) {
      return { ...v, srcs: v.filenames.map((f) => (typeof f === 'string' ? filePath(p, f) : null)) };
    }
    return value;
  }
}

function isImageRef(v: unknown): v is { _type: 'image-file'; path: string } {
  return !!v && typeof v === 'object' && (v as { _type?: unknown })._type === 'image-file' && typeof (v as { path?: unknown }).path === 'string';
}

function sendFile(reply: FastifyReply, file: { name: string; size: number; body: NodeJS.ReadableStream }) {
  const ext = file.name.split('.').pop()?.toLowerCase() ?? '';
  const inline = INLINE_TYPES[ext];
  reply.header('Content-Type', inline ?? 'application/octet-stream')
    .header('X-Content-Type-Options', 'nosniff')
    .header('Content-Security-Policy', "default-src 'none'; sandbox")
    // Logged media never change under a name (the SDK puts the content hash in it); the session may end, so private.
    .header('Cache-Control', 'private, max-age=3600');
  if (!inline) reply.header('Content-Disposition', `attachment; filename="${file.name.split('/').pop()!.replace(/[^\w.-]/g, '_')}"`);
  return reply.send(file.body);
}
