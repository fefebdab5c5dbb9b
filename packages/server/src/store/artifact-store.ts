import type { ProjectId, RunId } from '@cairn/shared';
import { sql, type Selectable, type Transaction } from 'kysely';
import { DomainError, ErrorCodes } from '../core/errors.js';
import type {
  Artifact, ArtifactAliasRecord, ArtifactCollection, ArtifactFileEntry, ArtifactManifestPart, ArtifactManifestRecord, ArtifactState,
  ArtifactStore, ArtifactType, ChangeActor, CollectionKind, ContentObject, MergedManifest, ContentScope, NewArtifact, OrganizationId, StorageReportRow, TtlDefaults,
} from '../core/ports.js';
import { SYSTEM_ACTOR } from '../core/ports.js';
import { lockCollection, moveAliasesRecorded, removeAliasesRecorded, removeAllAliasesRecorded } from './promotion-events.js';
import type { Database } from './schema.js';
import type { SqlDatabase } from './sql-database.js';

const toType = (r: Selectable<Database['artifact_types']>): ArtifactType => ({
  id: r.id, projectId: r.project_id as ProjectId, name: r.name, createdAt: new Date(r.created_at),
});
const toCollection = (r: Selectable<Database['artifact_collections']>): ArtifactCollection => ({
  id: r.id, projectId: r.project_id as ProjectId, typeId: r.type_id, name: r.name, kind: r.kind as CollectionKind,
  description: r.description, createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at),
});
const toArtifact = (r: Selectable<Database['artifacts']>): Artifact => ({
  id: r.id, projectId: r.project_id as ProjectId, sequenceId: r.sequence_id, typeId: r.type_id,
  state: r.state as ArtifactState, digest: r.digest, description: r.description, metadata: r.metadata,
  ttlSeconds: r.ttl_seconds, ttlInherited: r.ttl_inherited !== 0, historyStep: r.history_step, versionIndex: r.version_index, commitHash: r.commit_hash,
  size: r.size, fileCount: r.file_count, createdByRunId: r.created_by_run_id as RunId | null, clientId: r.client_id,
  distributedId: r.distributed_id, requestedAliases: JSON.parse(r.requested_aliases) as string[],
  createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at),
});
const toFile = (r: Selectable<Database['artifact_files']>): ArtifactFileEntry => ({
  artifactId: r.artifact_id, name: r.name, digest: r.digest, size: r.size, ref: r.ref, birthArtifactId: r.birth_artifact_id,
});
const toPart = (r: Selectable<Database['artifact_manifest_parts']>): ArtifactManifestPart => ({
  id: r.id, artifactId: r.artifact_id, type: r.type, name: r.name, digest: r.digest, blobKey: r.blob_key, baseArtifactId: r.base_artifact_id,
});
const toContent = (r: Selectable<Database['content_objects']>): ContentObject => ({
  md5Hex: r.md5_hex, size: r.size, birthArtifactId: r.birth_artifact_id, stored: r.stored_at !== null,
});

const RETENTION_ACTOR: ChangeActor = { userId: null, username: 'retention' };

/** ArtifactStore on SQLite or PostgreSQL through Kysely; only portable SQL. */
export class KyselyArtifactStore implements ArtifactStore {
  private readonly db;
  constructor(sqlDb: SqlDatabase) {
    this.db = sqlDb.db;
  }

  async ensureType(projectId: ProjectId, name: string) {
    await this.db.insertInto('artifact_types').values({ project_id: projectId, name, created_at: Date.now() })
      .onConflict((oc) => oc.columns(['project_id', 'name']).doNothing()).execute();
    return (await this.findType(projectId, name))!;
  }
  async findType(projectId: ProjectId, name: string) {
    const r = await this.db.selectFrom('artifact_types').selectAll().where('project_id', '=', projectId).where('name', '=', name).executeTakeFirst();
    return r ? toType(r) : null;
  }
  async findTypeById(id: number) {
    const r = await this.db.selectFrom('artifact_types').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toType(r) : null;
  }
  async listTypes(projectId: ProjectId) {
    return (await this.db.selectFrom('artifact_types').selectAll().where('project_id', '=', projectId).orderBy('name').execute()).map(toType);
  }

  async ensureSequence(projectId: ProjectId, typeId: number, name: string, clientId: string | null) {
    const now = Date.now();
    await this.db.insertInto('artifact_collections').values({
      project_id: projectId, type_id: typeId, name, kind: 'sequence', description: null, client_id: clientId,
      created_at: now, updated_at: now,
    }).onConflict((oc) => oc.columns(['project_id', 'name']).doNothing()).execute();
    const held = (await this.findCollectionAnyState(projectId, name))!;
    let c: ArtifactCollection = held;
    if (held.deletedAt !== null) {
      // Logging under a deleted sequence's name brings it back (with this type); its deleted versions stay deleted.
      c = toCollection(await this.db.updateTable('artifact_collections').set({ deleted_at: null, type_id: typeId, updated_at: now })
        .where('id', '=', held.id).returningAll().executeTakeFirstOrThrow());
    }
    if (c.typeId !== typeId) {
      const type = await this.findTypeById(c.typeId);
      throw new DomainError(ErrorCodes.CONFLICT, `artifact ${name} already exists with type ${type?.name ?? '?'}: names are unique in a project`);
    }
    return c;
  }
  async findCollection(projectId: ProjectId, name: string) {
    const r = await this.db.selectFrom('artifact_collections').selectAll().where('project_id', '=', projectId).where('name', '=', name)
      .where('deleted_at', 'is', null).executeTakeFirst();
    return r ? toCollection(r) : null;
  }
  /** Deleted sequences included: they still hold their name. */
  private async findCollectionAnyState(projectId: ProjectId, name: string) {
    const r = await this.db.selectFrom('artifact_collections').selectAll().where('project_id', '=', projectId).where('name', '=', name).executeTakeFirst();
    return r ? { ...toCollection(r), deletedAt: r.deleted_at } : null;
  }
  async findCollectionById(id: number) {
    const r = await this.db.selectFrom('artifact_collections').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toCollection(r) : null;
  }
  async listCollections(projectId: ProjectId, typeId: number) {
    return (await this.db.selectFrom('artifact_collections').selectAll().where('project_id', '=', projectId)
      .where('type_id', '=', typeId).where('deleted_at', 'is', null).orderBy('name').execute()).map(toCollection);
  }

