import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { decodeGqlId, type RunId } from '@cairn/shared';
import type { AccessPolicy } from './access.js';
import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import type { Artifact, ArtifactStore, BlobStore, Entity, MetaStore, Project } from './ports.js';
import { downloadPath, uploadPath } from './run-files.js';
import type { UrlSigner } from './url-signer.js';

/** Where an artifact lives: what every GraphQL artifact answer needs. */
export interface ArtifactInProject { artifact: Artifact; project: Project; entity: Entity }

export interface CreateArtifactInput {
  entityName: string; projectName: string; artifactTypeName: string; artifactCollectionName: string;
  runName: string | null; digest: string; description: string | null; metadata: string | null;
  aliases: { artifactCollectionName: string; alias: string }[]; tags: string[]; ttlDurationSeconds: number | null;
  historyStep: number | null; enableDigestDeduplication: boolean; distributedID: string | null; clientID: string | null;
  sequenceClientID: string | null;
}

export interface MultipartUrls { uploadID: string; uploadUrlParts: { partNumber: number; uploadPath: string }[] }

export interface ArtifactFileSpec { artifactID: string; name: string; md5: string; uploadPartsInput: unknown[] | null }

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const ALIAS = /^[A-Za-z0-9_.\-:/]{1,128}$/;
const md5Hex = (b64: string) => Buffer.from(b64, 'base64').toString('hex');
export const contentKey = (hex: string) => `objects/md5/${hex}`;
const CONTENT_KEY = /^objects\/md5\/([0-9a-f]{32})$/;
const PART_KEY = /^uploads\/[0-9a-f]{32}\/[0-9a-f]{32}\/\d{1,5}$/;
const manifestKey = (artifactId: number, name: string) => `artifacts/${artifactId}/${path.posix.basename(name) || 'wandb_manifest.json'}`;

/** A manifest entry path an artifact may hold: relative, no traversal, no NUL, no backslash. */
export function isSafeEntryPath(p: string): boolean {
  if (p === '' || p.length > 4096 || p.includes('\0') || p.includes('\\') || p.startsWith('/')) return false;
  return !p.split('/').some((seg) => seg === '..' || seg === '.' || seg === '');
}

/** The save flow and reads of W&B artifacts (protocol §6): versions, content-addressed files, aliases, lineage. */
export class ArtifactService {
  constructor(
    private readonly meta: MetaStore,
    private readonly store: ArtifactStore,
    private readonly blobs: BlobStore,
    private readonly access: AccessPolicy,
    private readonly signer: UrlSigner,
  ) {}

  /** The artifact by GraphQL id if the viewer may see it (else null: not found and not visible look alike). */
  async byId(viewer: Viewer, gqlId: string, opts: { includePending?: boolean } = {}): Promise<ArtifactInProject | null> {
    const decoded = decodeGqlId(gqlId, 'Artifact');
    const artifact = decoded ? await this.store.findArtifact(decoded.id) : null;
    if (!artifact || artifact.state === 'DELETED' || (artifact.state === 'PENDING' && !opts.includePending)) return null;
    return this.locate(viewer, artifact);
  }

  async locate(viewer: Viewer, artifact: Artifact): Promise<ArtifactInProject | null> {
    const project = await this.meta.findProjectById(artifact.projectId);
    const entity = project ? await this.meta.findEntityById(project.entityId) : null;
    if (!project || !entity || !(await this.access.canAccessEntity(viewer, entity))) return null;
    return { artifact, project, entity };
  }

  private async pending(viewer: Viewer, gqlId: string): Promise<ArtifactInProject> {
    const found = await this.byId(viewer, gqlId, { includePending: true });
    if (!found) throw new DomainError(ErrorCodes.NOT_FOUND, `artifact ${gqlId} not found`);
    return found;
  }

