import { decodeGqlId, type EntityId, type ProjectId, type UserId } from '@cairn/shared';
import { sql, type RawBuilder, type Selectable } from 'kysely';
import { DomainError, ErrorCodes, invalidInput } from '../core/errors.js';
import type { ArtifactCollection, ArtifactState, ChangeActor, CollectionKind, Project, Scalar } from '../core/ports.js';
import { SYSTEM_ACTOR } from '../core/ports.js';
import type {
  CollectionFieldRef, CollectionSearch, LinkInput, LinkedVersion, Paging, RegistryFieldRef, RegistryMember, RegistryMemberKind,
  RegistryRole, RegistryScope, RegistrySettings, RegistryStore, RegistryVisibility, SearchOrder, VersionFieldRef, VersionSearch,
} from '../core/registry-ports.js';
import { FilterSql, type Sql, type SqlField } from './filter-sql.js';
import { lockCollection, moveAliasesRecorded, recordCollectionChanges, recordRegistryRoleChange, removeAliasesRecorded } from './promotion-events.js';
import type { Database } from './schema.js';
import type { SqlDatabase } from './sql-database.js';

const toProject = (r: Selectable<Database['projects']>): Project => ({
  id: r.id as ProjectId, entityId: r.entity_id as EntityId, name: r.name, description: r.description,
  createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at), runCount: r.run_counter,
  visibility: r.visibility as Project['visibility'],
});
const toCollection = (r: Selectable<Database['artifact_collections']>): ArtifactCollection => ({
  id: r.id, projectId: r.project_id as ProjectId, typeId: r.type_id, name: r.name, kind: r.kind as CollectionKind,
  description: r.description, createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at),
});

/** A user's id operand: a number, a numeric string, or one of our GraphQL ids of the given types. */
function idOperand(types: string[]) {
  return (v: Scalar): Scalar => {
    if (typeof v !== 'string' || /^\d+$/.test(v)) return v;
    const decoded = decodeGqlId(v);
    if (!decoded || !types.includes(decoded.type)) throw invalidInput(`not a ${types[0]} id: ${JSON.stringify(v)}`);
    return decoded.id;
  };
}
/** "v3" or 3 → 3. */
const versionOperand = (v: Scalar): Scalar => {
  if (typeof v === 'string') {
    const m = /^v?(\d+)$/.exec(v);
    if (!m) throw invalidInput(`not a version: ${JSON.stringify(v)} (use "v3" or 3)`);
    return Number(m[1]);
  }
  return v;
};

const ref = (column: string) => sql.ref(column);
const text = (expr: Sql): SqlField => ({ kind: 'value', type: 'text', expr });
const time = (expr: Sql): SqlField => ({ kind: 'value', type: 'time', expr });

function registryField(f: RegistryFieldRef): SqlField {
  switch (f.column) {
    case 'id': return { kind: 'value', type: 'number', expr: ref('p.id'), coerce: idOperand(['Project', 'ProjectInternalId']) };
    case 'name': return text(ref('p.name'));
    case 'entityId': return { kind: 'value', type: 'number', expr: ref('p.entity_id'), coerce: idOperand(['Entity']) };
    case 'description': return text(ref('p.description'));
    case 'createdAt': return time(ref('p.created_at'));
    case 'updatedAt': return time(ref('p.updated_at'));
  }
}

function collectionField(f: CollectionFieldRef): SqlField {
  switch (f.column) {
    case 'id': return { kind: 'value', type: 'number', expr: ref('c.id'), coerce: idOperand(['ArtifactPortfolio', 'ArtifactCollection', 'ArtifactSequence']) };
    case 'name': return text(ref('c.name'));
    case 'description': return text(ref('c.description'));
    case 'createdAt': return time(ref('c.created_at'));
    case 'updatedAt': return time(ref('c.updated_at'));
    case 'type': return text(sql`(select ct.name from artifact_types ct where ct.id = c.type_id)`);
    case 'tag': return {
      kind: 'set', nonEmpty: sql`exists (select 1 from artifact_collection_tags ctg where ctg.collection_id = c.id)`,
      any: (cond) => sql`exists (select 1 from artifact_collection_tags ctg where ctg.collection_id = c.id and ${cond(sql`ctg.name`)})`,
    };
  }
}

