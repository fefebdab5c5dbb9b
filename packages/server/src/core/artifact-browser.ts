import type { AccessPolicy } from './access.js';
import { isRegistryProject, REGISTRY_PROJECT_PREFIX, type AliasProtection } from './alias-protection.js';
import type { ArtifactService } from './artifacts.js';
import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import { ArtifactTreeCache, type TreeEntry } from './artifact-tree.js';

export interface FileTreePage {
  prefix: string;
  total: number;
  offset: number;
  /** Files and bytes under the folder (all depths). */
  fileCount: number;
  bytes: number;
  entries: (TreeEntry & { url?: string | null; md5Hex?: string | null })[];
}

export interface AliasPermissions {
  /** The aliases only registry admins may change here (none outside registries). */
  protectedAliases: string[];
  /** May add/remove aliases and tags, edit the description. */
  canWrite: boolean;
  /** May add, move or remove the protected aliases. */
  canChangeProtected: boolean;
  /** Why a control is off, in words for the person looking at it; null when everything is allowed. */
  reason: string | null;
}

const MAX_PAGE = 1000;
/** Files held by the tree cache across versions (about 200 bytes each). */
const CACHE_FILES = 400_000;
const LOAD_CHUNK = 10_000;

/**
 * What the web UI's artifact pages need beyond the GraphQL schema: a version's files as a folder tree read a page
 * at a time, and what the viewer may change about a version's aliases (so a control can be shown disabled with the
 * reason instead of failing when clicked). Access is the artifact service's and the access policy's.
 */
export class ArtifactBrowser {
  private readonly trees = new ArtifactTreeCache(CACHE_FILES);

  constructor(
    private readonly artifacts: ArtifactService,
    private readonly access: AccessPolicy,
    private readonly protection: AliasProtection,
  ) {}

  async files(viewer: Viewer, artifactGqlId: string, q: { prefix: string; offset: number; limit: number }): Promise<FileTreePage> {
    if (!Number.isInteger(q.offset) || q.offset < 0) throw invalidInput('offset must be a whole number ≥ 0');
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_PAGE) throw invalidInput(`limit must be 1..${MAX_PAGE}`);
    const found = await this.artifacts.byId(viewer, artifactGqlId);
    // Not readable and not there look the same.
    if (!found || found.artifact.state !== 'COMMITTED') throw new DomainError(ErrorCodes.NOT_FOUND, 'artifact not found');
    const { artifact } = found;
    const store = this.artifacts.artifactStore;
    const tree = await this.trees.get(`${artifact.id}:${artifact.commitHash ?? ''}`, async () => {
      const all = [];
      for (let offset = 0; ; offset += LOAD_CHUNK) {
        const chunk = await store.listFiles(artifact.id, { offset, limit: LOAD_CHUNK });
        all.push(...chunk);
        if (chunk.length < LOAD_CHUNK) break;
      }
      return all;
    });
    const listed = tree.list(q.prefix, q.offset, q.limit);
    if (!listed) throw new DomainError(ErrorCodes.NOT_FOUND, 'no such folder in this artifact');
    const entries = await Promise.all(listed.entries.map(async (e) => {
      if (e.kind === 'dir') return e;
      // A reference entry's bytes live where it points: there is nothing here to download.
      if (e.ref !== null) return { ...e, url: null, md5Hex: null };
      const md5Hex = Buffer.from(e.digest, 'base64').toString('hex');
      return { ...e, url: await this.artifacts.downloadUrlFor(`objects/md5/${md5Hex}`, e.path), md5Hex };
    }));
    return { prefix: q.prefix, total: listed.total, offset: q.offset, fileCount: listed.fileCount, bytes: listed.bytes, entries };
  }

  /** What the viewer may change about aliases in a project's collections (a registry's protected aliases included). */
  async aliasPermissions(viewer: Viewer, entityName: string, projectName: string): Promise<AliasPermissions> {
    const { entity, project } = await this.access.project(viewer, entityName, projectName);
    const canWrite = await this.access.canWriteProject(viewer, entity, project);
    if (!isRegistryProject(entity, project)) {
      return { protectedAliases: [], canWrite, canChangeProtected: canWrite, reason: canWrite ? null : 'You have read-only access to this project.' };
    }
    const protectedAliases = await this.protection.protectedAliases(project);
    const admin = await this.protection.isRegistryAdmin(viewer, entity, project);
    const registry = project.name.slice(REGISTRY_PROJECT_PREFIX.length);
    let reason: string | null = null;
    if (!canWrite) reason = `You have read-only access to registry ${registry}.`;
    else if (!admin) {
      reason = `Only admins of registry ${registry} may add, move or remove the protected aliases ${protectedAliases.join(', ')}.`;
    }
    return { protectedAliases, canWrite, canChangeProtected: admin, reason };
  }
}