  async create(viewer: Viewer, input: CreateArtifactInput): Promise<ArtifactInProject> {
    if (!NAME.test(input.artifactCollectionName)) {
      throw invalidInput(`invalid artifact name ${JSON.stringify(input.artifactCollectionName)}: use letters, digits, '-', '_', '.'`);
    }
    if (!NAME.test(input.artifactTypeName)) throw invalidInput(`invalid artifact type ${JSON.stringify(input.artifactTypeName)}`);
    if (!/^[0-9a-f]{32}$/.test(input.digest)) throw invalidInput('artifact digest must be 32 hex characters (MANIFEST_MD5)');
    if (input.metadata !== null) {
      try {
        const m = JSON.parse(input.metadata) as unknown;
        if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new Error();
      } catch {
        throw invalidInput('artifact metadata must be a JSON object');
      }
    }
    const aliases = input.aliases.filter((a) => a.artifactCollectionName === input.artifactCollectionName).map((a) => a.alias);
    for (const alias of aliases) {
      if (!ALIAS.test(alias) || /^v\d+$/.test(alias)) throw invalidInput(`invalid alias ${JSON.stringify(alias)}`);
    }
    const entity = await this.access.entity(viewer, input.entityName);
    const project = await this.meta.ensureProject(entity.id, input.projectName);
    let runId: RunId | null = null;
    if (input.runName) {
      const run = await this.meta.findRun(project.id, input.runName);
      if (!run) throw new DomainError(ErrorCodes.RUN_NOT_FOUND, `run ${input.runName} not found in ${entity.name}/${project.name}`);
      runId = run.id;
    }
    const type = await this.store.ensureType(project.id, input.artifactTypeName);
    const sequence = await this.store.ensureSequence(project.id, type.id, input.artifactCollectionName, input.sequenceClientID);
    if (input.enableDigestDeduplication) {
      // Same content as a committed version: that version is the answer (no new version); new aliases move to it.
      const same = await this.store.findCommittedByDigest(sequence.id, input.digest);
      if (same) {
        const extra = aliases.filter((a) => a !== 'latest');
        if (extra.length > 0) await this.store.setAliases(sequence.id, same.id, extra);
        return { artifact: same, project, entity };
      }
    }
    if (input.distributedID) {
      const shared = await this.store.findPendingByDistributedId(sequence.id, input.distributedID);
      if (shared) return { artifact: shared, project, entity };
    }
    const artifact = await this.store.insertArtifact({
      projectId: project.id, sequenceId: sequence.id, typeId: type.id, digest: input.digest, description: input.description,
      metadata: input.metadata, ttlSeconds: input.ttlDurationSeconds !== null && input.ttlDurationSeconds > 0 ? input.ttlDurationSeconds : null,
      historyStep: input.historyStep, createdByRunId: runId, clientId: input.clientID, distributedId: input.distributedID,
      requestedAliases: aliases, tags: input.tags,
    });
    return { artifact, project, entity };
  }

  /** createArtifactManifest / updateArtifactManifest: where to PUT the manifest JSON. */
  async prepareManifest(viewer: Viewer, artifactGqlId: string, m: { name: string; digest: string; type: string; baseArtifactID: string | null }) {
    const { artifact } = await this.pending(viewer, artifactGqlId);
    if (artifact.state !== 'PENDING') throw new DomainError(ErrorCodes.CONFLICT, 'artifact is already committed');
    const base = m.baseArtifactID ? decodeGqlId(m.baseArtifactID, 'Artifact')?.id ?? null : null;
    const key = manifestKey(artifact.id, m.name);
    await this.store.upsertManifest({ artifactId: artifact.id, type: m.type, name: m.name, digest: m.digest, blobKey: key, baseArtifactId: base });
    return { artifactId: artifact.id, uploadPath: uploadPath(this.signer.sign('PUT', key)) };
  }

  async manifestOf(artifactId: number) {
    return this.store.findManifest(artifactId);
  }