function versionField(dialect: SqlDatabase['dialect'], f: VersionFieldRef): SqlField {
  if ('metadata' in f) {
    // Metadata is stored as the client's JSON text, checked to be an object when written.
    return { kind: 'json', doc: dialect === 'postgres' ? sql`(a.metadata)::jsonb` : sql`a.metadata`, path: f.metadata };
  }
  switch (f.column) {
    case 'id': return { kind: 'value', type: 'number', expr: ref('a.id'), coerce: idOperand(['Artifact']) };
    case 'version': return { kind: 'value', type: 'number', expr: ref('m.version_index'), coerce: versionOperand };
    case 'createdAt': return time(ref('a.created_at'));
    case 'updatedAt': return time(ref('a.updated_at'));
    case 'linkedAt': return time(ref('m.created_at'));
    case 'size': return { kind: 'value', type: 'number', expr: ref('a.size') };
    case 'digest': return text(ref('a.digest'));
    case 'description': return text(ref('a.description'));
    case 'tag': return {
      kind: 'set', nonEmpty: sql`exists (select 1 from artifact_tags atg where atg.artifact_id = a.id)`,
      any: (cond) => sql`exists (select 1 from artifact_tags atg where atg.artifact_id = a.id and ${cond(sql`atg.name`)})`,
    };
    case 'alias': {
      // The version's aliases in this collection only.
      const inCollection = sql`al.collection_id = m.collection_id and al.artifact_id = m.artifact_id`;
      return {
        kind: 'set', nonEmpty: sql`exists (select 1 from artifact_aliases al where ${inCollection})`,
        any: (cond) => sql`exists (select 1 from artifact_aliases al where ${inCollection} and ${cond(sql`al.alias`)})`,
      };
    }
  }
}

const asBool = (s: Sql) => s as RawBuilder<boolean>;
const asOrder = (s: Sql) => s as RawBuilder<never>;

/** RegistryStore on SQLite or PostgreSQL through Kysely; searches compile to parameterised SQL (store/filter-sql.ts). */
export class KyselyRegistryStore implements RegistryStore {
  private readonly db;
  private readonly registries;
  private readonly collections;
  private readonly versions;

  constructor(sqlDb: SqlDatabase) {
    this.db = sqlDb.db;
    this.registries = new FilterSql<RegistryFieldRef>(sqlDb.dialect, registryField);
    this.collections = new FilterSql<CollectionFieldRef>(sqlDb.dialect, collectionField);
    this.versions = new FilterSql<VersionFieldRef>(sqlDb.dialect, (f) => versionField(sqlDb.dialect, f));
  }

  async findSettings(projectId: ProjectId): Promise<RegistrySettings | null> {
    const r = await this.db.selectFrom('registries').selectAll().where('project_id', '=', projectId).executeTakeFirst();
    if (!r) return null;
    const types = await this.db.selectFrom('registry_artifact_types').select('name').where('project_id', '=', projectId)
      .orderBy('created_at').orderBy('name').execute();
    return {
      projectId, visibility: r.visibility as RegistryVisibility, allowAllTypes: r.allow_all_types !== 0,
      artifactTypes: types.map((t) => t.name),
    };
  }

  async saveSettings(projectId: ProjectId, patch: { visibility?: RegistryVisibility; allowAllTypes?: boolean; addTypes?: string[] }, defaults: Omit<RegistrySettings, 'projectId'>) {
    await this.db.transaction().execute(async (tx) => {
      const now = Date.now();
      await tx.insertInto('registries').values({
        project_id: projectId, visibility: defaults.visibility, allow_all_types: defaults.allowAllTypes ? 1 : 0, created_at: now, updated_at: now,
      }).onConflict((oc) => oc.column('project_id').doNothing()).execute();
      const set: { updated_at: number; visibility?: string; allow_all_types?: number } = { updated_at: now };
      if (patch.visibility !== undefined) set.visibility = patch.visibility;
      if (patch.allowAllTypes !== undefined) set.allow_all_types = patch.allowAllTypes ? 1 : 0;
      await tx.updateTable('registries').set(set).where('project_id', '=', projectId).execute();
      const types = [...new Set([...(defaults.artifactTypes ?? []), ...(patch.addTypes ?? [])])];
      if (types.length > 0) {
        await tx.insertInto('registry_artifact_types').values(types.map((name) => ({ project_id: projectId, name, created_at: now })))
          .onConflict((oc) => oc.columns(['project_id', 'name']).doNothing()).execute();
      }
    });
    return (await this.findSettings(projectId))!;
  }