  async findArtifact(id: number) {
    const r = await this.db.selectFrom('artifacts').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toArtifact(r) : null;
  }
  async findArtifactByClientId(clientId: string) {
    const r = await this.db.selectFrom('artifacts').selectAll().where('client_id', '=', clientId).orderBy('id', 'desc').executeTakeFirst();
    return r ? toArtifact(r) : null;
  }
  async findCommittedByDigest(sequenceId: number, digest: string) {
    const r = await this.db.selectFrom('artifacts').selectAll().where('sequence_id', '=', sequenceId).where('digest', '=', digest)
      .where('state', '=', 'COMMITTED').orderBy('id', 'desc').executeTakeFirst();
    return r ? toArtifact(r) : null;
  }
  async findDistributed(sequenceId: number, distributedId: string) {
    const r = await this.db.selectFrom('artifacts').selectAll().where('sequence_id', '=', sequenceId)
      .where('distributed_id', '=', distributedId).where('state', 'in', ['PENDING', 'COMMITTED']).orderBy('id', 'desc').executeTakeFirst();
    return r ? toArtifact(r) : null;
  }
  async insertArtifact(a: NewArtifact) {
    try {
      return await this.insertNewArtifact(a);
    } catch (e) {
      // The unique index on pending (sequence, distributed id) refused a second pending version: join the first.
      if (a.distributedId === null) throw e;
      const holder = await this.db.selectFrom('artifacts').select('id').where('sequence_id', '=', a.sequenceId)
        .where('distributed_id', '=', a.distributedId).where('state', '=', 'PENDING').executeTakeFirst();
      if (!holder) throw e;
      return this.joinDistributed(holder.id, a.requestedAliases, a.tags);
    }
  }
  async joinDistributed(artifactId: number, aliases: string[], tags: string[]) {
    return this.db.transaction().execute(async (tx) => {
      // Writing the row first locks it (PostgreSQL), so writers joining at once do not lose each other's aliases.
      await tx.updateTable('artifacts').set({ updated_at: Date.now() }).where('id', '=', artifactId).execute();
      const r = await tx.selectFrom('artifacts').select('requested_aliases').where('id', '=', artifactId).executeTakeFirstOrThrow();
      const requested = [...new Set([...(JSON.parse(r.requested_aliases) as string[]), ...aliases])];
      const updated = await tx.updateTable('artifacts').set({ requested_aliases: JSON.stringify(requested), updated_at: Date.now() })
        .where('id', '=', artifactId).returningAll().executeTakeFirstOrThrow();
      if (tags.length > 0) {
        await tx.insertInto('artifact_tags').values([...new Set(tags)].map((name) => ({ artifact_id: artifactId, name })))
          .onConflict((oc) => oc.columns(['artifact_id', 'name']).doNothing()).execute();
      }
      return toArtifact(updated);
    });
  }
  private async insertNewArtifact(a: NewArtifact) {
    return this.db.transaction().execute(async (tx) => {
      const now = Date.now();
      const r = await tx.insertInto('artifacts').values({
        project_id: a.projectId, sequence_id: a.sequenceId, type_id: a.typeId, state: 'PENDING', digest: a.digest,
        description: a.description, metadata: a.metadata, ttl_seconds: a.ttlInherited ? null : a.ttlSeconds,
        ttl_inherited: a.ttlInherited ? 1 : 0, history_step: a.historyStep,
        version_index: null, commit_hash: null, created_by_run_id: a.createdByRunId, client_id: a.clientId,
        committed_at: null, deleted_at: null,
        distributed_id: a.distributedId, requested_aliases: JSON.stringify(a.requestedAliases), created_at: now, updated_at: now,
      }).returningAll().executeTakeFirstOrThrow();
      if (a.tags.length > 0) {
        await tx.insertInto('artifact_tags').values([...new Set(a.tags)].map((name) => ({ artifact_id: r.id, name }))).execute();
      }
      return toArtifact(r);
    });
  }

  async upsertManifest(m: ArtifactManifestRecord) {
    const values = {
      artifact_id: m.artifactId, type: m.type, name: m.name, digest: m.digest, blob_key: m.blobKey,
      base_artifact_id: m.baseArtifactId, updated_at: Date.now(),
    };
    await this.db.insertInto('artifact_manifests').values(values).onConflict((oc) => oc.column('artifact_id').doUpdateSet({
      type: values.type, name: values.name, digest: values.digest, blob_key: values.blob_key,
      base_artifact_id: values.base_artifact_id, updated_at: values.updated_at,
    })).execute();
  }
  async findManifest(artifactId: number) {
    const r = await this.db.selectFrom('artifact_manifests').selectAll().where('artifact_id', '=', artifactId).executeTakeFirst();
    return r ? { artifactId: r.artifact_id, type: r.type, name: r.name, digest: r.digest, blobKey: r.blob_key, baseArtifactId: r.base_artifact_id } : null;
  }

