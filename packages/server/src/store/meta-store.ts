import { sql, type RawBuilder, type Selectable } from 'kysely';
import { RunQuerySql } from './run-query.js';
import { toStrictJson, type EntityId, type ProjectId, type RunId, type UserId } from '@cairn/shared';
import type {
  ApiKeyRecord, Entity, EntityType, FilterNode, Member, MetaStore, NewRun, Organization, OrganizationId, Project, ProjectMember, ProjectVisibility, Role, Run,
  FieldRef, RunFile, RunGroupCount, RunPatch, RunQuery, RunState, User,
} from '../core/ports.js';
import type { Database } from './schema.js';
import type { SqlDatabase } from './sql-database.js';

// Storage rows become domain objects here and only here.
const toEntity = (r: Selectable<Database['entities']>): Entity => ({
  id: r.id as EntityId, name: r.name, type: r.type as EntityType, createdAt: new Date(r.created_at),
  orgId: r.org_id === null ? null : (Number(r.org_id) as OrganizationId),
});
const toUser = (r: Selectable<Database['users']>): User => ({
  id: r.id as UserId, username: r.username, email: r.email, admin: r.admin === 1, entityId: r.entity_id as EntityId,
  createdAt: new Date(r.created_at), deletedAt: r.deleted_at === null ? null : new Date(r.deleted_at),
  serviceAccount: r.service_account === 1,
});
const toOrganization = (r: Selectable<Database['organizations']>): Organization => ({
  id: Number(r.id) as OrganizationId, name: r.name, entityId: Number(r.entity_id) as EntityId, createdAt: new Date(r.created_at),
});
const toKey = (r: Selectable<Database['api_keys']>): ApiKeyRecord => ({
  id: r.id, userId: r.user_id as UserId, keyHash: r.key_hash, prefix: r.prefix, name: r.name,
  createdAt: new Date(r.created_at), revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at),
});
const toProject = (r: Selectable<Database['projects']>): Project => ({
  id: r.id as ProjectId, entityId: r.entity_id as EntityId, name: r.name, description: r.description,
  createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at), runCount: r.run_counter,
  visibility: r.visibility as ProjectVisibility,
});
const toRun = (r: Selectable<Database['runs']>): Run => ({
  id: r.id as RunId, projectId: r.project_id as ProjectId, name: r.name, displayName: r.display_name,
  number: r.number, userId: r.user_id as UserId | null, state: r.state as RunState, config: r.config,
  summary: r.summary, systemMetrics: r.system_metrics, tags: JSON.parse(r.tags) as string[], notes: r.notes,
  description: r.description, groupName: r.group_name, jobType: r.job_type, host: r.host, program: r.program,
  commit: r.commit_sha, repo: r.repo, sweepName: r.sweep_name, exitCode: r.exit_code,
  stopRequested: r.stop_requested === 1, createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at),
  heartbeatAt: new Date(r.heartbeat_at),
});
const toRunFile = (r: Selectable<Database['run_files']>): RunFile => ({
  runId: r.run_id as RunId, name: r.name, blobKey: r.blob_key, sizeBytes: r.size_bytes, md5: r.md5,
  mimetype: r.mimetype, uploaded: r.uploaded === 1, updatedAt: new Date(r.updated_at),
});

type RunUpdate = Partial<Omit<Database['runs'], 'id' | 'config_q' | 'summary_q' | 'state_alert_pending'>> & { config_q?: string; summary_q?: string; state_alert_pending?: string | null };

function runColumns(patch: RunPatch): RunUpdate {
  const out: RunUpdate = {};
  if (patch.displayName !== undefined) out.display_name = patch.displayName;
  if (patch.state !== undefined) out.state = patch.state;
  if (patch.config !== undefined) {
    out.config = patch.config;
    out.config_q = toStrictJson(patch.config);
  }
  if (patch.summary !== undefined) {
    out.summary = patch.summary;
    out.summary_q = toStrictJson(patch.summary);
  }
  if (patch.systemMetrics !== undefined) out.system_metrics = patch.systemMetrics;
  if (patch.tags !== undefined) out.tags = JSON.stringify(patch.tags);
  if (patch.notes !== undefined) out.notes = patch.notes;
  if (patch.description !== undefined) out.description = patch.description;
  if (patch.groupName !== undefined) out.group_name = patch.groupName;
  if (patch.jobType !== undefined) out.job_type = patch.jobType;
  if (patch.host !== undefined) out.host = patch.host;
  if (patch.program !== undefined) out.program = patch.program;
  if (patch.commit !== undefined) out.commit_sha = patch.commit;
  if (patch.repo !== undefined) out.repo = patch.repo;
  if (patch.sweepName !== undefined) out.sweep_name = patch.sweepName;
  if (patch.exitCode !== undefined) out.exit_code = patch.exitCode;
  if (patch.stopRequested !== undefined) out.stop_requested = patch.stopRequested ? 1 : 0;
  if (patch.heartbeatAt !== undefined) out.heartbeat_at = patch.heartbeatAt.getTime();
  if (patch.stateAlertPending !== undefined) out.state_alert_pending = patch.stateAlertPending;
  return out;
}