  async createRegistry(input: { entityId: EntityId; name: string; description: string | null; settings: Omit<RegistrySettings, 'projectId'>; admin: UserId | null }) {
    const now = Date.now();
    const created = await this.db.transaction().execute(async (tx) => {
      const inserted = await tx.insertInto('projects').values({
        entity_id: input.entityId, name: input.name, description: input.description, created_at: now, updated_at: now, run_counter: 0,
      }).onConflict((oc) => oc.columns(['entity_id', 'name']).doNothing()).returningAll().executeTakeFirst();
      if (!inserted) return null;
      await tx.insertInto('registries').values({
        project_id: inserted.id, visibility: input.settings.visibility, allow_all_types: input.settings.allowAllTypes ? 1 : 0,
        created_at: now, updated_at: now,
      }).execute();
      const types = [...new Set(input.settings.artifactTypes)];
      if (types.length > 0) {
        await tx.insertInto('registry_artifact_types').values(types.map((name) => ({ project_id: inserted.id, name, created_at: now }))).execute();
      }
      if (input.admin !== null) {
        await tx.insertInto('registry_members').values({ project_id: inserted.id, member_kind: 'user', member_id: input.admin, role: 'admin', created_at: now }).execute();
        const creator = await tx.selectFrom('users').select('username').where('id', '=', input.admin).executeTakeFirst();
        await recordRegistryRoleChange(tx, inserted.id, { kind: 'user', id: input.admin }, { from: null, to: 'admin' },
          { userId: input.admin, username: creator?.username ?? 'system' }, now);
      }
      return inserted;
    });
    return created ? toProject(created) : null;
  }

  async updateProject(projectId: ProjectId, patch: { name?: string; description?: string | null }) {
    const current = await this.db.selectFrom('projects').selectAll().where('id', '=', projectId).executeTakeFirst();
    if (!current) throw new DomainError(ErrorCodes.PROJECT_NOT_FOUND, 'project not found');
    const taken = async (name: string) => (await this.db.selectFrom('projects').select('id').where('entity_id', '=', current.entity_id)
      .where('name', '=', name).executeTakeFirst()) !== undefined;
    const conflict = () => new DomainError(ErrorCodes.CONFLICT, `a project named ${patch.name} already exists: please use a different name`);
    if (patch.name !== undefined && patch.name !== current.name && (await taken(patch.name))) throw conflict();
    const set: { updated_at: number; name?: string; description?: string | null } = { updated_at: Date.now() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.description !== undefined) set.description = patch.description;
    try {
      return toProject(await this.db.updateTable('projects').set(set).where('id', '=', projectId).returningAll().executeTakeFirstOrThrow());
    } catch (e) {
      if (patch.name !== undefined && (await taken(patch.name))) throw conflict(); // lost a race for the name
      throw e;
    }
  }