  async insertManifestPart(p: Omit<ArtifactManifestPart, 'id'>) {
    const r = await this.db.insertInto('artifact_manifest_parts').values({
      artifact_id: p.artifactId, type: p.type, name: p.name, digest: p.digest, blob_key: p.blobKey, base_artifact_id: p.baseArtifactId,
      created_at: Date.now(),
    }).returningAll().executeTakeFirstOrThrow();
    return toPart(r);
  }
  async findManifestPart(id: number) {
    const r = await this.db.selectFrom('artifact_manifest_parts').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toPart(r) : null;
  }
  async updateManifestPartDigest(id: number, digest: string) {
    await this.db.updateTable('artifact_manifest_parts').set({ digest }).where('id', '=', id).execute();
  }
  async listManifestParts(artifactId: number) {
    return (await this.db.selectFrom('artifact_manifest_parts').selectAll().where('artifact_id', '=', artifactId).orderBy('id').execute()).map(toPart);
  }

  async claimContent(md5Hex: string, birthArtifactId: number) {
    // Bytes claimed but never stored (an upload that died with its client) are born again to whoever claims
    // them next: the abandoned pending artifact would otherwise stay their birth artifact forever.
    await this.db.insertInto('content_objects').values({
      md5_hex: md5Hex, size: null, birth_artifact_id: birthArtifactId, stored_at: null, created_at: Date.now(),
    }).onConflict((oc) => oc.column('md5_hex').doUpdateSet({ birth_artifact_id: birthArtifactId }).where('content_objects.stored_at', 'is', null)).execute();
    return (await this.findContent(md5Hex))!;
  }
  async findContent(md5Hex: string) {
    const r = await this.db.selectFrom('content_objects').selectAll().where('md5_hex', '=', md5Hex).executeTakeFirst();
    return r ? toContent(r) : null;
  }
  async markContentStored(md5Hex: string, size: number) {
    await this.db.updateTable('content_objects').set({ size, stored_at: Date.now() }).where('md5_hex', '=', md5Hex).execute();
  }

  async commit(artifactId: number, files: Omit<ArtifactFileEntry, 'artifactId'>[], commitHash: string, merged?: MergedManifest, actor: ChangeActor = SYSTEM_ACTOR) {
    return this.db.transaction().execute(async (tx) => {
      const a = await tx.selectFrom('artifacts').selectAll().where('id', '=', artifactId).executeTakeFirstOrThrow();
      if (a.state === 'COMMITTED') return toArtifact(a);
      const last = await tx.selectFrom('artifact_memberships').select((eb) => eb.fn.max('version_index').as('v'))
        .where('collection_id', '=', a.sequence_id).executeTakeFirst();
      const version = last?.v === null || last?.v === undefined ? 0 : Number(last.v) + 1;
      const now = Date.now();
      await tx.insertInto('artifact_memberships').values({ collection_id: a.sequence_id, artifact_id: a.id, version_index: version, created_at: now }).execute();
      await tx.deleteFrom('artifact_files').where('artifact_id', '=', a.id).execute();
      for (let i = 0; i < files.length; i += 200) {
        await tx.insertInto('artifact_files').values(files.slice(i, i + 200).map((f) => ({
          artifact_id: a.id, name: f.name, digest: f.digest, size: f.size, ref: f.ref, birth_artifact_id: f.birthArtifactId,
        }))).execute();
      }
      const aliases = ['latest', ...(JSON.parse(a.requested_aliases) as string[]).filter((x) => x !== 'latest')];
      await this.moveAliases(tx, a.sequence_id, a.id, aliases, actor);
      const size = files.reduce((sum, f) => sum + f.size, 0);
      if (merged) {
        const m = merged.manifest;
        const values = { artifact_id: a.id, type: m.type, name: m.name, digest: m.digest, blob_key: m.blobKey, base_artifact_id: m.baseArtifactId, updated_at: now };
        await tx.insertInto('artifact_manifests').values(values).onConflict((oc) => oc.column('artifact_id').doUpdateSet({
          type: values.type, name: values.name, digest: values.digest, blob_key: values.blob_key,
          base_artifact_id: values.base_artifact_id, updated_at: now,
        })).execute();
      }
      const r = await tx.updateTable('artifacts').set({
        state: 'COMMITTED', version_index: version, commit_hash: commitHash, size, file_count: files.length, updated_at: now,
        committed_at: now, ...(merged ? { digest: merged.digest } : {}),
      }).where('id', '=', a.id).returningAll().executeTakeFirstOrThrow();
      return toArtifact(r);
    });
  }