  /**
   * createArtifactFiles: per file, in request order, a signed PUT URL, or none when these bytes are already
   * stored (content-addressed by MD5: a file is never uploaded or stored twice), and its birth artifact.
   */
  async prepareFiles(viewer: Viewer, specs: ArtifactFileSpec[]) {
    const out: { storagePath: string; uploadPath: string | null; multipart: MultipartUrls | null; birth: ArtifactInProject }[] = [];
    const seen = new Map<string, ArtifactInProject>();
    const births = new Map<number, ArtifactInProject | null>();
    for (const spec of specs) {
      let found = seen.get(spec.artifactID);
      if (!found) seen.set(spec.artifactID, (found = await this.pending(viewer, spec.artifactID)));
      if (found.artifact.state !== 'PENDING') throw new DomainError(ErrorCodes.CONFLICT, 'artifact is already committed');
      if (!isSafeEntryPath(spec.name)) throw invalidInput(`invalid artifact file path ${JSON.stringify(spec.name)}`);
      const hex = md5Hex(spec.md5);
      if (!/^[0-9a-f]{32}$/.test(hex) || Buffer.from(spec.md5, 'base64').toString('base64') !== spec.md5) {
        throw invalidInput(`invalid MD5 for ${spec.name}: expected 16 bytes in base64`);
      }
      const content = await this.store.claimContent(hex, found.artifact.id);
      const key = contentKey(hex);
      // Bytes first stored by an artifact this viewer cannot see are not admitted to exist: they upload
      // again (same key, same bytes) and this artifact counts as their birth.
      let birth = births.get(content.birthArtifactId);
      if (birth === undefined) {
        const a = await this.store.findArtifact(content.birthArtifactId);
        birth = a ? await this.locate(viewer, a) : null;
        births.set(content.birthArtifactId, birth);
      }
      const skip = content.stored && birth !== null;
      let multipart: MultipartUrls | null = null;
      if (!skip && Array.isArray(spec.uploadPartsInput) && spec.uploadPartsInput.length > 0) {
        // Large files (the SDK splits at 2 GiB): one signed URL per part, completed by completeMultipart.
        const uploadID = randomBytes(16).toString('hex');
        const parts = spec.uploadPartsInput as { partNumber: number }[];
        if (parts.length > 10_000 || parts.some((p) => !Number.isInteger(p.partNumber) || p.partNumber < 1 || p.partNumber > 10_000)) {
          throw invalidInput(`invalid multipart parts for ${spec.name}`);
        }
        multipart = {
          uploadID,
          uploadUrlParts: parts.map((p) => ({ partNumber: p.partNumber, uploadPath: uploadPath(this.signer.sign('PUT', `uploads/${hex}/${uploadID}/${p.partNumber}`)) })),
        };
      }
      out.push({ storagePath: key, uploadPath: skip ? null : uploadPath(this.signer.sign('PUT', key)), multipart, birth: birth ?? found });
    }
    return out;
  }

  /**
   * Bytes of a signed artifact upload, or null when the key is not an artifact's. Content objects are
   * verified against the MD5 their key names, multipart parts against their Content-MD5 header.
   */
  async receiveUpload(key: string, body: Readable, contentMd5?: string): Promise<{ md5Hex: string } | null> {
    const m = CONTENT_KEY.exec(key);
    if (m) {
      const info = await this.blobs.put(key, body, { md5: Buffer.from(m[1]!, 'hex').toString('base64') });
      await this.store.markContentStored(m[1]!, info.size);
      return { md5Hex: m[1]! };
    }
    if (PART_KEY.test(key)) {
      const info = await this.blobs.put(key, body, contentMd5 ? { md5: contentMd5 } : undefined);
      return { md5Hex: Buffer.from(info.md5, 'base64').toString('hex') };
    }
    if (key.startsWith('artifacts/')) {
      const info = await this.blobs.put(key, body);
      return { md5Hex: Buffer.from(info.md5, 'base64').toString('hex') };
    }
    return null;
  }

