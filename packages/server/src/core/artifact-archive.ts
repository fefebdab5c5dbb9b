import type { Readable } from 'node:stream';
import { contentKey, type ArtifactService } from './artifacts.js';
import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes } from './errors.js';
import type { ArtifactFileEntry, BlobStore } from './ports.js';

/** A reference entry: its bytes live where it points (s3://, gs://, https://, file://), so the archive only lists it. */
export interface ArchiveReference { path: string; ref: string; digest: string; size: number }

export interface VersionArchive {
  /** `<collection>-v<N>`: the archive's file name (without .zip) and the folder the files sit in. */
  name: string;
  createdAt: Date;
  fileCount: number;
  /** Files with bytes here, a chunk at a time, in path order; each opened only when read. */
  files(): AsyncIterable<{ path: string; size: number; md5Hex: string; open(): Promise<Readable> }>;
  /** The version's reference entries (all of them, for the manifest written after the files). */
  references(): ArchiveReference[];
}

const LIST_CHUNK = 5000;

/**
 * A whole committed version as one download: its files' bytes, read from the blob store one at a time, and its
 * reference entries collected for a manifest instead of being fetched (Cairn never follows them). Access is
 * the artifact service's: what the viewer cannot read is "not found", like a single-file download.
 */
export class ArtifactArchiveService {
  constructor(private readonly artifacts: ArtifactService, private readonly blobs: BlobStore) {}

  async open(viewer: Viewer, artifactGqlId: string): Promise<VersionArchive> {
    const found = await this.artifacts.byId(viewer, artifactGqlId);
    if (!found || found.artifact.state !== 'COMMITTED') throw new DomainError(ErrorCodes.NOT_FOUND, 'artifact not found');
    const { artifact } = found;
    const store = this.artifacts.artifactStore;
    const collection = await store.findCollectionById(artifact.sequenceId);
    const name = `${collection?.name ?? 'artifact'}-v${artifact.versionIndex ?? 0}`.replace(/[^\w.-]+/g, '_');
    const refs: ArchiveReference[] = [];
    const blobs = this.blobs;
    return {
      name, createdAt: artifact.createdAt, fileCount: artifact.fileCount,
      async *files() {
        for (let offset = 0; ; offset += LIST_CHUNK) {
          const chunk: ArtifactFileEntry[] = await store.listFiles(artifact.id, { offset, limit: LIST_CHUNK });
          for (const f of chunk) {
            if (f.ref !== null) {
              refs.push({ path: f.name, ref: f.ref, digest: f.digest, size: f.size });
              continue;
            }
            const md5Hex = Buffer.from(f.digest, 'base64').toString('hex');
            yield { path: f.name, size: f.size, md5Hex, open: () => blobs.get(contentKey(md5Hex)) };
          }
          if (chunk.length < LIST_CHUNK) break;
        }
      },
      references: () => refs,
    };
  }
}
