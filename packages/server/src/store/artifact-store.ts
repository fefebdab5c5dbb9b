import type { ProjectId, RunId } from '@cairn/shared';
import type { Selectable, Transaction } from 'kysely';
import { DomainError, ErrorCodes } from '../core/errors.js';
import type {
  Artifact, ArtifactAliasRecord, ArtifactCollection, ArtifactFileEntry, ArtifactManifestRecord, ArtifactState,
  ArtifactStore, ArtifactType, CollectionKind, ContentObject, NewArtifact,
} from '../core/ports.js';
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
  ttlSeconds: r.ttl_seconds, historyStep: r.history_step, versionIndex: r.version_index, commitHash: r.commit_hash,
  size: r.size, fileCount: r.file_count, createdByRunId: r.created_by_run_id as RunId | null, clientId: r.client_id,
  distributedId: r.distributed_id, requestedAliases: JSON.parse(r.requested_aliases) as string[],
  createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at),
});
const toFile = (r: Selectable<Database['artifact_files']>): ArtifactFileEntry => ({
  artifactId: r.artifact_id, name: r.name, digest: r.digest, size: r.size, ref: r.ref, birthArtifactId: r.birth_artifact_id,
});
const toContent = (r: Selectable<Database['content_objects']>): ContentObject => ({
  md5Hex: r.md5_hex, size: r.size, birthArtifactId: r.birth_artifact_id, stored: r.stored_at !== null,
});

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
    const c = (await this.findCollection(projectId, name))!;
    if (c.typeId !== typeId) {
      const type = await this.findTypeById(c.typeId);
      throw new DomainError(ErrorCodes.CONFLICT, `artifact ${name} already exists with type ${type?.name ?? '?'}: names are unique in a project`);
    }
    return c;
  }
  async findCollection(projectId: ProjectId, name: string) {
    const r = await this.db.selectFrom('artifact_collections').selectAll().where('project_id', '=', projectId).where('name', '=', name).executeTakeFirst();
    return r ? toCollection(r) : null;
  }
  async findCollectionById(id: number) {
    const r = await this.db.selectFrom('artifact_collections').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toCollection(r) : null;
  }
  async listCollections(projectId: ProjectId, typeId: number) {
    return (await this.db.selectFrom('artifact_collections').selectAll().where('project_id', '=', projectId)
      .where('type_id', '=', typeId).orderBy('name').execute()).map(toCollection);
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
  async findPendingByDistributedId(sequenceId: number, distributedId: string) {
    const r = await this.db.selectFrom('artifacts').selectAll().where('sequence_id', '=', sequenceId)
      .where('distributed_id', '=', distributedId).where('state', '=', 'PENDING').executeTakeFirst();
    return r ? toArtifact(r) : null;
  }
  async insertArtifact(a: NewArtifact) {
    return this.db.transaction().execute(async (tx) => {
      const now = Date.now();
      const r = await tx.insertInto('artifacts').values({
        project_id: a.projectId, sequence_id: a.sequenceId, type_id: a.typeId, state: 'PENDING', digest: a.digest,
        description: a.description, metadata: a.metadata, ttl_seconds: a.ttlSeconds, history_step: a.historyStep,
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

  async claimContent(md5Hex: string, birthArtifactId: number) {
    await this.db.insertInto('content_objects').values({
      md5_hex: md5Hex, size: null, birth_artifact_id: birthArtifactId, stored_at: null, created_at: Date.now(),
    }).onConflict((oc) => oc.column('md5_hex').doNothing()).execute();
    return (await this.findContent(md5Hex))!;
  }
  async findContent(md5Hex: string) {
    const r = await this.db.selectFrom('content_objects').selectAll().where('md5_hex', '=', md5Hex).executeTakeFirst();
    return r ? toContent(r) : null;
  }
  async markContentStored(md5Hex: string, size: number) {
    await this.db.updateTable('content_objects').set({ size, stored_at: Date.now() }).where('md5_hex', '=', md5Hex).execute();
  }

  async commit(artifactId: number, files: Omit<ArtifactFileEntry, 'artifactId'>[], commitHash: string) {
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
      await this.moveAliases(tx, a.sequence_id, a.id, aliases);
      const size = files.reduce((sum, f) => sum + f.size, 0);
      const r = await tx.updateTable('artifacts').set({
        state: 'COMMITTED', version_index: version, commit_hash: commitHash, size, file_count: files.length, updated_at: now,
        committed_at: now,
      }).where('id', '=', a.id).returningAll().executeTakeFirstOrThrow();
      return toArtifact(r);
    });
  }

  private async moveAliases(tx: Transaction<Database>, collectionId: number, artifactId: number, aliases: string[]) {
    const now = Date.now();
    for (const alias of [...new Set(aliases)]) {
      await tx.insertInto('artifact_aliases').values({ collection_id: collectionId, alias, artifact_id: artifactId, created_at: now })
        .onConflict((oc) => oc.columns(['collection_id', 'alias']).doUpdateSet({ artifact_id: artifactId, created_at: now })).execute();
    }
  }
  async setAliases(collectionId: number, artifactId: number, aliases: string[]) {
    await this.db.transaction().execute((tx) => this.moveAliases(tx, collectionId, artifactId, aliases));
  }
  async removeAliases(collectionId: number, artifactId: number, aliases: string[]) {
    if (aliases.length === 0) return;
    await this.db.deleteFrom('artifact_aliases').where('collection_id', '=', collectionId).where('artifact_id', '=', artifactId)
      .where('alias', 'in', aliases).execute();
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
  async listOutputs(runId: RunId) {
    return (await this.db.selectFrom('artifacts').selectAll().where('created_by_run_id', '=', runId).where('state', '=', 'COMMITTED')
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

  async updateArtifact(id: number, patch: { description?: string | null; metadata?: string | null; ttlSeconds?: number | null }) {
    const set: Partial<{ description: string | null; metadata: string | null; ttl_seconds: number | null; updated_at: number }> = { updated_at: Date.now() };
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.metadata !== undefined) set.metadata = patch.metadata;
    if (patch.ttlSeconds !== undefined) set.ttl_seconds = patch.ttlSeconds;
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
  async markDeleted(artifactId: number) {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('artifact_aliases').where('artifact_id', '=', artifactId).execute();
      await tx.updateTable('artifacts').set({ state: 'DELETED', updated_at: Date.now(), deleted_at: Date.now() }).where('id', '=', artifactId).execute();
    });
  }
  async listProjectCollections(projectId: ProjectId) {
    return (await this.db.selectFrom('artifact_collections').selectAll().where('project_id', '=', projectId).orderBy('name').execute()).map(toCollection);
  }

  async findExpired(now: number, limit: number) {
    const rows = await this.db.selectFrom('artifacts').selectAll('artifacts').where('state', '=', 'COMMITTED')
      .where('ttl_seconds', 'is not', null).where('committed_at', 'is not', null)
      .where((eb) => eb(eb('committed_at', '+', eb('ttl_seconds', '*', 1000)), '<', now))
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
      await tx.deleteFrom('artifact_aliases').where('artifact_id', '=', artifactId).execute();
      await tx.updateTable('artifacts').set({ state: 'DELETED', deleted_at: now, updated_at: now }).where('id', '=', artifactId)
        .where('state', '=', 'COMMITTED').execute();
    });
  }
  async restore(artifactId: number) {
    const r = await this.db.updateTable('artifacts').set({ state: 'COMMITTED', deleted_at: null, updated_at: Date.now() })
      .where('id', '=', artifactId).where('state', '=', 'DELETED').executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
  async findPurgeable(deletedBefore: number, limit: number) {
    const rows = await this.db.selectFrom('artifacts').selectAll().where('state', '=', 'DELETED')
      .where('deleted_at', '<', deletedBefore).orderBy('id').limit(limit).execute();
    return rows.map(toArtifact);
  }
  /** Removes a deleted version for good; returns the content (MD5 hex) nothing references any more. */
  async purge(artifactId: number): Promise<string[]> {
    return this.db.transaction().execute(async (tx) => {
      const files = await tx.selectFrom('artifact_files').select('digest').where('artifact_id', '=', artifactId)
        .where('ref', 'is', null).execute();
      await tx.deleteFrom('artifact_files').where('artifact_id', '=', artifactId).execute();
      await tx.deleteFrom('artifact_memberships').where('artifact_id', '=', artifactId).execute();
      await tx.deleteFrom('artifact_aliases').where('artifact_id', '=', artifactId).execute();
      await tx.deleteFrom('artifact_tags').where('artifact_id', '=', artifactId).execute();
      await tx.deleteFrom('artifact_manifests').where('artifact_id', '=', artifactId).execute();
      await tx.deleteFrom('artifact_usage').where('artifact_id', '=', artifactId).execute();
      await tx.updateTable('artifacts').set({ state: 'PURGED', updated_at: Date.now() }).where('id', '=', artifactId).execute();
      const orphans: string[] = [];
      for (const digest of new Set(files.map((f) => f.digest))) {
        // Reference counting: bytes shared by dedup stay while any other version (deleted ones in their
        // grace period included) lists them.
        const still = await tx.selectFrom('artifact_files').select('artifact_id').where('digest', '=', digest).limit(1).executeTakeFirst();
        if (!still) {
          const hex = Buffer.from(digest, 'base64').toString('hex');
          await tx.deleteFrom('content_objects').where('md5_hex', '=', hex).execute();
          orphans.push(hex);
        }
      }
      return orphans;
    });
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
    return {
      logicalBytes: Number(logical?.n ?? 0), storedBytes: Number(stored?.n ?? 0),
      collections: byCollection.map((c) => ({ name: c.name, logicalBytes: Number(c.bytes ?? 0), versions: Number(c.versions) })),
    };
  }
}