  /** Alias changes are recorded in the promotion history in the same transaction (store/promotion-events.ts). */
  private async moveAliases(tx: Transaction<Database>, collectionId: number, artifactId: number, aliases: string[], actor: ChangeActor) {
    if (aliases.length === 0) return;
    const now = Date.now();
    const collection = await lockCollection(tx, collectionId, now);
    if (!collection) throw new DomainError(ErrorCodes.NOT_FOUND, 'artifact collection not found');
    await moveAliasesRecorded(tx, collection, artifactId, aliases, actor, now);
  }
  async setAliases(collectionId: number, artifactId: number, aliases: string[], actor: ChangeActor) {
    if (aliases.length === 0) return;
    await this.db.transaction().execute((tx) => this.moveAliases(tx, collectionId, artifactId, aliases, actor));
  }
  async removeAliases(collectionId: number, artifactId: number, aliases: string[], actor: ChangeActor) {
    if (aliases.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      const now = Date.now();
      const collection = await lockCollection(tx, collectionId, now);
      if (collection) await removeAliasesRecorded(tx, collection, artifactId, aliases, actor, now);
    });
  }
  async listAliases(artifactId: number): Promise<ArtifactAliasRecord[]> {
    const rows = await this.db.selectFrom('artifact_aliases').selectAll().where('artifact_id', '=', artifactId).orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, collectionId: r.collection_id, alias: r.alias, artifactId: r.artifact_id }));
  }
  async listTags(artifactId: number) {
    return (await this.db.selectFrom('artifact_tags').select('name').where('artifact_id', '=', artifactId).orderBy('name').execute()).map((r) => r.name);
  }

  async findMembership(collectionId: number, by: { versionIndex: number } | { alias: string }) {
    let artifactId: number | undefined;
    if ('alias' in by) {
      artifactId = (await this.db.selectFrom('artifact_aliases').select('artifact_id').where('collection_id', '=', collectionId)
        .where('alias', '=', by.alias).executeTakeFirst())?.artifact_id;
      if (artifactId === undefined) return null;
    }
    let q = this.db.selectFrom('artifact_memberships').select(['artifact_id', 'version_index']).where('collection_id', '=', collectionId);
    q = artifactId !== undefined ? q.where('artifact_id', '=', artifactId) : q.where('version_index', '=', (by as { versionIndex: number }).versionIndex);
    const m = await q.executeTakeFirst();
    if (!m) return null;
    const artifact = await this.findArtifact(m.artifact_id);
    return artifact && artifact.state === 'COMMITTED' ? { artifact, versionIndex: m.version_index } : null;
  }
  async membershipsOf(artifactId: number) {
    const rows = await this.db.selectFrom('artifact_memberships').select(['collection_id', 'version_index']).where('artifact_id', '=', artifactId).execute();
    return rows.map((r) => ({ collectionId: r.collection_id, versionIndex: r.version_index }));
  }
  async listVersions(collectionId: number, offset: number, limit: number) {
    const rows = await this.db.selectFrom('artifact_memberships').innerJoin('artifacts', 'artifacts.id', 'artifact_memberships.artifact_id')
      .selectAll('artifacts').select('artifact_memberships.version_index as membership_version')
      .where('artifact_memberships.collection_id', '=', collectionId).where('artifacts.state', '=', 'COMMITTED')
      .orderBy('artifact_memberships.version_index', 'desc').offset(offset).limit(limit).execute();
    return rows.map((r) => ({ artifact: toArtifact(r), versionIndex: r.membership_version }));
  }
  async listFiles(artifactId: number, opts: { names?: string[]; offset: number; limit: number }) {
    let q = this.db.selectFrom('artifact_files').selectAll().where('artifact_id', '=', artifactId);
    if (opts.names && opts.names.length > 0) q = q.where('name', 'in', opts.names);
    return (await q.orderBy('name').offset(opts.offset).limit(opts.limit).execute()).map(toFile);
  }
  async countFiles(artifactId: number, names?: string[]) {
    let q = this.db.selectFrom('artifact_files').select((eb) => eb.fn.countAll<number>().as('n')).where('artifact_id', '=', artifactId);
    if (names && names.length > 0) q = q.where('name', 'in', names);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  async recordUsage(runId: RunId, artifactId: number, usedAs: string | null) {
    await this.db.insertInto('artifact_usage').values({ run_id: runId, artifact_id: artifactId, used_as: usedAs, created_at: Date.now() })
      .onConflict((oc) => oc.columns(['run_id', 'artifact_id']).doNothing()).execute();
  }
  async recordOutput(runId: RunId, artifactId: number) {
    await this.db.insertInto('artifact_outputs').values({ run_id: runId, artifact_id: artifactId, created_at: Date.now() })
      .onConflict((oc) => oc.columns(['run_id', 'artifact_id']).doNothing()).execute();
  }
  async listOutputs(runId: RunId) {
    return (await this.db.selectFrom('artifacts').selectAll().where('state', '=', 'COMMITTED')
      .where((eb) => eb.or([
        eb('created_by_run_id', '=', runId),
        eb('id', 'in', eb.selectFrom('artifact_outputs').select('artifact_id').where('run_id', '=', runId)),
      ]))
      .orderBy('id').execute()).map(toArtifact);
  }
  async listInputs(runId: RunId) {
    return (await this.db.selectFrom('artifact_usage').innerJoin('artifacts', 'artifacts.id', 'artifact_usage.artifact_id')
      .selectAll('artifacts').where('artifact_usage.run_id', '=', runId).where('artifacts.state', '=', 'COMMITTED')
      .orderBy('artifact_usage.created_at').execute()).map(toArtifact);
  }
  async usedBy(artifactId: number) {
    return (await this.db.selectFrom('artifact_usage').select('run_id').where('artifact_id', '=', artifactId).orderBy('created_at').execute())
      .map((r) => r.run_id as RunId);
  }

  async updateArtifact(id: number, patch: { description?: string | null; metadata?: string | null; ttl?: { seconds: number | null; inherited: boolean } }) {
    const set: Partial<{ description: string | null; metadata: string | null; ttl_seconds: number | null; ttl_inherited: number; updated_at: number }> = { updated_at: Date.now() };
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.metadata !== undefined) set.metadata = patch.metadata;
    if (patch.ttl !== undefined) {
      set.ttl_seconds = patch.ttl.inherited ? null : patch.ttl.seconds;
      set.ttl_inherited = patch.ttl.inherited ? 1 : 0;
    }
    return toArtifact(await this.db.updateTable('artifacts').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow());
  }
  async addTags(artifactId: number, tags: string[]) {
    if (tags.length === 0) return;
    await this.db.insertInto('artifact_tags').values([...new Set(tags)].map((name) => ({ artifact_id: artifactId, name })))
      .onConflict((oc) => oc.columns(['artifact_id', 'name']).doNothing()).execute();
  }
  async removeTags(artifactId: number, tags: string[]) {
    if (tags.length === 0) return;
    await this.db.deleteFrom('artifact_tags').where('artifact_id', '=', artifactId).where('name', 'in', tags).execute();
  }
  async markDeleted(artifactId: number, actor: ChangeActor = SYSTEM_ACTOR) {
    await this.db.transaction().execute(async (tx) => {
      await removeAllAliasesRecorded(tx, artifactId, actor, Date.now(), 'version deleted');
      await tx.updateTable('artifacts').set({ state: 'DELETED', updated_at: Date.now(), deleted_at: Date.now() }).where('id', '=', artifactId).execute();
    });
  }
  async listProjectCollections(projectId: ProjectId) {
    return (await this.db.selectFrom('artifact_collections').selectAll().where('project_id', '=', projectId)
      .where('deleted_at', 'is', null).orderBy('name').execute()).map(toCollection);
  }
  async updateCollection(id: number, patch: { name?: string; description?: string | null }) {
    const current = await this.findCollectionById(id);
    if (!current) throw new DomainError(ErrorCodes.NOT_FOUND, 'artifact collection not found');
    if (patch.name !== undefined && patch.name !== current.name && (await this.findCollectionAnyState(current.projectId, patch.name))) {
      throw new DomainError(ErrorCodes.CONFLICT, `an artifact collection named ${patch.name} already exists in this project`);
    }
    const set: Partial<{ name: string; description: string | null; updated_at: number }> = { updated_at: Date.now() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.description !== undefined) set.description = patch.description;
    try {
      return toCollection(await this.db.updateTable('artifact_collections').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow());
    } catch (e) {
      // Lost a race for the name: the unique index refused it.
      if (patch.name !== undefined && (await this.findCollectionAnyState(current.projectId, patch.name))) {
        throw new DomainError(ErrorCodes.CONFLICT, `an artifact collection named ${patch.name} already exists in this project`);
      }
      throw e;
    }
  }
  async moveCollection(id: number, typeId: number) {
    return this.db.transaction().execute(async (tx) => {
      const now = Date.now();
      await tx.updateTable('artifacts').set({ type_id: typeId, updated_at: now }).where('sequence_id', '=', id).execute();
      return toCollection(await tx.updateTable('artifact_collections').set({ type_id: typeId, updated_at: now }).where('id', '=', id)
        .returningAll().executeTakeFirstOrThrow());
    });
  }
  async listCollectionTags(collectionId: number) {
    return (await this.db.selectFrom('artifact_collection_tags').select('name').where('collection_id', '=', collectionId).orderBy('name').execute())
      .map((r) => r.name);
  }
  async addCollectionTags(collectionId: number, tags: string[]) {
    if (tags.length === 0) return;
    await this.db.insertInto('artifact_collection_tags').values([...new Set(tags)].map((name) => ({ collection_id: collectionId, name })))
      .onConflict((oc) => oc.columns(['collection_id', 'name']).doNothing()).execute();
  }
  async removeCollectionTags(collectionId: number, tags: string[]) {
    if (tags.length === 0) return;
    await this.db.deleteFrom('artifact_collection_tags').where('collection_id', '=', collectionId).where('name', 'in', tags).execute();
  }

  async findExpired(now: number, limit: number) {
    // The version's own TTL, else its collection's default, else its project's, else its organization's (0 = never expire).
    const ttl = sql<number | null>`(CASE WHEN artifacts.ttl_inherited = 0 THEN artifacts.ttl_seconds ELSE COALESCE(
      (SELECT d.ttl_seconds FROM artifact_ttl_defaults d WHERE d.project_id = artifacts.project_id AND d.collection_id = artifacts.sequence_id),
      (SELECT d.ttl_seconds FROM artifact_ttl_defaults d WHERE d.project_id = artifacts.project_id AND d.collection_id = 0),
      (SELECT o.ttl_seconds FROM org_artifact_ttl_defaults o JOIN entities e ON e.org_id = o.org_id JOIN projects p ON p.entity_id = e.id
        WHERE p.id = artifacts.project_id AND e.type IN ('team', 'organization'))) END)`;
    const rows = await this.db.selectFrom('artifacts').selectAll('artifacts').where('state', '=', 'COMMITTED')
      .where('committed_at', 'is not', null)
      .where(sql<boolean>`${ttl} > 0`)
      .where(sql<boolean>`artifacts.committed_at + ${ttl} * 1000 < ${now}`)
      // Versions linked into a registry (portfolio collections) never expire.
      .where((eb) => eb.not(eb.exists(eb.selectFrom('artifact_memberships')
        .innerJoin('artifact_collections', 'artifact_collections.id', 'artifact_memberships.collection_id')
        .select('artifact_memberships.artifact_id')
        .whereRef('artifact_memberships.artifact_id', '=', 'artifacts.id').where('artifact_collections.kind', '=', 'portfolio'))))
      .orderBy('id').limit(limit).execute();
    return rows.map(toArtifact);
  }
  async softDelete(artifactId: number, now: number) {
    await this.db.transaction().execute(async (tx) => {
      await removeAllAliasesRecorded(tx, artifactId, RETENTION_ACTOR, now, 'version expired');
      await tx.updateTable('artifacts').set({ state: 'DELETED', deleted_at: now, updated_at: now }).where('id', '=', artifactId)
        .where('state', '=', 'COMMITTED').execute();
    });
  }
  async restore(artifactId: number) {
    const r = await this.db.updateTable('artifacts').set({ state: 'COMMITTED', deleted_at: null, updated_at: Date.now() })
      .where('id', '=', artifactId).where('state', '=', 'DELETED').executeTakeFirst();
    // A version restored from a deleted sequence brings the sequence back with it.
    await this.db.updateTable('artifact_collections').set({ deleted_at: null })
      .where('id', '=', (eb) => eb.selectFrom('artifacts').select('sequence_id').where('id', '=', artifactId))
      .where('deleted_at', 'is not', null).execute();
    return Number(r.numUpdatedRows) > 0;
  }
  async markCollectionDeleted(collectionId: number) {
    const now = Date.now();
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('artifact_collections').set({ deleted_at: now, updated_at: now }).where('id', '=', collectionId).execute();
      await tx.deleteFrom('artifact_collection_tags').where('collection_id', '=', collectionId).execute();
    });
  }
  async findPurgeable(deletedBefore: number, limit: number) {
    const rows = await this.db.selectFrom('artifacts').selectAll().where('state', '=', 'DELETED')
      .where('deleted_at', '<', deletedBefore).orderBy('id').limit(limit).execute();
    return rows.map(toArtifact);
  }
  /** Removes a deleted version for good; returns the content (MD5 hex) nothing references any more. */
  async purge(artifactId: number): Promise<void> {
    return this.db.transaction().execute(async (tx) => {
      const files = await tx.selectFrom('artifact_files').select('digest').where('artifact_id', '=', artifactId)
        .where('ref', 'is', null).execute();
      await tx.deleteFrom('artifact_files').where('artifact_id', '=', artifactId).execute();
      await tx.deleteFrom('artifact_memberships').where('artifact_id', '=', artifactId).execute();
      await tx.deleteFrom('artifact_aliases').where('artifact_id', '=', artifactId).execute();
      await tx.deleteFrom('artifact_tags').where('artifact_id', '=', artifactId).execute();
      await tx.deleteFrom('artifact_manifests').where('artifact_id', '=', artifactId).execute();
      await tx.deleteFrom('artifact_manifest_parts').where('artifact_id', '=', artifactId).execute();
      await tx.deleteFrom('artifact_usage').where('artifact_id', '=', artifactId).execute();
      await tx.deleteFrom('artifact_outputs').where('artifact_id', '=', artifactId).execute();
      await tx.updateTable('artifacts').set({ state: 'PURGED', updated_at: Date.now() }).where('id', '=', artifactId).execute();
      const now = Date.now();
      for (const digest of new Set(files.map((f) => f.digest))) {
        // Reference counting: bytes shared by dedup stay while any other version (deleted ones in their
        // grace period included) lists them.
        const still = await tx.selectFrom('artifact_files').select('artifact_id').where('digest', '=', digest).limit(1).executeTakeFirst();
        if (!still) {
          const hex = Buffer.from(digest, 'base64').toString('hex');
          await tx.deleteFrom('content_objects').where('md5_hex', '=', hex).execute();
          await tx.insertInto('blob_deletions').values({ md5_hex: hex, queued_at: now })
            .onConflict((oc) => oc.column('md5_hex').doNothing()).execute();
        }
      }
    });
  }
  async queuedBlobDeletions(limit: number) {
    return (await this.db.selectFrom('blob_deletions').select('md5_hex').orderBy('queued_at').orderBy('md5_hex').limit(limit).execute())
      .map((r) => r.md5_hex);
  }
  async blobStillReleased(md5Hex: string) {
    return !(await this.db.selectFrom('content_objects').select('md5_hex').where('md5_hex', '=', md5Hex).executeTakeFirst());
  }
  async dequeueBlobDeletion(md5Hex: string) {
    await this.db.deleteFrom('blob_deletions').where('md5_hex', '=', md5Hex).execute();
  }
  /** Bytes of a project's live versions: logical (as logged) and stored (each distinct content once). */
  async storageUsage(projectId: ProjectId) {
    const logical = await this.db.selectFrom('artifacts').select((eb) => eb.fn.sum<number>('size').as('n'))
      .where('project_id', '=', projectId).where('state', '=', 'COMMITTED').executeTakeFirst();
    const distinct = await this.db.selectFrom('artifact_files')
      .innerJoin('artifacts', 'artifacts.id', 'artifact_files.artifact_id')
      .select((eb) => ['artifact_files.digest', eb.fn.max('artifact_files.size').as('size')])
      .where('artifacts.project_id', '=', projectId).where('artifacts.state', '=', 'COMMITTED').where('artifact_files.ref', 'is', null)
      .groupBy('artifact_files.digest').execute();
    const stored = { n: distinct.reduce((sum, d) => sum + Number(d.size), 0) };
    const byCollection = await this.db.selectFrom('artifacts').innerJoin('artifact_collections', 'artifact_collections.id', 'artifacts.sequence_id')
      .select(['artifact_collections.name as name', (eb) => eb.fn.sum<number>('artifacts.size').as('bytes'), (eb) => eb.fn.countAll<number>().as('versions')])
      .where('artifacts.project_id', '=', projectId).where('artifacts.state', '=', 'COMMITTED')
      .groupBy('artifact_collections.name').orderBy('artifact_collections.name').execute();
    const storedByCollection = new Map((await this.storedBytesBy('collection', projectId)).map((r) => [r.collectionId, r.bytes]));
    const collectionIds = new Map((await this.listProjectCollections(projectId)).map((c) => [c.name, c.id]));
    return {
      logicalBytes: Number(logical?.n ?? 0), storedBytes: Number(stored?.n ?? 0),
      collections: byCollection.map((c) => ({
        name: c.name, logicalBytes: Number(c.bytes ?? 0), storedBytes: storedByCollection.get(collectionIds.get(c.name) ?? -1) ?? 0,
        versions: Number(c.versions),
      })),
    };
  }

  async storageSpans(projectId: ProjectId) {
    // Spans with equal ends are summed in SQL: a 100k-file version gives one row, not 100k.
    const logical = await this.db.selectFrom('artifacts')
      .select(['committed_at as from', 'deleted_at as until', (eb) => eb.fn.sum<number>('size').as('bytes')])
      .where('project_id', '=', projectId).where('state', 'in', ['COMMITTED', 'DELETED', 'PURGED']).where('committed_at', 'is not', null)
      .groupBy(['committed_at', 'deleted_at']).execute();
    // Per content: first referenced by a version's commit, released when the last version listing it was
    // deleted (never, while a live one lists it).
    const perDigest = this.db.selectFrom('artifact_files').innerJoin('artifacts', 'artifacts.id', 'artifact_files.artifact_id')
      .select((eb) => [
        eb.fn.min('artifacts.committed_at').as('first_at'),
        eb.fn.max(sql<number>`CASE WHEN artifacts.state = 'COMMITTED' THEN 1 ELSE 0 END`).as('live'),
        eb.fn.max('artifacts.deleted_at').as('last_deleted'),
        eb.fn.max('artifact_files.size').as('size'),
      ])
      .where('artifacts.project_id', '=', projectId).where('artifacts.state', 'in', ['COMMITTED', 'DELETED'])
      .where('artifacts.committed_at', 'is not', null).where('artifact_files.ref', 'is', null)
      .groupBy('artifact_files.digest');
    const stored = await this.db.selectFrom(perDigest.as('d'))
      .select(['d.first_at', 'd.live', 'd.last_deleted', (eb) => eb.fn.sum<number>('d.size').as('bytes')])
      .groupBy(['d.first_at', 'd.live', 'd.last_deleted']).execute();
    return {
      logical: logical.map((r) => ({ from: Number(r.from), until: r.until === null ? null : Number(r.until), bytes: Number(r.bytes ?? 0) })),
      stored: stored.map((r) => ({
        from: Number(r.first_at), until: Number(r.live) === 1 || r.last_deleted === null ? null : Number(r.last_deleted), bytes: Number(r.bytes ?? 0),
      })),
    };
  }

  /**
   * Stored (deduplicated) bytes of live versions per project or per collection: each distinct content
   * once within the group, references not counted (their bytes live elsewhere).
   */
  private async storedBytesBy(level: 'project' | 'collection', projectId?: ProjectId) {
    const groupCol = level === 'project' ? 'artifacts.project_id' : 'artifacts.sequence_id';
    let inner = this.db.selectFrom('artifact_files').innerJoin('artifacts', 'artifacts.id', 'artifact_files.artifact_id')
      .select([`${groupCol} as g`, 'artifacts.project_id as p', 'artifact_files.digest', (eb) => eb.fn.max('artifact_files.size').as('size')])
      .where('artifacts.state', '=', 'COMMITTED').where('artifact_files.ref', 'is', null)
      .groupBy([groupCol, 'artifacts.project_id', 'artifact_files.digest']);
    if (projectId !== undefined) inner = inner.where('artifacts.project_id', '=', projectId);
    const rows = await this.db.selectFrom(inner.as('d')).select(['d.g', 'd.p', (eb) => eb.fn.sum<number>('d.size').as('bytes')])
      .groupBy(['d.g', 'd.p']).execute();
    return rows.map((r) => ({ projectId: Number(r.p), collectionId: Number(r.g), bytes: Number(r.bytes ?? 0) }));
  }

  async storageReport(): Promise<StorageReportRow[]> {
    const logical = await this.db.selectFrom('artifacts')
      .innerJoin('artifact_collections', 'artifact_collections.id', 'artifacts.sequence_id')
      .innerJoin('projects', 'projects.id', 'artifacts.project_id')
      .innerJoin('entities', 'entities.id', 'projects.entity_id')
      .select(['entities.name as entity', 'projects.name as project', 'projects.id as projectId', 'artifact_collections.name as collection',
        'artifact_collections.id as collectionId', (eb) => eb.fn.sum<number>('artifacts.size').as('bytes'),
        (eb) => eb.fn.countAll<number>().as('versions')])
      .where('artifacts.state', '=', 'COMMITTED')
      .groupBy(['entities.name', 'projects.name', 'projects.id', 'artifact_collections.name', 'artifact_collections.id'])
      .orderBy('entities.name').orderBy('projects.name').orderBy('artifact_collections.name').execute();
    const storedByProject = new Map((await this.storedBytesBy('project')).map((r) => [r.projectId, r.bytes]));
    const storedByCollection = new Map((await this.storedBytesBy('collection')).map((r) => [r.collectionId, r.bytes]));
    const out: StorageReportRow[] = [];
    const projects = new Map<number, StorageReportRow>();
    for (const r of logical) {
      const pid = Number(r.projectId);
      let p = projects.get(pid);
      if (!p) {
        p = { entity: r.entity, project: r.project, collection: null, logicalBytes: 0, storedBytes: storedByProject.get(pid) ?? 0, versions: 0 };
        projects.set(pid, p);
        out.push(p);
      }
      p.logicalBytes += Number(r.bytes ?? 0);
      p.versions += Number(r.versions);
      out.push({
        entity: r.entity, project: r.project, collection: r.collection, logicalBytes: Number(r.bytes ?? 0),
        storedBytes: storedByCollection.get(Number(r.collectionId)) ?? 0, versions: Number(r.versions),
      });
    }
    return out;
  }

  async ttlDefaults(projectId: ProjectId, collectionId: number): Promise<TtlDefaults> {
    const rows = await this.db.selectFrom('artifact_ttl_defaults').select(['collection_id', 'ttl_seconds'])
      .where('project_id', '=', projectId).where('collection_id', 'in', [0, collectionId]).execute();
    const at = (id: number) => rows.find((r) => Number(r.collection_id) === id);
    const project = at(0);
    const collection = collectionId === 0 ? undefined : at(collectionId);
    const org = await this.db.selectFrom('projects').innerJoin('entities', 'entities.id', 'projects.entity_id')
      .innerJoin('org_artifact_ttl_defaults', 'org_artifact_ttl_defaults.org_id', 'entities.org_id')
      .select('org_artifact_ttl_defaults.ttl_seconds').where('projects.id', '=', projectId)
      .where('entities.type', 'in', ['team', 'organization']).executeTakeFirst();
    return {
      project: project ? Number(project.ttl_seconds) : null, collection: collection ? Number(collection.ttl_seconds) : null,
      organization: org ? Number(org.ttl_seconds) : null,
    };
  }

  async orgTtlDefault(orgId: OrganizationId) {
    const row = await this.db.selectFrom('org_artifact_ttl_defaults').select('ttl_seconds').where('org_id', '=', orgId).executeTakeFirst();
    return row ? Number(row.ttl_seconds) : null;
  }

  async setOrgTtlDefault(orgId: OrganizationId, seconds: number | null) {
    if (seconds === null) {
      await this.db.deleteFrom('org_artifact_ttl_defaults').where('org_id', '=', orgId).execute();
      return;
    }
    const now = Date.now();
    await this.db.insertInto('org_artifact_ttl_defaults').values({ org_id: orgId, ttl_seconds: seconds, updated_at: now })
      .onConflict((oc) => oc.column('org_id').doUpdateSet({ ttl_seconds: seconds, updated_at: now })).execute();
  }

  async setTtlDefault(projectId: ProjectId, collectionId: number, seconds: number | null) {
    if (seconds === null) {
      await this.db.deleteFrom('artifact_ttl_defaults').where('project_id', '=', projectId).where('collection_id', '=', collectionId).execute();
      return;
    }
    const now = Date.now();
    await this.db.insertInto('artifact_ttl_defaults').values({ project_id: projectId, collection_id: collectionId, ttl_seconds: seconds, updated_at: now })
      .onConflict((oc) => oc.columns(['project_id', 'collection_id']).doUpdateSet({ ttl_seconds: seconds, updated_at: now })).execute();
  }

  async contentHeld(digest: string, scope: ContentScope) {
    let q = this.db.selectFrom('artifact_files').innerJoin('artifacts', 'artifacts.id', 'artifact_files.artifact_id')
      .select('artifact_files.size').where('artifact_files.digest', '=', digest).where('artifact_files.ref', 'is', null)
      .where('artifacts.state', '=', 'COMMITTED');
    if ('artifactId' in scope) q = q.where('artifacts.id', '=', scope.artifactId);
    else if ('collectionId' in scope) {
      // Members of the collection: its own versions and, for a portfolio, the versions linked into it.
      q = q.where((eb) => eb.exists(eb.selectFrom('artifact_memberships').select('artifact_memberships.artifact_id')
        .whereRef('artifact_memberships.artifact_id', '=', 'artifacts.id').where('artifact_memberships.collection_id', '=', scope.collectionId)));
    } else if ('projectIds' in scope) {
      if (scope.projectIds.length === 0) return null;
      q = q.where('artifacts.project_id', 'in', scope.projectIds);
    } else {
      q = q.innerJoin('projects', 'projects.id', 'artifacts.project_id').where('projects.entity_id', '=', scope.entityId);
    }
    const r = await q.limit(1).executeTakeFirst();
    return r ? { size: Number(r.size) } : null;
  }
}