class RunExists extends Error {}

/** MetaStore on SQLite or PostgreSQL through Kysely; only portable SQL. */
export class KyselyMetaStore implements MetaStore {
  private readonly db;
  constructor(private readonly sqlDb: SqlDatabase) {
    this.db = sqlDb.db;
  }

  async findEntityByName(name: string) {
    const r = await this.db.selectFrom('entities').selectAll().where('name', '=', name).executeTakeFirst();
    return r ? toEntity(r) : null;
  }
  async findEntityById(id: EntityId) {
    const r = await this.db.selectFrom('entities').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toEntity(r) : null;
  }
  async createEntity(name: string, type: EntityType) {
    const r = await this.db.insertInto('entities').values({ name, type, created_at: Date.now() })
      .returningAll().executeTakeFirstOrThrow();
    return toEntity(r);
  }
  async findUserByUsername(username: string) {
    const r = await this.db.selectFrom('users').selectAll().where('username', '=', username)
      .where('deleted_at', 'is', null).executeTakeFirst();
    return r ? toUser(r) : null;
  }
  async findUserById(id: UserId) {
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toUser(r) : null;
  }
  async createUser(input: { username: string; email: string | null; admin: boolean; serviceAccount?: boolean }) {
    return this.db.transaction().execute(async (tx) => {
      const now = Date.now();
      const entity = await tx.insertInto('entities').values({ name: input.username, type: 'user', created_at: now })
        .returningAll().executeTakeFirstOrThrow();
      const user = await tx.insertInto('users').values({
        username: input.username, email: input.email, admin: input.admin ? 1 : 0, entity_id: entity.id,
        password_hash: null, created_at: now, deleted_at: null, service_account: input.serviceAccount ? 1 : 0,
      }).returningAll().executeTakeFirstOrThrow();
      await tx.insertInto('memberships').values({ entity_id: entity.id, user_id: user.id, role: 'admin', created_at: now })
        .execute();
      return toUser(user);
    });
  }
  async setUserAdmin(id: UserId, admin: boolean) {
    await this.db.updateTable('users').set({ admin: admin ? 1 : 0 }).where('id', '=', id).execute();
  }