  /**
   * completeMultipartUploadArtifact: the parts, in order, become the content object (streamed, and checked
   * against the whole file's MD5); `Abort` drops them. Parts are checked against the ETags the client got.
   */
  async completeMultipart(viewer: Viewer, input: {
    action: string; artifactID: string; storagePath: string; uploadID: string; parts: { partNumber: number; hexMD5: string }[];
  }): Promise<string> {
    await this.pending(viewer, input.artifactID);
    const m = CONTENT_KEY.exec(input.storagePath);
    if (!m || !/^[0-9a-f]{32}$/.test(input.uploadID)) throw invalidInput('unknown multipart upload');
    const partKey = (n: number) => `uploads/${m[1]}/${input.uploadID}/${n}`;
    const parts = [...input.parts].sort((a, b) => a.partNumber - b.partNumber);
    if (input.action === 'Abort') {
      for (const p of parts) await this.blobs.delete(partKey(p.partNumber));
      return '';
    }
    if (parts.length === 0 || parts.some((p, i) => p.partNumber !== i + 1)) throw invalidInput('multipart parts must be numbered 1..N');
    // Joining gigabytes can outlast the client's 30 s request timeout: a retry waits for the same join,
    // and one that comes after it finished is answered from the stored object.
    const flight = `${input.storagePath}:${input.uploadID}`;
    const running = this.completing.get(flight);
    if (running) return running;
    const done = await this.store.findContent(m[1]!);
    if (done?.stored) return Buffer.from(m[1]!, 'hex').toString('base64');
    const job = this.joinParts(m[1]!, input.storagePath, parts, partKey).finally(() => this.completing.delete(flight));
    this.completing.set(flight, job);
    return job;
  }

  private readonly completing = new Map<string, Promise<string>>();

  private async joinParts(hex: string, storagePath: string, parts: { partNumber: number; hexMD5: string }[], partKey: (n: number) => string) {
    // Each part was checked against its Content-MD5 on upload; the joined bytes are checked against the
    // whole file's MD5 below, so a missing or wrong part fails the join and stores nothing.
    const blobs = this.blobs;
    async function* concatenated() {
      for (const p of parts) {
        const stream = await blobs.get(partKey(p.partNumber)).catch(() => {
          throw invalidInput(`multipart part ${p.partNumber} was not uploaded`);
        });
        for await (const chunk of stream) yield chunk as Buffer;
      }
    }
    const info = await this.blobs.put(storagePath, Readable.from(concatenated()), { md5: Buffer.from(hex, 'hex').toString('base64') });
    await this.store.markContentStored(hex, info.size);
    for (const p of parts) await this.blobs.delete(partKey(p.partNumber));
    return info.md5;
  }

  /** commitArtifact: checks the uploaded manifest against stored content, then makes the version. */
  async commit(viewer: Viewer, artifactGqlId: string): Promise<ArtifactInProject> {
    const found = await this.pending(viewer, artifactGqlId);
    if (found.artifact.state === 'COMMITTED') return found;
    const manifest = await this.store.findManifest(found.artifact.id);
    if (!manifest || !(await this.blobs.head(manifest.blobKey))) throw invalidInput('cannot commit: the artifact manifest was not uploaded');
    const parsed = await this.readManifest(manifest.blobKey);
    const files = [];
    for (const [name, entry] of Object.entries(parsed.contents)) {
      if (!isSafeEntryPath(name)) throw invalidInput(`cannot commit: invalid entry path ${JSON.stringify(name)}`);
      const size = typeof entry.size === 'number' ? entry.size : 0;
      const birth = typeof entry.birthArtifactID === 'string' ? decodeGqlId(entry.birthArtifactID, 'Artifact')?.id ?? null : null;
      if (typeof entry.ref === 'string') {
        files.push({ name, digest: String(entry.digest ?? ''), size, ref: entry.ref, birthArtifactId: birth });
        continue;
      }
      if (typeof entry.digest !== 'string') throw invalidInput(`cannot commit: entry ${name} has no digest`);
      const content = await this.store.findContent(md5Hex(entry.digest));
      if (!content?.stored) throw invalidInput(`cannot commit: file ${name} was not uploaded`);
      if (content.size !== null && content.size !== size) throw invalidInput(`cannot commit: file ${name} is ${content.size} bytes, the manifest says ${size}`);
      files.push({ name, digest: entry.digest, size, ref: null, birthArtifactId: birth ?? content.birthArtifactId });
    }
    const artifact = await this.store.commit(found.artifact.id, files, randomBytes(10).toString('hex'));
    return { ...found, artifact };
  }

