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

  /** `createRunFiles`: one signed PUT URL per requested file, in request order (protocol §5.1). */
  async createUploadUrls(viewer: Viewer, entity: string, project: string, runName: string, names: string[]) {
    const { run } = await this.runs.get(viewer, entity, project, runName, 'write');
    return {
      runId: run.id,
      files: names.map((name) => ({
        name,
        // An unsafe name gets no URL: the SDK skips that file and uploads the rest.
        uploadPath: isSafeRunFileName(name) ? uploadPath(this.signer.sign('PUT', runFileKey(run.id, name))) : null,
      })),
    };
  }

  async markUploaded(viewer: Viewer, entity: string, project: string, runName: string, names: string[]) {
    const { run } = await this.runs.get(viewer, entity, project, runName, 'write');
    await this.meta.markRunFilesUploaded(run.id, names);
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
    return this.meta.listRunFiles(run.id);
  }

  downloadPathFor(file: RunFile): string {
    return downloadPath(this.signer.sign('GET', file.blobKey), file.name);
  }

  async open(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    if (!(await this.blobs.head(key))) throw new DomainError(ErrorCodes.NOT_FOUND, 'file not found');
    return this.blobs.get(key, range);
  }
}