  async searchUsers(query: string, limit: number) {
    const pattern = `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await this.db.selectFrom('users').selectAll().where('deleted_at', 'is', null)
      .where((eb) => eb.or([
        sql<boolean>`lower(username) like ${pattern} escape '\\'`,
        sql<boolean>`lower(coalesce(email, '')) like ${pattern} escape '\\'`,
      ]))
      .orderBy('username').limit(limit).execute();
    return rows.map(toUser);
  }
  async findUserDefaultEntityId(userId: UserId) {
    const r = await this.db.selectFrom('users').select('default_entity_id').where('id', '=', userId).executeTakeFirst();
    return (r?.default_entity_id ?? null) === null ? null : (Number(r!.default_entity_id) as EntityId);
  }
  async setUserDefaultEntityId(userId: UserId, entityId: EntityId | null) {
    await this.db.updateTable('users').set({ default_entity_id: entityId }).where('id', '=', userId).execute();
  }
  async findUserByEmail(email: string) {
    const rows = await this.db.selectFrom('users').selectAll().where(sql<boolean>`lower(email) = ${email.toLowerCase()}`)
      .where('deleted_at', 'is', null).limit(2).execute();
    return rows.length === 1 ? toUser(rows[0]!) : null;
  }
  async deleteUser(id: UserId) {
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('api_keys').set({ revoked_at: Date.now() }).where('user_id', '=', id)
        .where('revoked_at', 'is', null).execute();
      await tx.updateTable('users').set({ deleted_at: Date.now() }).where('id', '=', id).execute();
    });
  }
  async countUsers() {
    const r = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('deleted_at', 'is', null).executeTakeFirstOrThrow();
    return Number(r.n);
  }
  async listTeamsOfUser(userId: UserId) {
    const rows = await this.db.selectFrom('memberships').innerJoin('entities', 'entities.id', 'memberships.entity_id')
      .selectAll('entities').where('memberships.user_id', '=', userId).where('entities.type', 'in', ['user', 'team'])
      .orderBy('entities.name').execute();
    return rows.map(toEntity);
  }
  async addMember(entityId: EntityId, userId: UserId, role: Role) {
    await this.db.insertInto('memberships').values({ entity_id: entityId, user_id: userId, role, created_at: Date.now() })
      .onConflict((oc) => oc.columns(['entity_id', 'user_id']).doUpdateSet({ role })).execute();
  }
  async isMember(entityId: EntityId, userId: UserId) {
    return (await this.roleOf(entityId, userId)) !== null;
  }
  async roleOf(entityId: EntityId, userId: UserId) {
    const r = await this.db.selectFrom('memberships').select('role').where('entity_id', '=', entityId)
      .where('user_id', '=', userId).executeTakeFirst();
    return r ? (r.role as Role) : null;
  }
  async removeMember(entityId: EntityId, userId: UserId) {
    const r = await this.db.deleteFrom('memberships').where('entity_id', '=', entityId).where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
  async listMembers(entityId: EntityId): Promise<Member[]> {
    const rows = await this.db.selectFrom('memberships').innerJoin('users', 'users.id', 'memberships.user_id')
      .selectAll('users').select('memberships.role as member_role').where('memberships.entity_id', '=', entityId)
      .where('users.deleted_at', 'is', null).orderBy('memberships.created_at').orderBy('users.username').execute();
    return rows.map(({ member_role, ...user }) => ({ user: toUser(user), role: member_role as Role }));
  }

  async createOrganization(input: { name: string; entityName: string }) {
    return this.db.transaction().execute(async (tx) => {
      const now = Date.now();
      const entity = await tx.insertInto('entities').values({ name: input.entityName, type: 'organization', created_at: now })
        .returning('id').executeTakeFirstOrThrow();
      const org = await tx.insertInto('organizations').values({ name: input.name, entity_id: entity.id, created_at: now })
        .returningAll().executeTakeFirstOrThrow();
      await tx.updateTable('entities').set({ org_id: org.id }).where('id', '=', entity.id).execute();
      return toOrganization(org);
    });
  }
  async findOrganizationByName(name: string) {
    const r = await this.db.selectFrom('organizations').selectAll().where('name', '=', name).executeTakeFirst();
    return r ? toOrganization(r) : null;
  }
  async findOrganizationById(id: OrganizationId) {
    const r = await this.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toOrganization(r) : null;
  }
  async listOrganizations() {
    return (await this.db.selectFrom('organizations').selectAll().orderBy('name').execute()).map(toOrganization);
  }
  async listOrganizationsOfUser(userId: UserId) {
    const rows = await this.db.selectFrom('organizations')
      .innerJoin('memberships', 'memberships.entity_id', 'organizations.entity_id')
      .selectAll('organizations').where('memberships.user_id', '=', userId).orderBy('organizations.name').execute();
    return rows.map(toOrganization);
  }
  async createTeam(name: string, orgId: OrganizationId) {
    const r = await this.db.insertInto('entities').values({ name, type: 'team', created_at: Date.now(), org_id: orgId })
      .returningAll().executeTakeFirstOrThrow();
    return toEntity(r);
  }
  async listTeamsOfOrganization(orgId: OrganizationId) {
    const rows = await this.db.selectFrom('entities').selectAll().where('org_id', '=', orgId).where('type', '=', 'team')
      .orderBy('name').execute();
    return rows.map(toEntity);
  }
  async setEntityOrganization(entityId: EntityId, orgId: OrganizationId | null) {
    await this.db.updateTable('entities').set({ org_id: orgId }).where('id', '=', entityId).execute();
  }
  async deleteTeam(entityId: EntityId) {
    return this.db.transaction().execute(async (tx) => {
      if (await tx.selectFrom('projects').select('id').where('entity_id', '=', entityId).executeTakeFirst()) return 'has-projects' as const;
      await tx.deleteFrom('memberships').where('entity_id', '=', entityId).execute();
      await tx.deleteFrom('entities').where('id', '=', entityId).where('type', '=', 'team').execute();
      return 'deleted' as const;
    });
  }
  async deleteOrganization(id: OrganizationId) {
    return this.db.transaction().execute(async (tx) => {
      const org = await tx.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
      if (!org) return 'deleted' as const;
      const owned = tx.selectFrom('entities').select('id').where((eb) => eb.or([
        eb('org_id', '=', id).and('type', 'in', ['team', 'organization']), eb('id', '=', org.entity_id),
      ]));
      if (await tx.selectFrom('projects').select('id').where('entity_id', 'in', owned).executeTakeFirst()) return 'has-projects' as const;
      const ids = (await owned.execute()).map((r) => r.id);
      await tx.deleteFrom('memberships').where('entity_id', 'in', ids).execute();
      // Personal entities simply stop belonging to it.
      await tx.updateTable('entities').set({ org_id: null }).where('org_id', '=', id).execute();
      await tx.deleteFrom('organizations').where('id', '=', id).execute();
      await tx.deleteFrom('entities').where('id', 'in', ids).execute();
      return 'deleted' as const;
    });
  }
  async storageBytes(entityId: EntityId) {
    const files = await this.db.selectFrom('run_files').innerJoin('runs', 'runs.id', 'run_files.run_id')
      .innerJoin('projects', 'projects.id', 'runs.project_id').where('projects.entity_id', '=', entityId)
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('run_files.size_bytes'), eb.lit(0)).as('n')).executeTakeFirstOrThrow();
    const artifacts = await this.db.selectFrom('artifacts').innerJoin('projects', 'projects.id', 'artifacts.project_id')
      .where('projects.entity_id', '=', entityId).where('artifacts.state', '!=', 'DELETED')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('artifacts.size'), eb.lit(0)).as('n')).executeTakeFirstOrThrow();
    return Number(files.n) + Number(artifacts.n);
  }

  async insertApiKey(input: { userId: UserId; keyHash: string; prefix: string; name: string | null }) {
    const r = await this.db.insertInto('api_keys').values({
      user_id: input.userId, key_hash: input.keyHash, prefix: input.prefix, name: input.name,
      created_at: Date.now(), revoked_at: null,
    }).returningAll().executeTakeFirstOrThrow();
    return toKey(r);
  }
  async findApiKeyByHash(keyHash: string) {
    const r = await this.db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
    return r ? toKey(r) : null;
  }
  async revokeApiKey(keyHash: string) {
    const r = await this.db.updateTable('api_keys').set({ revoked_at: Date.now() }).where('key_hash', '=', keyHash)
      .where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
  async listApiKeys(userId: UserId) {
    const rows = await this.db.selectFrom('api_keys').selectAll().where('user_id', '=', userId).orderBy('id').execute();
    return rows.map(toKey);
  }

  async findProject(entityId: EntityId, name: string) {
    const r = await this.db.selectFrom('projects').selectAll().where('entity_id', '=', entityId)
      .where('name', '=', name).executeTakeFirst();
    return r ? toProject(r) : null;
  }
  async findProjectById(id: ProjectId) {
    const r = await this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toProject(r) : null;
  }
  async ensureProject(entityId: EntityId, name: string) {
    const now = Date.now();
    await this.db.insertInto('projects').values({
      entity_id: entityId, name, description: null, created_at: now, updated_at: now, run_counter: 0,
    }).onConflict((oc) => oc.columns(['entity_id', 'name']).doNothing()).execute();
    const project = await this.findProject(entityId, name);
    if (!project) throw new Error(`project ${name} vanished right after upsert`);
    return project;
  }
  async listProjects(entityId: EntityId) {
    const rows = await this.db.selectFrom('projects').selectAll().where('entity_id', '=', entityId)
      .orderBy('created_at', 'desc').execute();
    return rows.map(toProject);
  }
  async setProjectVisibility(projectId: ProjectId, visibility: ProjectVisibility) {
    await this.db.updateTable('projects').set({ visibility, updated_at: Date.now() }).where('id', '=', projectId).execute();
    const project = await this.findProjectById(projectId);
    if (!project) throw new Error(`project ${projectId} not found`);
    return project;
  }
  async setProjectMember(projectId: ProjectId, userId: UserId, role: Role) {
    await this.db.insertInto('project_members').values({ project_id: projectId, user_id: userId, role, created_at: Date.now() })
      .onConflict((oc) => oc.columns(['project_id', 'user_id']).doUpdateSet({ role })).execute();
  }
  async removeProjectMember(projectId: ProjectId, userId: UserId) {
    const r = await this.db.deleteFrom('project_members').where('project_id', '=', projectId).where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
  async projectRoleOf(projectId: ProjectId, userId: UserId) {
    const r = await this.db.selectFrom('project_members').innerJoin('users', 'users.id', 'project_members.user_id')
      .select('project_members.role').where('project_members.project_id', '=', projectId)
      .where('project_members.user_id', '=', userId).where('users.deleted_at', 'is', null).executeTakeFirst();
    return r ? (r.role as Role) : null;
  }
  async listProjectMembers(projectId: ProjectId): Promise<ProjectMember[]> {
    const rows = await this.db.selectFrom('project_members').innerJoin('users', 'users.id', 'project_members.user_id')
      .selectAll('users').select(['project_members.role as member_role', 'project_members.created_at as member_since'])
      .where('project_members.project_id', '=', projectId).where('users.deleted_at', 'is', null)
      .orderBy('project_members.created_at').orderBy('users.username').execute();
    return rows.map(({ member_role, member_since, ...user }) => ({
      user: toUser(user), role: member_role as Role, createdAt: new Date(Number(member_since)),
    }));
  }

  async findRun(projectId: ProjectId, name: string) {
    const r = await this.db.selectFrom('runs').selectAll().where('project_id', '=', projectId)
      .where('name', '=', name).executeTakeFirst();
    return r ? toRun(r) : null;
  }
  async findRunById(id: RunId) {
    const r = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRun(r) : null;
  }
  async findRuns(projectId: ProjectId, names: string[]) {
    const out: Run[] = [];
    for (let i = 0; i < names.length; i += 500) {
      const rows = await this.db.selectFrom('runs').selectAll().where('project_id', '=', projectId)
        .where('name', 'in', names.slice(i, i + 500)).execute();
      out.push(...rows.map(toRun));
    }
    return out;
  }
  async insertRun(input: NewRun, displayNameFor: (runNumber: number) => string) {
    try {
      const run = await this.db.transaction().execute(async (tx) => {
        const counter = await tx.updateTable('projects').set((eb) => ({ run_counter: eb('run_counter', '+', 1) }))
          .where('id', '=', input.projectId).returning('run_counter').executeTakeFirstOrThrow();
        const now = Date.now();
        const number = counter.run_counter;
        const row = await tx.insertInto('runs').values({
          project_id: input.projectId, name: input.name, number, user_id: input.userId,
          display_name: input.displayName ?? displayNameFor(number), state: input.state ?? 'running',
          config: input.config ?? '{}', summary: input.summary ?? '{}', system_metrics: input.systemMetrics ?? '{}',
          config_q: toStrictJson(input.config ?? '{}'), summary_q: toStrictJson(input.summary ?? '{}'),
          tags: JSON.stringify(input.tags ?? []), notes: input.notes ?? null, description: input.description ?? null,
          group_name: input.groupName ?? null, job_type: input.jobType ?? null, host: input.host ?? null,
          program: input.program ?? null, commit_sha: input.commit ?? null, repo: input.repo ?? null,
          sweep_name: input.sweepName ?? null, exit_code: null, stop_requested: 0,
          created_at: now, updated_at: now, heartbeat_at: now,
        }).onConflict((oc) => oc.columns(['project_id', 'name']).doNothing()).returningAll().executeTakeFirst();
        if (!row) throw new RunExists();
        await tx.updateTable('projects').set({ updated_at: now }).where('id', '=', input.projectId).execute();
        return toRun(row);
      });
      return { run, inserted: true };
    } catch (e) {
      if (!(e instanceof RunExists)) throw e;
      const existing = await this.findRun(input.projectId, input.name);
      if (!existing) throw new Error('run conflict without a run');
      return { run: existing, inserted: false };
    }
  }
  async updateRun(id: RunId, patch: RunPatch) {
    const r = await this.db.updateTable('runs').set({ ...runColumns(patch), updated_at: Date.now() })
      .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    return toRun(r);
  }
  async deleteRun(id: RunId) {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('run_files').where('run_id', '=', id).execute();
      // Its alerts go with it (their deliveries stay in the webhook log).
      await tx.deleteFrom('run_alerts').where('run_id', '=', id).execute();
      await tx.deleteFrom('runs').where('id', '=', id).execute();
    });
  }
  async listRuns(projectId: ProjectId) {
    const rows = await this.db.selectFrom('runs').selectAll().where('project_id', '=', projectId)
      .orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    return rows.map(toRun);
  }
  async queryRuns(projectId: ProjectId, query: RunQuery) {
    const q = new RunQuerySql(this.sqlDb.dialect);
    const rows = await this.db.selectFrom('runs').selectAll().where('project_id', '=', projectId)
      .where(q.where(query.filter) as RawBuilder<boolean>)
      .orderBy(q.orderBy(query.order) as RawBuilder<never>)
      .limit(query.limit).offset(query.offset).execute();
    return rows.map(toRun);
  }
  async countRuns(projectId: ProjectId, filter: FilterNode) {
    const q = new RunQuerySql(this.sqlDb.dialect);
    const r = await this.db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId).where(q.where(filter) as RawBuilder<boolean>).executeTakeFirstOrThrow();
    return Number(r.n);
  }
  async groupRuns(projectId: ProjectId, filter: FilterNode, field: FieldRef, limit: number): Promise<RunGroupCount[]> {
    const q = new RunQuerySql(this.sqlDb.dialect);
    const g = q.groupBy(field);
    const r = await sql<{ v: unknown; t: string | null; n: number | string }>`
      select ${g.value} as v, ${g.type ?? sql`null`} as t, count(*) as n from runs
      where project_id = ${projectId} and ${q.where(filter)}
      group by 1, 2 order by 1 asc nulls last limit ${limit}`.execute(this.db);
    return r.rows.map((row) => ({ value: typedGroupValue(row.v, row.t), count: Number(row.n) }));
  }
  async findStaleRuns(states: RunState[], before: Date) {
    const rows = await this.db.selectFrom('runs').selectAll().where('state', 'in', states)
      .where('heartbeat_at', '<', before.getTime()).limit(1000).execute();
    return rows.map(toRun);
  }
  async markStale(id: RunId, from: RunState[], to: RunState, before: Date, stateAlertPending: string | null) {
    const r = await this.db.updateTable('runs').set({ state: to, updated_at: Date.now(), state_alert_pending: stateAlertPending })
      .where('id', '=', id).where('state', 'in', from).where('heartbeat_at', '<', before.getTime()).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
  async findPendingStateAlerts(limit: number) {
    const rows = await this.db.selectFrom('runs').selectAll().where('state_alert_pending', 'is not', null)
      .orderBy('updated_at').limit(limit).execute();
    return rows.map((r) => ({ run: toRun(r), key: r.state_alert_pending as string }));
  }
  async clearStateAlertPending(id: RunId, key: string) {
    await this.db.updateTable('runs').set({ state_alert_pending: null }).where('id', '=', id).where('state_alert_pending', '=', key).execute();
  }

  async upsertRunFile(file: Omit<RunFile, 'updatedAt' | 'uploaded'> & { uploaded?: boolean }) {
    const values = {
      run_id: file.runId, name: file.name, blob_key: file.blobKey, size_bytes: file.sizeBytes, md5: file.md5,
      mimetype: file.mimetype, uploaded: file.uploaded ? 1 : 0, updated_at: Date.now(),
    };
    const r = await this.db.insertInto('run_files').values(values)
      .onConflict((oc) => oc.columns(['run_id', 'name']).doUpdateSet({
        blob_key: values.blob_key, size_bytes: values.size_bytes, md5: values.md5, mimetype: values.mimetype,
        updated_at: values.updated_at, ...(file.uploaded !== undefined ? { uploaded: values.uploaded } : {}),
      })).returningAll().executeTakeFirstOrThrow();
    return toRunFile(r);
  }
  async markRunFilesUploaded(runId: RunId, names: string[]) {
    if (names.length === 0) return;
    await this.db.updateTable('run_files').set({ uploaded: 1 }).where('run_id', '=', runId).where('name', 'in', names)
      .execute();
  }
  async listRunFiles(runId: RunId) {
    const rows = await this.db.selectFrom('run_files').selectAll().where('run_id', '=', runId).orderBy('name').execute();
    return rows.map(toRunFile);
  }
  async findRunFile(runId: RunId, name: string) {
    const r = await this.db.selectFrom('run_files').selectAll().where('run_id', '=', runId).where('name', '=', name)
      .executeTakeFirst();
    return r ? toRunFile(r) : null;
  }
  async close() {
    // The SqlDatabase is shared with the HistoryStore; its owner (the composition root) closes it.
    void this.sqlDb;
  }
}

/** A grouped value as the filter language compares it: JSON numbers and booleans typed, missing as null. */
function typedGroupValue(v: unknown, type: string | null): string | number | boolean | null {
  if (v === null || v === undefined || type === 'null') return null;
  if (type === 'number') return Number(v);
  if (type === 'boolean') return v === true || v === 1 || v === 'true';
  if (typeof v === 'number' || typeof v === 'string') return v;
  return String(v);
}