  private async readManifest(key: string): Promise<{ contents: Record<string, { digest?: unknown; size?: unknown; ref?: unknown; birthArtifactID?: unknown }> }> {
    const chunks: Buffer[] = [];
    for await (const c of await this.blobs.get(key)) chunks.push(c as Buffer);
    let m: unknown;
    try {
      m = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw invalidInput('cannot commit: the artifact manifest is not valid JSON');
    }
    const contents = (m as { contents?: unknown })?.contents;
    if ((m as { version?: unknown })?.version !== 1 || !contents || typeof contents !== 'object' || Array.isArray(contents)) {
      throw invalidInput('cannot commit: unsupported artifact manifest (expected version 1 with contents)');
    }
    return { contents: contents as Record<string, { digest?: unknown }> };
  }

  /** useArtifact: the run consumed this version (lineage input). */
  async use(viewer: Viewer, input: { artifactID: string; entityName: string; projectName: string; runName: string; usedAs: string | null }) {
    const found = await this.byId(viewer, input.artifactID, { includePending: true });
    if (!found) throw new DomainError(ErrorCodes.NOT_FOUND, `artifact ${input.artifactID} not found`);
    const { project } = await this.access.project(viewer, input.entityName, input.projectName);
    const run = await this.meta.findRun(project.id, input.runName);
    if (!run) throw new DomainError(ErrorCodes.RUN_NOT_FOUND, `run ${input.runName} not found`);
    await this.store.recordUsage(run.id, found.artifact.id, input.usedAs);
    return found;
  }

  async byClientId(viewer: Viewer, clientId: string): Promise<ArtifactInProject | null> {
    const artifact = await this.store.findArtifactByClientId(clientId);
    return artifact ? this.locate(viewer, artifact) : null;
  }

  /** `name`, `name:alias` or `name:vN` in a project's collection → that member, or null. */
  async membershipByName(project: Project, entity: Entity, name: string) {
    const sep = name.lastIndexOf(':');
    const collectionName = sep >= 0 ? name.slice(0, sep) : name;
    const selector = sep >= 0 ? name.slice(sep + 1) : 'latest';
    const collection = await this.store.findCollection(project.id, collectionName);
    if (!collection) return null;
    const v = /^v(\d+)$/.exec(selector);
    const m = await this.store.findMembership(collection.id, v ? { versionIndex: Number(v[1]) } : { alias: selector });
    return m ? { ...m, collection, project, entity } : null;
  }

