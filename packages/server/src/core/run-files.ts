import path from 'node:path';
import type { Readable } from 'node:stream';
import type { RunId } from '@cairn/shared';
import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes } from './errors.js';
import type { BlobStore, MetaStore, RunFile } from './ports.js';
import type { RunService } from './runs.js';
import type { UrlSigner } from './url-signer.js';

const RUN_FILE_KEY = /^runs\/(\d+)\/files\/(.+)$/;
const runFileKey = (runId: RunId, name: string) => `runs/${runId}/files/${name}`;

/**
 * A run-relative path the SDK may upload: no traversal, no absolute paths, no NUL, and every segment a
 * real name (no '', '.', '..': "a/" or "./" would name a folder, not a file).
 */
export function isSafeRunFileName(name: string): boolean {
  if (name === '' || name.length > 1024 || name.includes('\0') || name.includes('\\')) return false;
  if (name.startsWith('/')) return false;
  const normal = path.posix.normalize(name);
  return normal === name && !normal.split('/').some((segment) => segment === '' || segment === '.' || segment === '..');
}

/** Paths (relative to the server's base URL) for signed transfers; http/ makes them absolute. */
export const uploadPath = (token: string) => `/storage/upload/${token}`;
export const downloadPath = (token: string, fileName: string) =>
  `/storage/download/${token}/${encodeURIComponent(path.posix.basename(fileName))}`;

export class RunFileService {
  constructor(
    private readonly meta: MetaStore,
    private readonly blobs: BlobStore,
    private readonly runs: RunService,
    private readonly signer: UrlSigner,
  ) {}

  /**
   * `createRunFiles`: one PUT URL per requested file, in request order (protocol §5.1): the object store's own
   * presigned URL where it has one (the bytes never pass through Cairn), else a Cairn-signed one.
   * `uploadPath` is then absolute; http/ makes relative paths absolute.
   */
  async createUploadUrls(viewer: Viewer, entity: string, project: string, runName: string, names: string[]) {
    const { run } = await this.runs.get(viewer, entity, project, runName, 'write');
    const files = [];
    for (const name of names) {
      // An unsafe name gets no URL: the SDK skips that file and uploads the rest.
      if (!isSafeRunFileName(name)) {
        files.push({ name, uploadPath: null });
        continue;
      }
      const key = runFileKey(run.id, name);
      files.push({
        name,
        uploadPath: this.blobs.presignedUrl
          ? await this.blobs.presignedUrl(key, 'PUT', this.signer.ttl)
          : uploadPath(this.signer.sign('PUT', key)),
      });
    }
    return { runId: run.id, files };
  }

  async markUploaded(viewer: Viewer, entity: string, project: string, runName: string, names: string[]) {
    const { run } = await this.runs.get(viewer, entity, project, runName, 'write');
    await this.recordUploaded(run.id, names);
  }

  /**
   * Files the client reports as uploaded (file_stream `uploaded`, markRunFilesUploaded). Bytes PUT straight to
   * the object store were never seen by Cairn: their size and MD5 come from the store, and a name with no
   * object behind it records nothing.
   */
  async recordUploaded(runId: RunId, names: string[]): Promise<void> {
    if (!this.blobs.presignedUrl) {
      await this.meta.markRunFilesUploaded(runId, names);
      return;
    }
    for (const name of names) {
      if (!isSafeRunFileName(name)) continue;
      const key = runFileKey(runId, name);
      const info = await this.blobs.head(key);
      if (!info) continue;
      const existing = await this.meta.findRunFile(runId, name);
      await this.meta.upsertRunFile({
        runId, name, blobKey: key, sizeBytes: info.size, md5: info.md5, mimetype: existing?.mimetype ?? null, uploaded: true,
      });
    }
  }

  /** Receives the bytes of a signed upload. The token was checked by the caller; the key says what it is. */
  async receiveUpload(key: string, body: Readable, contentType: string | undefined): Promise<void> {
    const info = await this.blobs.put(key, body);
    const m = RUN_FILE_KEY.exec(key);
    if (m) {
      await this.meta.upsertRunFile({
        runId: Number(m[1]) as RunId, name: m[2]!, blobKey: key, sizeBytes: info.size, md5: info.md5,
        mimetype: contentType ?? null, uploaded: true,
      });
    }
  }

  async list(viewer: Viewer, entity: string, project: string, runName: string): Promise<RunFile[]> {
    const { run } = await this.runs.get(viewer, entity, project, runName);
    return this.filesOf(run.id);
  }

  /** A run's files (the caller has checked access to the run). */
  async filesOf(runId: RunId): Promise<RunFile[]> {
    const files = await this.meta.listRunFiles(runId);
    if (!this.blobs.presignedUrl) return files;
    // Bytes PUT straight to the store by a client that never reported them (a raw PUT, an SDK that died
    // before its next file_stream request) are files all the same, as they are when Cairn receives the PUT.
    const recorded = new Set(files.filter((f) => f.uploaded).map((f) => f.name));
    const prefix = runFileKey(runId, '');
    const unrecorded = [];
    for await (const key of this.blobs.list(prefix)) {
      const name = key.slice(prefix.length);
      if (!recorded.has(name) && isSafeRunFileName(name)) unrecorded.push(name);
    }
    if (unrecorded.length === 0) return files;
    await this.recordUploaded(runId, unrecorded);
    return this.meta.listRunFiles(runId);
  }

  /** A GET URL for the file: presigned by the object store where it can (absolute), else Cairn-signed (a path). */
  async downloadUrlFor(file: RunFile): Promise<string> {
    if (this.blobs.presignedUrl) {
      return this.blobs.presignedUrl(file.blobKey, 'GET', this.signer.ttl, { downloadName: path.posix.basename(file.name) });
    }
    return downloadPath(this.signer.sign('GET', file.blobKey), file.name);
  }

  async open(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    // Not head(): on the fs store it hashes the whole blob, which every ranged GET of a large file would repeat.
    try {
      return await this.blobs.get(key, range);
    } catch (e) {
      if (e instanceof DomainError && e.code === ErrorCodes.NOT_FOUND) throw new DomainError(ErrorCodes.NOT_FOUND, 'file not found');
      throw e;
    }
  }
}
