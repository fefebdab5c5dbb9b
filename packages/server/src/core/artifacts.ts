import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { decodeGqlId, encodeGqlId, type RunId } from '@cairn/shared';
import type { AccessPolicy } from './access.js';
import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import type { Artifact, ArtifactManifestPart, ArtifactStore, BlobStore, ChangeActor, Entity, MetaStore, Project } from './ports.js';
import { downloadPath, uploadPath } from './run-files.js';
import { storageHistory } from './storage-history.js';
import type { UrlSigner } from './url-signer.js';
import { ttlFromWire, type TtlSetting } from './artifact-ttl.js';
import { actorOf, type AliasProtection } from './alias-protection.js';
import { checksumOwnReferences } from './artifact-references.js';

/**
 * Where an artifact lives: what every GraphQL artifact answer needs. `sourceHidden`: the viewer reads it only
 * through a registry it is linked into, not in its own project, whose name and lineage are then not shown.
 */
export interface ArtifactInProject { artifact: Artifact; project: Project; entity: Entity; sourceHidden?: boolean }

export interface CreateArtifactInput {
  entityName: string; projectName: string; artifactTypeName: string; artifactCollectionName: string;
  runName: string | null; digest: string; description: string | null; metadata: string | null;
  aliases: { artifactCollectionName: string; alias: string }[]; tags: string[]; ttlDurationSeconds: number | null;
  historyStep: number | null; enableDigestDeduplication: boolean; distributedID: string | null; clientID: string | null;
  sequenceClientID: string | null;
  /** A storage region the client named: one of the configured names (all stored in the one blob store). */
  storageRegion?: string | null;
}

export interface MultipartUrls { uploadID: string; uploadUrlParts: { partNumber: number; uploadPath: string }[] }

export interface ArtifactFileSpec { artifactID: string; name: string; md5: string; uploadPartsInput: unknown[] | null }

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const ALIAS = /^[A-Za-z0-9_.\-:/]{1,128}$/;
/** The SDK's tag rule (artifacts/_validators.py TAG_REGEX): words of [-\w] separated by spaces. */
const TAG = /^[-\w]+( +[-\w]+)*$/;
const RESERVED_TYPE_PREFIX = 'wandb-';
const md5Hex = (b64: string) => Buffer.from(b64, 'base64').toString('hex');
export const contentKey = (hex: string) => `objects/md5/${hex}`;
const CONTENT_KEY = /^objects\/md5\/([0-9a-f]{32})$/;
const PART_KEY = /^uploads\/[0-9a-f]{32}\/[0-9a-f]{32}\/\d{1,5}$/;
const manifestKey = (artifactId: number, name: string) => `artifacts/${artifactId}/${path.posix.basename(name) || 'wandb_manifest.json'}`;

/** GraphQL id type of a partial (INCREMENTAL or PATCH) manifest; a FULL one is `ArtifactManifest:<artifact id>`. */
const MANIFEST_PART = 'ArtifactManifestPart';

export interface PreparedManifest { manifestId: string; name: string; uploadPath: string }

/** A manifest as uploaded (protocol §6.4); entries are kept exactly as the client wrote them. */
interface ManifestEntryJson { digest?: unknown; size?: unknown; ref?: unknown; birthArtifactID?: unknown }
interface ManifestJson { storagePolicy?: unknown; storagePolicyConfig?: unknown; contents: Record<string, ManifestEntryJson> }

/**
 * The artifact digest the SDK computes for a manifest (artifact_manifest_v1.py `digest()`): hex MD5 over a
 * header and `path:digest` lines sorted by path (by code point, as Python sorts; UTF-8 byte order is the same).
 */