  /** updateArtifact: description, metadata, TTL, tags, and the full alias set in its own sequence. */
  async update(viewer: Viewer, gqlId: string, input: {
    description?: string | null; metadata?: string | null; ttlDurationSeconds?: number | null;
    tagsToAdd?: string[]; tagsToDelete?: string[]; aliases?: string[] | null;
  }): Promise<ArtifactInProject> {
    const found = await this.byId(viewer, gqlId);
    if (!found) throw new DomainError(ErrorCodes.NOT_FOUND, `artifact ${gqlId} not found`);
    const { artifact } = found;
    if (input.metadata != null) {
      let m: unknown;
      try {
        m = JSON.parse(input.metadata);
      } catch {
        m = null;
      }
      if (m === null || typeof m !== 'object' || Array.isArray(m)) throw invalidInput('artifact metadata must be a JSON object');
    }
    for (const t of [...(input.tagsToAdd ?? []), ...(input.tagsToDelete ?? [])]) {
      if (!/^[-\w]+( +[-\w]+)*$/.test(t) || t.length > 128) throw invalidInput(`invalid tag ${JSON.stringify(t)}`);
    }
    const patch: { description?: string | null; metadata?: string | null; ttlSeconds?: number | null } = {};
    if (input.description !== undefined) patch.description = input.description;
    if (input.metadata !== undefined && input.metadata !== null) patch.metadata = input.metadata;
    // A positive TTL sets it; -1 (or any value <= 0) falls back to the inherited policy.
    if (input.ttlDurationSeconds !== undefined && input.ttlDurationSeconds !== null) {
      patch.ttlSeconds = input.ttlDurationSeconds > 0 ? input.ttlDurationSeconds : null;
    }
    const updated = await this.store.updateArtifact(artifact.id, patch);
    await this.store.addTags(artifact.id, input.tagsToAdd ?? []);
    await this.store.removeTags(artifact.id, input.tagsToDelete ?? []);
    if (input.aliases) {
      for (const a of input.aliases) if (!ALIAS.test(a) || /^v\d+$/.test(a)) throw invalidInput(`invalid alias ${JSON.stringify(a)}`);
      const current = (await this.store.listAliases(artifact.id)).filter((r) => r.collectionId === artifact.sequenceId).map((r) => r.alias);
      // `latest` is the server's to move: a client's alias list neither adds nor removes it.
      await this.store.removeAliases(artifact.sequenceId, artifact.id, current.filter((a) => a !== 'latest' && !input.aliases!.includes(a)));
      await this.store.setAliases(artifact.sequenceId, artifact.id, input.aliases.filter((a) => a !== 'latest'));
    }
    return { ...found, artifact: updated };
  }

  /** addAliases / deleteAliases on the collections they name (in projects the viewer can see). */
  async changeAliases(viewer: Viewer, gqlId: string, aliases: { alias: string; artifactCollectionName: string; entityName: string; projectName: string }[], remove: boolean) {
    const found = await this.byId(viewer, gqlId);
    if (!found) throw new DomainError(ErrorCodes.NOT_FOUND, `artifact ${gqlId} not found`);
    for (const a of aliases) {
      if (!ALIAS.test(a.alias) || /^v\d+$/.test(a.alias) || a.alias === 'latest') throw invalidInput(`invalid alias ${JSON.stringify(a.alias)}`);
      const { project } = await this.access.project(viewer, a.entityName, a.projectName);
      const collection = await this.store.findCollection(project.id, a.artifactCollectionName);
      const member = collection && (await this.store.membershipsOf(found.artifact.id)).some((m) => m.collectionId === collection.id);
      if (!collection || !member) throw new DomainError(ErrorCodes.NOT_FOUND, `artifact is not in collection ${a.artifactCollectionName}`);
      if (remove) await this.store.removeAliases(collection.id, found.artifact.id, [a.alias]);
      else await this.store.setAliases(collection.id, found.artifact.id, [a.alias]);
    }
  }

  /** deleteArtifact: refused while the version holds aliases unless deleteAliases is set. */
  async delete(viewer: Viewer, gqlId: string, deleteAliases: boolean): Promise<ArtifactInProject> {
    const found = await this.byId(viewer, gqlId, { includePending: true });
    if (!found) throw new DomainError(ErrorCodes.NOT_FOUND, `artifact ${gqlId} not found`);
    const aliases = (await this.store.listAliases(found.artifact.id)).map((a) => a.alias);
    if (aliases.length > 0 && !deleteAliases) {
      throw new DomainError(ErrorCodes.CONFLICT, `cannot delete an artifact with aliases (${aliases.join(', ')}): pass delete_aliases=True`);
    }
    await this.store.markDeleted(found.artifact.id);
    return found;
  }

  async storageUsage(viewer: Viewer, entityName: string, projectName: string) {
    const { project } = await this.access.project(viewer, entityName, projectName);
    return this.store.storageUsage(project.id);
  }

  downloadPathFor(key: string, fileName: string) {
    return downloadPath(this.signer.sign('GET', key), fileName);
  }

  get artifactStore(): ArtifactStore {
    return this.store;
  }
}