  async deleteRegistry(projectId: ProjectId): Promise<'deleted' | 'not-empty'> {
    return this.db.transaction().execute(async (tx) => {
      const runs = await tx.selectFrom('runs').select('id').where('project_id', '=', projectId).limit(1).executeTakeFirst();
      const own = await tx.selectFrom('artifacts').select('id').where('project_id', '=', projectId).limit(1).executeTakeFirst();
      if (runs || own) return 'not-empty';
      const collections = (await tx.selectFrom('artifact_collections').select('id').where('project_id', '=', projectId).execute()).map((r) => r.id);
      if (collections.length > 0) {
        await tx.deleteFrom('artifact_aliases').where('collection_id', 'in', collections).execute();
        await tx.deleteFrom('artifact_memberships').where('collection_id', 'in', collections).execute();
        await tx.deleteFrom('artifact_collection_tags').where('collection_id', 'in', collections).execute();
        await tx.deleteFrom('portfolio_counters').where('collection_id', 'in', collections).execute();
        await tx.deleteFrom('artifact_collections').where('id', 'in', collections).execute();
      }
      await tx.deleteFrom('artifact_types').where('project_id', '=', projectId).execute();
      await tx.deleteFrom('registry_artifact_types').where('project_id', '=', projectId).execute();
      await tx.deleteFrom('registry_members').where('project_id', '=', projectId).execute();
      await tx.deleteFrom('registries').where('project_id', '=', projectId).execute();
      await tx.deleteFrom('projects').where('id', '=', projectId).execute();
      return 'deleted';
    });
  }

  async listMembers(projectId: ProjectId): Promise<RegistryMember[]> {
    const rows = await this.db.selectFrom('registry_members').selectAll().where('project_id', '=', projectId)
      .orderBy('created_at').orderBy('member_kind').orderBy('member_id').execute();
    return rows.map((r) => ({
      kind: r.member_kind as RegistryMemberKind, memberId: Number(r.member_id) as UserId, role: r.role as RegistryRole, createdAt: new Date(r.created_at),
    }));
  }

  async setMember(projectId: ProjectId, kind: RegistryMemberKind, memberId: number, role: RegistryRole, actor: ChangeActor = SYSTEM_ACTOR) {
    return this.db.transaction().execute(async (tx) => {
      const before = await tx.selectFrom('registry_members').select('role').where('project_id', '=', projectId)
        .where('member_kind', '=', kind).where('member_id', '=', memberId).executeTakeFirst();
      await tx.insertInto('registry_members').values({ project_id: projectId, member_kind: kind, member_id: memberId, role, created_at: Date.now() })
        .onConflict((oc) => oc.columns(['project_id', 'member_kind', 'member_id']).doUpdateSet({ role })).execute();
      // Role changes are promotion history too, written with the change.
      await recordRegistryRoleChange(tx, projectId, { kind, id: memberId }, { from: before?.role ?? null, to: role }, actor, Date.now());
      return (before?.role as RegistryRole | undefined) ?? null;
    });
  }

  async removeMember(projectId: ProjectId, kind: RegistryMemberKind, memberId: number, actor: ChangeActor = SYSTEM_ACTOR) {
    return this.db.transaction().execute(async (tx) => {
      const removed = await tx.deleteFrom('registry_members').where('project_id', '=', projectId).where('member_kind', '=', kind)
        .where('member_id', '=', memberId).returning('role').executeTakeFirst();
      if (removed) await recordRegistryRoleChange(tx, projectId, { kind, id: memberId }, { from: removed.role, to: null }, actor, Date.now());
      return (removed?.role as RegistryRole | undefined) ?? null;
    });
  }

  async memberRoles(projectIds: ProjectId[], userId: UserId, teamIds: EntityId[]) {
    const out = new Map<ProjectId, RegistryRole[]>();
    if (projectIds.length === 0) return out;
    const rows = await this.db.selectFrom('registry_members').select(['project_id', 'role']).where('project_id', 'in', projectIds)
      .where((eb) => eb.or([
        eb.and([eb('member_kind', '=', 'user'), eb('member_id', '=', userId)]),
        ...(teamIds.length > 0 ? [eb.and([eb('member_kind', '=', 'team'), eb('member_id', 'in', teamIds)])] : []),
      ])).execute();
    for (const r of rows) {
      const id = Number(r.project_id) as ProjectId;
      out.set(id, [...(out.get(id) ?? []), r.role as RegistryRole]);
    }
    return out;
  }

