import type { Readable } from 'node:stream';
import { decodeGqlId } from '@cairn/shared';
import type { AccessPolicy } from './access.js';
import { contentKey } from './artifacts.js';
import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes } from './errors.js';
import type { ArtifactStore, BlobStore, ContentScope, MetaStore } from './ports.js';

/**
 * One artifact file as the SDK's fallback URLs name it (storage_policies/wandb_storage_policy.py `_file_url`):
 * V1 `/artifacts/{entity}/{md5}`; V2 `/artifactsV2/{region}/{entity}/{birthId}/{md5}` (no server features),
 * `…/{entity}/{project}/{collection}/{birthId}/{md5}/{name}` (ARTIFACT_COLLECTION_MEMBERSHIP_FILE_DOWNLOAD_HANDLER)
 * and `…/{collection}/{artifactId}/{birthId}/{md5}/{name}` (ARTIFACT_V2_DOWNLOAD_HANDLER_SUPPORTS_ARTIFACT_ID).
 */
export interface FallbackFile {
  entity: string;
  project?: string;
  collection?: string;
  /** The GraphQL id of the version being downloaded ('' when the SDK had none). */
  artifactId?: string;
  md5Hex: string;
}

/** Redirect targets are used at once: a few minutes covers a slow start. */
const DIRECT_URL_TTL_SECONDS = 15 * 60;

/** Everything the caller may not read answers exactly like what does not exist. */
const notFound = () => new DomainError(ErrorCodes.NOT_FOUND, 'artifact file not found');

/**
 * The fallback download route's core: the SDK uses it when a manifest entry has no signed URL of its own
 * (e.g. `artifact.get_entry(name).download()`), authorised by the caller's API key. Bytes are served when a
 * live (committed) version the caller can read lists them in the scope the URL names.
 */
export class ArtifactDownloads {
  constructor(
    private readonly meta: MetaStore,
    private readonly store: ArtifactStore,
    private readonly blobs: BlobStore,
    private readonly access: AccessPolicy,
  ) {}

  /** The file's size, or NOT_FOUND. */
  async find(viewer: Viewer, file: FallbackFile): Promise<{ size: number; key: string }> {
    if (!/^[0-9a-f]{32}$/.test(file.md5Hex)) throw notFound();
    const scope = await this.scopeOf(viewer, file).catch((e: unknown) => {
      if (e instanceof DomainError && e.code.endsWith('NOT_FOUND')) throw notFound();
      throw e;
    });
    const digest = Buffer.from(file.md5Hex, 'hex').toString('base64');
    const held = scope ? await this.store.contentHeld(digest, scope) : null;
    if (!held) throw notFound();
    const key = contentKey(file.md5Hex);
    const stored = await this.store.findContent(file.md5Hex);
    if (!stored?.stored) throw notFound();
    return { size: stored.size ?? held.size, key };
  }

  /**
   * Where the object store serves the bytes itself (S3): a short-lived presigned GET the route redirects to,
   * so the bytes never pass through Cairn. Null = Cairn streams them (open).
   */
  async directUrl(key: string): Promise<string | null> {
    return this.blobs.presignedUrl ? this.blobs.presignedUrl(key, 'GET', DIRECT_URL_TTL_SECONDS) : null;
  }

  async open(key: string, range?: { start: number; end: number }): Promise<Readable> {
    return this.blobs.get(key, range);
  }

  private async scopeOf(viewer: Viewer, file: FallbackFile): Promise<ContentScope | null> {
    if (file.artifactId) {
      // The version itself: readable by the caller, wherever the path says it is.
      const decoded = decodeGqlId(file.artifactId, 'Artifact');
      const artifact = decoded ? await this.store.findArtifact(decoded.id) : null;
      if (!artifact || artifact.state !== 'COMMITTED') return null;
      const project = await this.meta.findProjectById(artifact.projectId);
      const entity = project ? await this.meta.findEntityById(project.entityId) : null;
      if (!project || !entity || !(await this.access.canReadProject(viewer, entity, project))) return null;
      return { artifactId: artifact.id };
    }
    if (file.project !== undefined && file.collection !== undefined) {
      const { project } = await this.access.project(viewer, file.entity, file.project);
      const collection = await this.store.findCollection(project.id, file.collection);
      return collection ? { collectionId: collection.id } : null;
    }
    // Only in the entity's projects the caller may read (project visibility: not a restricted project it is
    // not named on; a public one of an entity it cannot otherwise read).
    const entity = await this.meta.findEntityByName(file.entity);
    const readable = entity ? await this.access.readableProjects(viewer, entity) : [];
    if (readable.length === 0) {
      await this.access.entity(viewer, file.entity); // not readable at all: the usual not-found
      return null;
    }
    return { projectIds: readable.map((p) => p.id) };
  }
}