export function manifestContentsDigest(contents: Map<string, { digest?: unknown }>): string {
  const hash = createHash('md5').update('wandb-artifact-manifest-v1\n');
  const paths = [...contents.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  for (const p of paths) hash.update(`${p}:${String(contents.get(p)!.digest)}\n`, 'utf8');
  return hash.digest('hex');
}

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
    private readonly protection: AliasProtection,
    private readonly storageRegions: readonly string[] = ['default'],
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
    if (!project || !entity) return null;
    if (await this.access.canReadProject(viewer, entity, project)) return { artifact, project, entity };
    // Readable through a registry it is linked into (another team's model, for instance).
    return (await this.access.readableHolderOf(viewer, artifact.id)) ? { artifact, project, entity, sourceHidden: true } : null;
  }

  /**
   * Changing a version needs write access to its own project. One the viewer reads only through a registry it is
   * linked into gets FORBIDDEN, not the not-found of the project it cannot see (which would name that project).
   */
  private async requireWritable(viewer: Viewer, found: ArtifactInProject): Promise<void> {
    if (found.sourceHidden) {
      throw new DomainError(ErrorCodes.FORBIDDEN, `permission denied: ${viewer.user.username} reads this artifact through a registry and cannot change it`);
    }
    await this.access.requireProject(viewer, found.entity, found.project, 'write',
      () => new DomainError(ErrorCodes.NOT_FOUND, `artifact not found`));
  }

  private async pending(viewer: Viewer, gqlId: string): Promise<ArtifactInProject> {
    const found = await this.byId(viewer, gqlId, { includePending: true });
    if (!found) throw new DomainError(ErrorCodes.NOT_FOUND, `artifact ${gqlId} not found`);
    // Every caller of pending() is part of saving a version: a read-only role gets FORBIDDEN.
    await this.requireWritable(viewer, found);
    return found;
  }

  async create(viewer: Viewer, input: CreateArtifactInput): Promise<ArtifactInProject> {
    if (!NAME.test(input.artifactCollectionName)) {
      throw invalidInput(`invalid artifact name ${JSON.stringify(input.artifactCollectionName)}: use letters, digits, '-', '_', '.'`);
    }
    if (!NAME.test(input.artifactTypeName)) throw invalidInput(`invalid artifact type ${JSON.stringify(input.artifactTypeName)}`);
    if (!/^[0-9a-f]{32}$/.test(input.digest)) throw invalidInput('artifact digest must be 32 hex characters (MANIFEST_MD5)');
    if (input.storageRegion != null && !this.storageRegions.includes(input.storageRegion)) {
      throw invalidInput(`invalid storageRegion: ${input.storageRegion} (this server's storage regions: ${this.storageRegions.join(', ')})`);
    }
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
    const ttl = ttlFromWire(input.ttlDurationSeconds);
    const slot = await this.access.projectSlotForWrite(viewer, input.entityName, input.projectName);
    const entity = slot.entity;
    const project = slot.project ?? (await this.meta.ensureProject(entity.id, input.projectName));
    // Logging straight into a registry project with a protected alias is a promotion too.
    await this.protection.requireMayChange(viewer, { entity, project }, aliases.filter((a) => a !== 'latest'));
    let runId: RunId | null = null;
    if (input.runName) {
      const run = await this.meta.findRun(project.id, input.runName);
      if (!run) throw new DomainError(ErrorCodes.RUN_NOT_FOUND, `run ${input.runName} not found in ${entity.name}/${project.name}`);
      runId = run.id;
    }
    const type = await this.store.ensureType(project.id, input.artifactTypeName);
    const sequence = await this.store.ensureSequence(project.id, type.id, input.artifactCollectionName, input.sequenceClientID);
    // A distributed writer's digest covers only its own part of the version, so it never dedups.
    if (input.enableDigestDeduplication && !input.distributedID) {
      // Same content as a committed version: that version is the answer (no new version); new aliases move to it.
      const same = await this.store.findCommittedByDigest(sequence.id, input.digest);
      if (same) {
        const extra = aliases.filter((a) => a !== 'latest');
        if (extra.length > 0) await this.store.setAliases(sequence.id, same.id, extra, actorOf(viewer));
        // The run logged it all the same: it is one of the run's outputs (its creator stays the first run).
        if (runId !== null && same.createdByRunId !== runId) await this.store.recordOutput(runId, same.id);
        return { artifact: same, project, entity };
      }
    }
    if (input.distributedID) {
      // Every writer of a distributed id shares one pending version until it is finished; a finished one is
      // not reopened (a late writer's files would silently land in a different version).
      const shared = await this.store.findDistributed(sequence.id, input.distributedID);
      if (shared?.state === 'COMMITTED') {
        throw new DomainError(ErrorCodes.CONFLICT, `distributed artifact ${input.artifactCollectionName} with distributed_id ` +
          `${JSON.stringify(input.distributedID)} was already finished as v${shared.versionIndex}: use a new distributed_id for a new version`);
      }
      if (shared) return { artifact: await this.store.joinDistributed(shared.id, aliases, input.tags), project, entity };
    }
    const artifact = await this.store.insertArtifact({
      projectId: project.id, sequenceId: sequence.id, typeId: type.id, digest: input.digest, description: input.description,
      metadata: input.metadata, ttlSeconds: ttl.seconds, ttlInherited: ttl.inherited,
      historyStep: input.historyStep, createdByRunId: runId, clientId: input.clientID, distributedId: input.distributedID,
      requestedAliases: aliases, tags: input.tags,
    });
    return { artifact, project, entity };
  }

  /**
   * createArtifactManifest: where to PUT the manifest JSON. FULL is the version's whole manifest (a second call
   * updates it). INCREMENTAL (entries added to or changed in a base version) and PATCH (one distributed writer's
   * entries) are partial manifests: each call adds one, and the commit merges them.
   */
  async prepareManifest(viewer: Viewer, artifactGqlId: string, m: { name: string; digest: string; type: string; baseArtifactID: string | null }): Promise<PreparedManifest> {
    const { artifact } = await this.pending(viewer, artifactGqlId);
    if (artifact.state !== 'PENDING') throw new DomainError(ErrorCodes.CONFLICT, 'artifact is already committed');
    if (!['FULL', 'INCREMENTAL', 'PATCH'].includes(m.type)) throw invalidInput(`unknown artifact manifest type ${JSON.stringify(m.type)}`);
    const base = await this.manifestBase(viewer, artifact, m.type, m.baseArtifactID);
    const hasParts = (await this.store.listManifestParts(artifact.id)).length > 0;
    if (m.type === 'FULL') {
      if (hasParts) throw new DomainError(ErrorCodes.CONFLICT, 'this artifact is built from partial (incremental or distributed) manifests: a FULL manifest cannot join them');
      const key = manifestKey(artifact.id, m.name);
      await this.store.upsertManifest({ artifactId: artifact.id, type: m.type, name: m.name, digest: m.digest, blobKey: key, baseArtifactId: base });
      return { manifestId: encodeGqlId('ArtifactManifest', artifact.id), name: m.name, uploadPath: await this.putUrl(key) };
    }
    if (!hasParts && (await this.store.findManifest(artifact.id))) {
      throw new DomainError(ErrorCodes.CONFLICT, 'this artifact already has a FULL manifest: partial manifests cannot join it');
    }
    const key = `artifacts/${artifact.id}/parts/${randomBytes(16).toString('hex')}.json`;
    const part = await this.store.insertManifestPart({ artifactId: artifact.id, type: m.type, name: m.name, digest: m.digest, blobKey: key, baseArtifactId: base });
    return { manifestId: encodeGqlId(MANIFEST_PART, part.id), name: m.name, uploadPath: await this.putUrl(key) };
  }

  /** updateArtifactManifest (by the id createArtifactManifest answered): the final digest, and where to PUT the JSON. */
  async updateManifest(viewer: Viewer, manifestGqlId: string, m: { digest: string | null; baseArtifactID: string | null }): Promise<PreparedManifest> {
    const full = decodeGqlId(manifestGqlId, 'ArtifactManifest');
    if (full) {
      const existing = await this.store.findManifest(full.id);
      // A manifest of an artifact the viewer cannot see answers like one that does not exist (not "artifact X not found").
      if (!existing || !(await this.byId(viewer, encodeGqlId('Artifact', full.id), { includePending: true }))) {
        throw new DomainError(ErrorCodes.NOT_FOUND, 'artifact manifest not found');
      }
      return this.prepareManifest(viewer, encodeGqlId('Artifact', full.id), {
        name: existing.name, digest: m.digest ?? existing.digest, type: existing.type,
        baseArtifactID: m.baseArtifactID ?? (existing.baseArtifactId !== null ? encodeGqlId('Artifact', existing.baseArtifactId) : null),
      });
    }
    const ref = decodeGqlId(manifestGqlId, MANIFEST_PART);
    const part = ref ? await this.store.findManifestPart(ref.id) : null;
    const found = part ? await this.byId(viewer, encodeGqlId('Artifact', part.artifactId), { includePending: true }) : null;
    if (!part || !found) throw new DomainError(ErrorCodes.NOT_FOUND, 'artifact manifest not found');
    await this.requireWritable(viewer, found);
    if (found.artifact.state !== 'PENDING') throw new DomainError(ErrorCodes.CONFLICT, 'artifact is already committed');
    if (m.baseArtifactID !== null && (await this.manifestBase(viewer, found.artifact, part.type, m.baseArtifactID)) !== part.baseArtifactId) {
      throw invalidInput('the base version of a partial manifest cannot be changed');
    }
    if (m.digest !== null) await this.store.updateManifestPartDigest(part.id, m.digest);
    return { manifestId: manifestGqlId, name: part.name, uploadPath: await this.putUrl(part.blobKey) };
  }

  /**
   * The version an INCREMENTAL manifest builds on: a committed version of the same collection that the viewer
   * can see (else 4xx, and nothing is created). The SDK also names the collection's latest version for FULL and
   * PATCH manifests, whose contents do not depend on it: there it is only recorded when it is such a version.
   */
  private async manifestBase(viewer: Viewer, artifact: Artifact, type: string, gqlId: string | null): Promise<number | null> {
    if (gqlId === null) return null;
    if (!decodeGqlId(gqlId, 'Artifact')) throw invalidInput(`invalid baseArtifactID ${JSON.stringify(gqlId)}`);
    const found = await this.byId(viewer, gqlId);
    const base = found?.artifact.state === 'COMMITTED' ? found.artifact : null;
    if (type !== 'INCREMENTAL') return base !== null && base.sequenceId === artifact.sequenceId ? base.id : null;
    if (!base) throw new DomainError(ErrorCodes.NOT_FOUND, `base artifact ${gqlId} not found`);
    if (base.sequenceId !== artifact.sequenceId) {
      throw invalidInput(`base artifact ${gqlId} is not a version of this artifact's collection: an incremental version builds on its own collection`);
    }
    return base.id;
  }

  async manifestOf(artifactId: number) {
    return this.store.findManifest(artifactId);
  }

  /**
   * createArtifactFiles: per file, in request order, a signed PUT URL, or none when these bytes are already
   * stored (content-addressed by MD5: a file is never uploaded or stored twice), and its birth artifact.
   */
  async prepareFiles(viewer: Viewer, specs: ArtifactFileSpec[]) {
    const out: { storagePath: string; uploadPath: string | null; uploadHeaders: string[]; multipart: MultipartUrls | null; birth: ArtifactInProject }[] = [];
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
        const parts = spec.uploadPartsInput as { partNumber: number; hexMD5?: unknown }[];
        if (parts.length > 10_000 || parts.some((p) => !Number.isInteger(p.partNumber) || p.partNumber < 1 || p.partNumber > 10_000)) {
          throw invalidInput(`invalid multipart parts for ${spec.name}`);
        }
        multipart = await this.multipartUrls(key, hex, spec.md5, spec.name, parts);
      }
      // With the object store's own URL the store checks the bytes against Content-MD5, which the SDK sends
      // because it is one of the upload headers (the only headers it sends).
      const direct = !skip && this.blobs.presignedUrl !== undefined;
      out.push({
        storagePath: key, uploadPath: skip ? null : await this.putUrl(key, spec.md5), uploadHeaders: direct ? [`Content-MD5:${spec.md5}`] : [],
        multipart, birth: birth ?? found,
      });
    }
    return out;
  }

  /**
   * Where a client PUTs `key`: the object store's presigned URL (absolute; with `md5` the store refuses other
   * bytes) where it has them, else a Cairn-signed path served by http/storage-routes.
   */
  private async putUrl(key: string, md5?: string): Promise<string> {
    if (this.blobs.presignedUrl) return this.blobs.presignedUrl(key, 'PUT', this.signer.ttl, md5 ? { contentMd5: md5 } : {});
    return uploadPath(this.signer.sign('PUT', key));
  }

  /** One PUT URL per part: an object-store multipart upload (parts checked against their MD5s), or Cairn-signed part keys. */
  private async multipartUrls(key: string, hex: string, md5: string, name: string, parts: { partNumber: number; hexMD5?: unknown }[]): Promise<MultipartUrls> {
    const multipart = this.blobs.multipart;
    if (!multipart) {
      const uploadID = randomBytes(16).toString('hex');
      return {
        uploadID,
        uploadUrlParts: parts.map((p) => ({ partNumber: p.partNumber, uploadPath: uploadPath(this.signer.sign('PUT', `uploads/${hex}/${uploadID}/${p.partNumber}`)) })),
      };
    }
    if (parts.some((p) => typeof p.hexMD5 !== 'string' || !/^[0-9a-f]{32}$/i.test(p.hexMD5))) {
      throw invalidInput(`invalid multipart parts for ${name}: every part needs its hex MD5`);
    }
    const uploadID = await multipart.start(key, md5);
    const uploadUrlParts = [];
    for (const p of parts) {
      const contentMd5 = Buffer.from(p.hexMD5 as string, 'hex').toString('base64');
      uploadUrlParts.push({ partNumber: p.partNumber, uploadPath: await multipart.partUrl(key, uploadID, p.partNumber, this.signer.ttl, { contentMd5 }) });
    }
    return { uploadID, uploadUrlParts };
  }

  /**
   * Content PUT straight to the object store: Cairn never saw the bytes, so it records them as stored only when
   * the store holds an object with the declared MD5 (a presigned PUT carrying that MD5 was checked by the store).
   */
  private async adoptDirectUpload(hex: string): Promise<boolean> {
    if (!this.blobs.presignedUrl) return false;
    const info = await this.blobs.head(contentKey(hex));
    if (!info || Buffer.from(info.md5, 'base64').toString('hex') !== hex) return false;
    await this.store.markContentStored(hex, info.size);
    return true;
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
    if (m && this.blobs.multipart && input.uploadID !== '') return this.completeDirectMultipart(m[1]!, input);
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

  /**
   * The object store joins parts it received straight from the client (each checked against its MD5). The
   * joined object is read back once to check the whole file's MD5: a mismatch deletes it and stores nothing.
   */
  private async completeDirectMultipart(hex: string, input: { action: string; storagePath: string; uploadID: string; parts: { partNumber: number; hexMD5: string }[] }): Promise<string> {
    const multipart = this.blobs.multipart!;
    const md5 = Buffer.from(hex, 'hex').toString('base64');
    if (input.action === 'Abort') {
      await multipart.abort(input.storagePath, input.uploadID);
      return '';
    }
    const parts = [...input.parts].sort((a, b) => a.partNumber - b.partNumber);
    if (parts.length === 0 || parts.some((p, i) => p.partNumber !== i + 1)) throw invalidInput('multipart parts must be numbered 1..N');
    const flight = `${input.storagePath}:${input.uploadID}`;
    const running = this.completing.get(flight);
    if (running) return running;
    if ((await this.store.findContent(hex))?.stored) return md5;
    const job = (async () => {
      try {
        await multipart.complete(input.storagePath, input.uploadID, parts.map((p) => ({ partNumber: p.partNumber, etag: p.hexMD5 })));
      } catch (e) {
        // A retry of a completion that already went through finds no upload any more, but the object.
        if (!(e instanceof DomainError && e.code === ErrorCodes.NOT_FOUND && (await this.blobs.head(input.storagePath)))) throw e;
      }
      const hash = createHash('md5');
      let size = 0;
      for await (const chunk of await this.blobs.get(input.storagePath)) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      const actual = hash.digest('base64');
      if (actual !== md5) {
        await this.blobs.delete(input.storagePath);
        throw invalidInput(`multipart upload of ${input.storagePath} does not match its MD5: expected ${md5}, got ${actual}`);
      }
      await this.store.markContentStored(hex, size);
      return md5;
    })().finally(() => this.completing.delete(flight));
    this.completing.set(flight, job);
    return job;
  }

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
    const parts = await this.store.listManifestParts(found.artifact.id);
    if (parts.length > 0) return this.commitMerged(found, parts, actorOf(viewer));
    const manifest = await this.store.findManifest(found.artifact.id);
    if (!manifest || !(await this.blobs.head(manifest.blobKey))) throw invalidInput('cannot commit: the artifact manifest was not uploaded');
    const parsed = await this.readManifest(manifest.blobKey);
    const checked = await this.checkReferences(parsed.contents);
    const files = await this.filesOf(checked.contents);
    // Reference entries Cairn checksummed itself: the stored manifest (what downloads read) carries their ETags.
    // The artifact keeps the digest the client computed, so logging the same reference again still deduplicates.
    let rewritten;
    if (checked.changed) {
      const info = await this.blobs.put(manifest.blobKey, Readable.from([Buffer.from(JSON.stringify({ version: 1, storagePolicy: parsed.storagePolicy, storagePolicyConfig: parsed.storagePolicyConfig, contents: checked.contents }))]));
      rewritten = { digest: found.artifact.digest, manifest: { ...manifest, digest: info.md5 } };
    }
    const artifact = await this.store.commit(found.artifact.id, files, randomBytes(10).toString('hex'), rewritten, actorOf(viewer));
    return { ...found, artifact };
  }

  /** Reference entries into Cairn's own object store: verified, or checksummed when the client did not (artifact-references.ts). */
  private checkReferences(contents: Record<string, ManifestEntryJson>) {
    return checksumOwnReferences(contents, (uri, versionId) => this.blobs.statReference(uri, versionId));
  }

  /**
   * The commit of a version built from partial manifests: its base version's entries (INCREMENTAL), then each
   * uploaded part in the order they were created, a later entry replacing an earlier one of the same path. The
   * merged manifest is stored as the version's own FULL manifest (what downloads read), with its digest.
   */
  private async commitMerged(found: ArtifactInProject, parts: ArtifactManifestPart[], actor: ChangeActor): Promise<ArtifactInProject> {
    // A distributed writer that died before uploading its manifest contributed nothing.
    const uploaded: ArtifactManifestPart[] = [];
    for (const p of parts) if (await this.blobs.head(p.blobKey)) uploaded.push(p);
    if (uploaded.length === 0) throw invalidInput('cannot commit: the artifact manifest was not uploaded');
    const baseId = uploaded.find((p) => p.type === 'INCREMENTAL' && p.baseArtifactId !== null)?.baseArtifactId ?? null;
    const contents = new Map<string, ManifestEntryJson>();
    let policy: Pick<ManifestJson, 'storagePolicy' | 'storagePolicyConfig'> = { storagePolicy: 'wandb-storage-policy-v1', storagePolicyConfig: { storageLayout: 'V2' } };
    const apply = (m: ManifestJson) => {
      for (const [name, entry] of Object.entries(m.contents)) contents.set(name, entry);
      if (typeof m.storagePolicy === 'string') policy = { storagePolicy: m.storagePolicy, storagePolicyConfig: m.storagePolicyConfig ?? {} };
    };
    if (baseId !== null) {
      const base = await this.store.findArtifact(baseId);
      const baseManifest = base?.state === 'COMMITTED' ? await this.store.findManifest(baseId) : null;
      if (!baseManifest) throw new DomainError(ErrorCodes.CONFLICT, 'cannot commit: the base version of this incremental artifact was deleted');
      apply(await this.readManifest(baseManifest.blobKey));
    }
    // Only the parts' own entries are checked: a base version's were checked when it was committed.
    for (const p of uploaded) {
      const part = await this.readManifest(p.blobKey);
      apply({ ...part, contents: (await this.checkReferences(part.contents)).contents });
    }
    const merged = Object.fromEntries(contents);
    const files = await this.filesOf(merged);
    const key = manifestKey(found.artifact.id, 'wandb_manifest.json');
    const info = await this.blobs.put(key, Readable.from([Buffer.from(JSON.stringify({ version: 1, ...policy, contents: merged }))]));
    const artifact = await this.store.commit(found.artifact.id, files, randomBytes(10).toString('hex'), {
      digest: manifestContentsDigest(contents),
      manifest: { artifactId: found.artifact.id, type: 'FULL', name: 'wandb_manifest.json', digest: info.md5, blobKey: key, baseArtifactId: baseId },
    }, actor);
    return { ...found, artifact };
  }

  /** A version's file rows from its manifest entries: safe paths, and every uploaded file stored with its declared size. */
  private async filesOf(contents: Record<string, ManifestEntryJson>) {
    const files = [];
    for (const [name, entry] of Object.entries(contents)) {
      if (!isSafeEntryPath(name)) throw invalidInput(`cannot commit: invalid entry path ${JSON.stringify(name)}`);
      const size = typeof entry.size === 'number' ? entry.size : 0;
      const birth = typeof entry.birthArtifactID === 'string' ? decodeGqlId(entry.birthArtifactID, 'Artifact')?.id ?? null : null;
      if (typeof entry.ref === 'string') {
        files.push({ name, digest: String(entry.digest ?? ''), size, ref: entry.ref, birthArtifactId: birth });
        continue;
      }
      if (typeof entry.digest !== 'string') throw invalidInput(`cannot commit: entry ${name} has no digest`);
      let content = await this.store.findContent(md5Hex(entry.digest));
      if (content && !content.stored && (await this.adoptDirectUpload(md5Hex(entry.digest)))) content = await this.store.findContent(md5Hex(entry.digest));
      if (!content?.stored) throw invalidInput(`cannot commit: file ${name} was not uploaded`);
      if (content.size !== null && content.size !== size) throw invalidInput(`cannot commit: file ${name} is ${content.size} bytes, the manifest says ${size}`);
      files.push({ name, digest: entry.digest, size, ref: null, birthArtifactId: birth ?? content.birthArtifactId });
    }
    return files;
  }

  private async readManifest(key: string): Promise<ManifestJson> {
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
    const { storagePolicy, storagePolicyConfig } = m as { storagePolicy?: unknown; storagePolicyConfig?: unknown };
    return { storagePolicy, storagePolicyConfig, contents: contents as Record<string, ManifestEntryJson> };
  }

  /** useArtifact: the run consumed this version (lineage input). */
  async use(viewer: Viewer, input: { artifactID: string; entityName: string; projectName: string; runName: string; usedAs: string | null }) {
    const found = await this.byId(viewer, input.artifactID, { includePending: true });
    if (!found) throw new DomainError(ErrorCodes.NOT_FOUND, `artifact ${input.artifactID} not found`);
    const { project } = await this.access.project(viewer, input.entityName, input.projectName, 'write');
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
    await this.requireWritable(viewer, found);
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
    let aliasChange: { add: string[]; remove: string[] } | null = null;
    if (input.aliases) {
      for (const a of input.aliases) if (!ALIAS.test(a) || /^v\d+$/.test(a)) throw invalidInput(`invalid alias ${JSON.stringify(a)}`);
      const current = (await this.store.listAliases(artifact.id)).filter((r) => r.collectionId === artifact.sequenceId).map((r) => r.alias);
      // `latest` is the server's to move: a client's alias list neither adds nor removes it.
      aliasChange = {
        add: [...new Set(input.aliases)].filter((a) => a !== 'latest' && !current.includes(a)),
        remove: current.filter((a) => a !== 'latest' && !input.aliases!.includes(a)),
      };
      // Before any change, so a refused alias leaves description, tags and aliases as they were.
      await this.protection.requireMayChange(viewer, found, [...aliasChange.add, ...aliasChange.remove]);
    }
    const patch: { description?: string | null; metadata?: string | null; ttl?: TtlSetting } = {};
    if (input.description !== undefined) patch.description = input.description;
    if (input.metadata !== undefined && input.metadata !== null) patch.metadata = input.metadata;
    // null: the SDK left the TTL alone. Otherwise positive sets it, -1 inherits, -2 means never expire.
    if (input.ttlDurationSeconds !== undefined && input.ttlDurationSeconds !== null) patch.ttl = ttlFromWire(input.ttlDurationSeconds);
    const updated = await this.store.updateArtifact(artifact.id, patch);
    await this.store.addTags(artifact.id, input.tagsToAdd ?? []);
    await this.store.removeTags(artifact.id, input.tagsToDelete ?? []);
    if (aliasChange) {
      await this.store.removeAliases(artifact.sequenceId, artifact.id, aliasChange.remove, actorOf(viewer));
      await this.store.setAliases(artifact.sequenceId, artifact.id, aliasChange.add, actorOf(viewer));
    }
    return { ...found, artifact: updated };
  }

  /** addAliases / deleteAliases on the collections they name (in projects the viewer can see). */
  async changeAliases(viewer: Viewer, gqlId: string, aliases: { alias: string; artifactCollectionName: string; entityName: string; projectName: string }[], remove: boolean) {
    const found = await this.byId(viewer, gqlId);
    if (!found) throw new DomainError(ErrorCodes.NOT_FOUND, `artifact ${gqlId} not found`);
    // Every alias is checked (validity, access, protection) before any changes: a refusal changes nothing.
    const changes: { collectionId: number; alias: string }[] = [];
    for (const a of aliases) {
      // `latest` is the server's to move (as in update()): the SDK's save() sends it when it diffs alias lists.
      if (a.alias === 'latest') continue;
      if (!ALIAS.test(a.alias) || /^v\d+$/.test(a.alias)) throw invalidInput(`invalid alias ${JSON.stringify(a.alias)}`);
      const { entity, project } = await this.access.project(viewer, a.entityName, a.projectName, 'write');
      const collection = await this.store.findCollection(project.id, a.artifactCollectionName);
      const member = collection && (await this.store.membershipsOf(found.artifact.id)).some((m) => m.collectionId === collection.id);
      if (!collection || !member) throw new DomainError(ErrorCodes.NOT_FOUND, `artifact is not in collection ${a.artifactCollectionName}`);
      const holder = await this.store.findMembership(collection.id, { alias: a.alias });
      const pointsHere = holder?.artifact.id === found.artifact.id;
      // Adding an alias where it already points, or removing one that points elsewhere, changes nothing.
      if (remove ? !pointsHere : pointsHere) continue;
      await this.protection.requireMayChange(viewer, { entity, project }, [a.alias]);
      changes.push({ collectionId: collection.id, alias: a.alias });
    }
    for (const c of changes) {
      if (remove) await this.store.removeAliases(c.collectionId, found.artifact.id, [c.alias], actorOf(viewer));
      else await this.store.setAliases(c.collectionId, found.artifact.id, [c.alias], actorOf(viewer));
    }
  }

  /** deleteArtifact: refused while the version holds aliases unless deleteAliases is set. */
  async delete(viewer: Viewer, gqlId: string, deleteAliases: boolean): Promise<ArtifactInProject> {
    const found = await this.byId(viewer, gqlId, { includePending: true });
    if (!found) throw new DomainError(ErrorCodes.NOT_FOUND, `artifact ${gqlId} not found`);
    await this.requireWritable(viewer, found);
    const records = await this.store.listAliases(found.artifact.id);
    const aliases = records.map((a) => a.alias);
    if (aliases.length > 0 && !deleteAliases) {
      throw new DomainError(ErrorCodes.CONFLICT, `cannot delete an artifact with aliases (${aliases.join(', ')}): pass delete_aliases=True`);
    }
    // Deleting the version removes its aliases everywhere, protected ones in registries included.
    for (const collectionId of new Set(records.map((r) => r.collectionId))) {
      const collection = await this.store.findCollectionById(collectionId);
      const project = collection ? await this.meta.findProjectById(collection.projectId) : null;
      const entity = project ? await this.meta.findEntityById(project.entityId) : null;
      if (project && entity) {
        await this.protection.requireMayChange(viewer, { entity, project }, records.filter((r) => r.collectionId === collectionId).map((r) => r.alias));
      }
    }
    await this.store.markDeleted(found.artifact.id, actorOf(viewer));
    return found;
  }

  /** A sequence by its GraphQL id, for a viewer who may write to its project (else NOT_FOUND / FORBIDDEN). */
  private async writableSequence(viewer: Viewer, gqlId: string) {
    const ref = decodeGqlId(gqlId, 'ArtifactSequence');
    const collection = ref ? await this.store.findCollectionById(ref.id) : null;
    const project = collection ? await this.meta.findProjectById(collection.projectId) : null;
    const entity = project ? await this.meta.findEntityById(project.entityId) : null;
    if (!collection || collection.kind !== 'sequence' || !project || !entity || !(await this.access.canReadProject(viewer, entity, project))) {
      throw new DomainError(ErrorCodes.NOT_FOUND, `artifact sequence ${gqlId} not found`);
    }
    await this.access.requireProject(viewer, entity, project, 'write', () => new DomainError(ErrorCodes.NOT_FOUND, `artifact sequence ${gqlId} not found`));
    return { collection, project, entity };
  }

  /** updateArtifactSequence: a new name and/or description for a collection of logged versions. */
  async updateSequence(viewer: Viewer, gqlId: string, patch: { name?: string; description?: string | null }) {
    const found = await this.writableSequence(viewer, gqlId);
    if (patch.name !== undefined && !NAME.test(patch.name)) {
      throw invalidInput(`invalid artifact name ${JSON.stringify(patch.name)}: use letters, digits, '-', '_', '.'`);
    }
    return { ...found, collection: await this.store.updateCollection(found.collection.id, patch) };
  }

  /** moveArtifactSequence: the collection and all its versions get another type (created when new). */
  async moveSequence(viewer: Viewer, gqlId: string, typeName: string) {
    const found = await this.writableSequence(viewer, gqlId);
    if (!NAME.test(typeName)) throw invalidInput(`invalid artifact type ${JSON.stringify(typeName)}`);
    const current = await this.store.findTypeById(found.collection.typeId);
    // `wandb-*` types belong to the SDK's internal artifacts (run tables, jobs, ...): never a target or a source.
    if (typeName.startsWith(RESERVED_TYPE_PREFIX)) throw invalidInput(`artifact type ${typeName} is reserved for internal use`);
    if (current?.name.startsWith(RESERVED_TYPE_PREFIX)) throw invalidInput(`the current type ${current.name} is an internal type and cannot be changed`);
    const type = await this.store.ensureType(found.project.id, typeName);
    if (type.id === found.collection.typeId) return found;
    return { ...found, collection: await this.store.moveCollection(found.collection.id, type.id) };
  }

  /**
   * deleteArtifactSequence: each version is deleted as `artifact.delete(delete_aliases=True)` deletes one
   * (restorable for the grace period, then purged by the retention job), then the sequence is hidden.
   */
  async deleteSequence(viewer: Viewer, gqlId: string) {
    const found = await this.writableSequence(viewer, gqlId);
    for (const v of await this.store.listVersions(found.collection.id, 0, 1_000_000)) {
      await this.delete(viewer, encodeGqlId('Artifact', v.artifact.id), true);
    }
    await this.store.markCollectionDeleted(found.collection.id);
    return found;
  }

  /** createArtifactCollectionTagAssignments / deleteArtifactCollectionTagAssignments, by collection name. */
  async changeCollectionTags(viewer: Viewer, input: { entityName: string; projectName: string; collectionName: string; tags: string[] }, remove: boolean) {
    for (const t of input.tags) if (!TAG.test(t) || t.length > 128) throw invalidInput(`invalid tag ${JSON.stringify(t)}`);
    const { project } = await this.access.project(viewer, input.entityName, input.projectName, 'write');
    const collection = await this.store.findCollection(project.id, input.collectionName);
    if (!collection) throw new DomainError(ErrorCodes.NOT_FOUND, `artifact collection ${input.collectionName} not found`);
    if (remove) await this.store.removeCollectionTags(collection.id, input.tags);
    else await this.store.addCollectionTags(collection.id, input.tags);
    return { collectionId: collection.id, names: await this.store.listCollectionTags(collection.id) };
  }

  async storageUsage(viewer: Viewer, entityName: string, projectName: string) {
    const { project } = await this.access.project(viewer, entityName, projectName);
    return this.store.storageUsage(project.id);
  }

  /** Logical and deduplicated bytes of the project's versions over time (core/storage-history.ts). */
  async storageHistory(viewer: Viewer, entityName: string, projectName: string, now = Date.now()) {
    const { project } = await this.access.project(viewer, entityName, projectName);
    return storageHistory(await this.store.storageSpans(project.id), now);
  }

  /** A GET URL for a blob: presigned by the object store where it can (absolute), else Cairn-signed (a path). */
  async downloadUrlFor(key: string, fileName: string): Promise<string> {
    if (this.blobs.presignedUrl) {
      return this.blobs.presignedUrl(key, 'GET', this.signer.ttl, { downloadName: fileName.split('/').pop() ?? fileName });
    }
    return downloadPath(this.signer.sign('GET', key), fileName);
  }

  get artifactStore(): ArtifactStore {
    return this.store;
  }
}