  async link(input: LinkInput) {
    const now = Date.now();
    await this.db.insertInto('artifact_types').values({ project_id: input.projectId, name: input.typeName, created_at: now })
      .onConflict((oc) => oc.columns(['project_id', 'name']).doNothing()).execute();
    const type = await this.db.selectFrom('artifact_types').select('id').where('project_id', '=', input.projectId)
      .where('name', '=', input.typeName).executeTakeFirstOrThrow();
    await this.db.insertInto('artifact_collections').values({
      project_id: input.projectId, type_id: type.id, name: input.collectionName, kind: 'portfolio', description: null, client_id: null,
      created_at: now, updated_at: now,
    }).onConflict((oc) => oc.columns(['project_id', 'name']).doNothing()).execute();
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('artifact_collections').selectAll().where('project_id', '=', input.projectId)
        .where('name', '=', input.collectionName).executeTakeFirstOrThrow();
      if (row.kind !== 'portfolio') {
        throw new DomainError(ErrorCodes.CONFLICT, `${input.collectionName} is a collection of logged versions, not a linked (portfolio) collection: link to another name`);
      }
      if (Number(row.type_id) !== Number(type.id)) {
        const held = await tx.selectFrom('artifact_types').select('name').where('id', '=', row.type_id).executeTakeFirst();
        throw invalidInput(`collection ${input.collectionName} holds artifacts of type ${held?.name ?? '?'}, not ${input.typeName}`);
      }
      const locked = (await lockCollection(tx, row.id, now))!;
      const existing = await tx.selectFrom('artifact_memberships').select('version_index').where('collection_id', '=', row.id)
        .where('artifact_id', '=', input.artifactId).executeTakeFirst();
      let versionIndex: number;
      if (existing) {
        versionIndex = Number(existing.version_index);
        await moveAliasesRecorded(tx, locked, input.artifactId, input.aliases, input.actor, now);
      } else {
        const counter = await tx.selectFrom('portfolio_counters').select('next_version').where('collection_id', '=', row.id).executeTakeFirst();
        const max = await tx.selectFrom('artifact_memberships').select((eb) => eb.fn.max('version_index').as('v'))
          .where('collection_id', '=', row.id).executeTakeFirst();
        versionIndex = Math.max(Number(counter?.next_version ?? 0), max?.v === null || max?.v === undefined ? 0 : Number(max.v) + 1);
        await tx.insertInto('portfolio_counters').values({ collection_id: row.id, next_version: versionIndex + 1 })
          .onConflict((oc) => oc.column('collection_id').doUpdateSet({ next_version: versionIndex + 1 })).execute();
        await tx.insertInto('artifact_memberships').values({ collection_id: row.id, artifact_id: input.artifactId, version_index: versionIndex, created_at: now }).execute();
        await recordCollectionChanges(tx, locked, [{ action: 'link', alias: null, fromArtifactId: null, toArtifactId: input.artifactId }], input.actor, now);
        await moveAliasesRecorded(tx, locked, input.artifactId, ['latest', ...input.aliases.filter((a) => a !== 'latest')], input.actor, now);
      }
      const collection = toCollection(await tx.selectFrom('artifact_collections').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow());
      return { collection, versionIndex, created: !existing };
    });
  }

  async unlink(collectionId: number, artifactId: number, actor: ChangeActor) {
    return this.db.transaction().execute(async (tx) => {
      const now = Date.now();
      const locked = await lockCollection(tx, collectionId, now);
      if (!locked || locked.kind !== 'portfolio') return false;
      const member = await tx.selectFrom('artifact_memberships').select('version_index').where('collection_id', '=', collectionId)
        .where('artifact_id', '=', artifactId).executeTakeFirst();
      if (!member) return false;
      const hadLatest = await tx.selectFrom('artifact_aliases').select('id').where('collection_id', '=', collectionId)
        .where('artifact_id', '=', artifactId).where('alias', '=', 'latest').executeTakeFirst();
      await removeAliasesRecorded(tx, locked, artifactId, null, actor, now, { reason: 'unlink' });
      await recordCollectionChanges(tx, locked, [{ action: 'unlink', alias: null, fromArtifactId: artifactId, toArtifactId: null }], actor, now);
      await tx.deleteFrom('artifact_memberships').where('collection_id', '=', collectionId).where('artifact_id', '=', artifactId).execute();
      if (hadLatest) await this.moveLatestToNewest(tx, locked, actor, now);
      return true;
    });
  }

  /** `latest` of a portfolio goes to its newest live member (none left: no `latest`). */
  private async moveLatestToNewest(tx: Parameters<typeof lockCollection>[0], locked: NonNullable<Awaited<ReturnType<typeof lockCollection>>>, actor: ChangeActor, now: number) {
    const newest = await tx.selectFrom('artifact_memberships').innerJoin('artifacts', 'artifacts.id', 'artifact_memberships.artifact_id')
      .select('artifact_memberships.artifact_id').where('artifact_memberships.collection_id', '=', locked.id)
      .where('artifacts.state', '=', 'COMMITTED').orderBy('artifact_memberships.version_index', 'desc').limit(1).executeTakeFirst();
    if (newest) await moveAliasesRecorded(tx, locked, Number(newest.artifact_id), ['latest'], actor, now, { reason: 'unlink' });
  }

  async deletePortfolio(collectionId: number, actor: ChangeActor) {
    await this.db.transaction().execute(async (tx) => {
      const now = Date.now();
      const locked = await lockCollection(tx, collectionId, now);
      if (!locked) return;
      if (locked.kind !== 'portfolio') throw invalidInput('only linked (portfolio) collections are deleted this way');
      const members = await tx.selectFrom('artifact_memberships').select('artifact_id').where('collection_id', '=', collectionId).orderBy('version_index').execute();
      for (const m of members) {
        await removeAliasesRecorded(tx, locked, Number(m.artifact_id), null, actor, now, { reason: 'collection deleted' });
      }
      await recordCollectionChanges(tx, locked, members.map((m) => ({
        action: 'unlink' as const, alias: null, fromArtifactId: Number(m.artifact_id), toArtifactId: null, detail: { reason: 'collection deleted' },
      })), actor, now);
      await tx.deleteFrom('artifact_memberships').where('collection_id', '=', collectionId).execute();
      await tx.deleteFrom('artifact_collection_tags').where('collection_id', '=', collectionId).execute();
      await tx.deleteFrom('portfolio_counters').where('collection_id', '=', collectionId).execute();
      await tx.deleteFrom('artifact_collections').where('id', '=', collectionId).execute();
    });
  }

  private direction(order: SearchOrder<unknown> | null) {
    return sql.raw(order?.descending ? 'desc' : 'asc');
  }

  async searchRegistries(q: RegistryScope & Paging & { order: SearchOrder<RegistryFieldRef> | null }) {
    if (q.projectIds.length === 0) return [];
    const dir = this.direction(q.order);
    const rows = await this.db.selectFrom('projects as p').selectAll('p').where('p.id', 'in', q.projectIds)
      .where(asBool(this.registries.where(q.registryFilter)))
      .orderBy(asOrder(q.order ? sql`${this.registries.orderExpr(q.order.field)} ${dir}, p.id ${dir}` : sql`p.id asc`))
      .offset(q.offset).limit(q.limit).execute();
    return rows.map(toProject);
  }

  private collectionsQuery(q: Omit<CollectionSearch, 'order' | 'offset' | 'limit'>) {
    return this.db.selectFrom('artifact_collections as c').innerJoin('projects as p', 'p.id', 'c.project_id')
      .where('p.id', 'in', q.projectIds).where('c.kind', '=', 'portfolio')
      .where(asBool(this.registries.where(q.registryFilter)))
      .where(asBool(this.collections.where(q.collectionFilter)));
  }

  async searchCollections(q: CollectionSearch) {
    if (q.projectIds.length === 0) return [];
    const dir = this.direction(q.order);
    const rows = await this.collectionsQuery(q).selectAll('c')
      .orderBy(asOrder(q.order ? sql`${this.collections.orderExpr(q.order.field)} ${dir}, c.id ${dir}` : sql`c.id asc`))
      .offset(q.offset).limit(q.limit).execute();
    return rows.map(toCollection);
  }

  async countCollections(q: Omit<CollectionSearch, 'order' | 'offset' | 'limit'>) {
    if (q.projectIds.length === 0) return 0;
    const r = await this.collectionsQuery(q).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  private versionsQuery(q: Omit<VersionSearch, 'order' | 'offset' | 'limit'>) {
    return this.db.selectFrom('artifact_memberships as m')
      .innerJoin('artifact_collections as c', 'c.id', 'm.collection_id')
      .innerJoin('projects as p', 'p.id', 'c.project_id')
      .innerJoin('artifacts as a', 'a.id', 'm.artifact_id')
      .where('p.id', 'in', q.projectIds).where('c.kind', '=', 'portfolio').where('a.state', '=', 'COMMITTED')
      .where(asBool(this.registries.where(q.registryFilter)))
      .where(asBool(this.collections.where(q.collectionFilter)))
      .where(asBool(this.versions.where(q.versionFilter)));
  }

  async searchVersions(q: VersionSearch): Promise<LinkedVersion[]> {
    if (q.projectIds.length === 0) return [];
    const dir = this.direction(q.order);
    const rows = await this.versionsQuery(q).selectAll('a')
      .select(['m.version_index as m_version', 'm.created_at as m_linked', 'c.id as c_id', 'c.project_id as c_project_id', 'c.type_id as c_type_id',
        'c.name as c_name', 'c.kind as c_kind', 'c.description as c_description', 'c.created_at as c_created_at', 'c.updated_at as c_updated_at'])
      .orderBy(asOrder(q.order
        ? sql`${this.versions.orderExpr(q.order.field)} ${dir}, m.collection_id ${dir}, m.version_index ${dir}`
        : sql`p.id asc, c.id asc, m.version_index asc`))
      .offset(q.offset).limit(q.limit).execute();
    return rows.map((r) => ({
      collection: {
        id: r.c_id, projectId: r.c_project_id as ProjectId, typeId: r.c_type_id, name: r.c_name, kind: r.c_kind as CollectionKind,
        description: r.c_description, createdAt: new Date(r.c_created_at), updatedAt: new Date(r.c_updated_at),
      },
      artifact: {
        id: r.id, projectId: r.project_id as ProjectId, sequenceId: r.sequence_id, typeId: r.type_id,
        state: r.state as ArtifactState, digest: r.digest, description: r.description, metadata: r.metadata,
        ttlSeconds: r.ttl_seconds, ttlInherited: r.ttl_inherited !== 0, historyStep: r.history_step, versionIndex: r.version_index,
        commitHash: r.commit_hash, size: r.size, fileCount: r.file_count, createdByRunId: r.created_by_run_id as never, clientId: r.client_id,
        distributedId: r.distributed_id, requestedAliases: JSON.parse(r.requested_aliases) as string[],
        createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at),
      },
      versionIndex: Number(r.m_version), linkedAt: new Date(r.m_linked),
    }));
  }

  async countVersions(q: Omit<VersionSearch, 'order' | 'offset' | 'limit'>) {
    if (q.projectIds.length === 0) return 0;
    const r = await this.versionsQuery(q).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async portfoliosOf(artifactId: number) {
    const rows = await this.db.selectFrom('artifact_memberships as m').innerJoin('artifact_collections as c', 'c.id', 'm.collection_id')
      .selectAll('c').select(['m.version_index as m_version', 'm.created_at as m_linked'])
      .where('m.artifact_id', '=', artifactId).where('c.kind', '=', 'portfolio').orderBy('m.created_at').orderBy('c.id').execute();
    return rows.map((r) => ({ collection: toCollection(r), versionIndex: Number(r.m_version), linkedAt: new Date(r.m_linked) }));
  }

  async linkedAt(collectionId: number, artifactId: number) {
    const r = await this.db.selectFrom('artifact_memberships').select('created_at').where('collection_id', '=', collectionId)
      .where('artifact_id', '=', artifactId).executeTakeFirst();
    return r ? new Date(Number(r.created_at)) : null;
  }

  async typesInUse(projectId: ProjectId) {
    const rows = await this.db.selectFrom('artifact_collections as c').innerJoin('artifact_types as t', 't.id', 'c.type_id')
      .select('t.name').distinct().where('c.project_id', '=', projectId).where('c.kind', '=', 'portfolio').orderBy('t.name').execute();
    return rows.map((r) => r.name);
  }
}

