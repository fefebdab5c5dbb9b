import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ZipFile } from 'yazl';
import { z } from 'zod';
import type { VersionArchive } from '../core/artifact-archive.js';
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

  /**
   * The whole version as one zip, streamed (files stored, not deflated: artifact bytes are often compressed
   * already, and the CPU is shared). Reference entries are listed in references.json, never fetched.
   */
  app.get<{ Params: { id: string } }>('/api/v1/artifacts/:id/archive', async (request, reply) => {
    const viewer = await requireViewer(request, services);
    const archive = await services.artifactArchive.open(viewer, request.params.id);
    const zip = new ZipFile();
    const out = new PassThrough();
    zip.outputStream.pipe(out);
    zip.on('error', (e: unknown) => {
      request.log.warn({ err: e }, 'version archive aborted');
      out.destroy(e instanceof Error ? e : new Error(String(e)));
    });
    // A client that goes away mid-download stops the listing and closes the blob being read.
    const gone = new AbortController();
    reply.raw.on('close', () => { if (!reply.raw.writableFinished) gone.abort(); });
    void fillArchive(zip, archive, gone.signal).catch((e: unknown) => zip.emit('error', e));
    return reply.header('Content-Type', 'application/zip')
      .header('Content-Disposition', `attachment; filename="${archive.name}.zip"`)
      .header('Cache-Control', 'private, no-store')
      .send(out);
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

/** An entry path inside the archive's folder: no absolute path, no `..` climbing out (yazl refuses those). */
export function archiveEntryPath(folder: string, path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.').map((p) => (p === '..' ? '__' : p));
  return `${folder}/${parts.join('/') || '_'}`;
}

async function fillArchive(zip: ZipFile, archive: VersionArchive, signal: AbortSignal) {
  const options = { mtime: archive.createdAt, compress: false };
  // yazl reads one entry at a time: the blob open now is the one to close if the client goes away.
  let reading: { destroy(): void } | null = null;
  signal.addEventListener('abort', () => reading?.destroy(), { once: true });
  for await (const f of archive.files()) {
    if (signal.aborted) return;
    zip.addReadStreamLazy(archiveEntryPath(archive.name, f.path), { ...options, size: f.size }, (cb) => {
      if (signal.aborted) return cb(new Error('client went away'), undefined as never);
      f.open().then((s) => { reading = s; cb(null, s); }, (e: unknown) => cb(e, undefined as never));
    });
  }
  const references = archive.references();
  if (references.length > 0) {
    const manifest = {
      note: 'Reference entries of this version: their bytes live at the URI given and are not in this archive.',
      references: references.map((r) => ({ path: r.path, ref: r.ref, digest: r.digest, size: r.size })),
    };
    zip.addBuffer(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), `${archive.name}.references.json`, options);
  }
  zip.end();
}
