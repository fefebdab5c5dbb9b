import { decodeGqlId, type EntityId, type ProjectId, type UserId } from '@cairn/shared';
import type { AccessPolicy, ProjectAccessRule } from './access.js';
import { actorOf, isRegistryProject, REGISTRY_PROJECT_PREFIX, type AliasProtection } from './alias-protection.js';
import type { ArtifactInProject, ArtifactService } from './artifacts.js';
import type { AuditLog } from './audit.js';
import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import type { Artifact, ArtifactCollection, ArtifactStore, Entity, MetaStore, Organization, Project, Role, User } from './ports.js';
import type { PromotionService } from './promotions.js';
import {
  parseCollectionFilter, parseCollectionOrder, parseRegistryFilter, parseRegistryOrder, parseVersionFilter, parseVersionOrder,
} from './registry-filter.js';
import {
  REGISTRY_ROLES, type LinkedVersion, type RegistryMemberKind, type RegistryRole, type RegistrySettings, type RegistryStore,
  type RegistryVisibility,
} from './registry-ports.js';

/** A registry as the GraphQL layer shows it: its project in the org entity, settings and the caller's role. */
export interface RegistryView { project: Project; entity: Entity; org: Organization; settings: RegistrySettings; role: RegistryRole }

/**
 * A version in a portfolio collection (a registry's or a legacy model registry's), as ArtifactCollectionMembership
 * answers it: `project` and `entity` are the collection's (the GraphQL layer locates the artifact in its own project).
 */
export interface MembershipView { artifact: Artifact; project: Project; entity: Entity; collection: ArtifactCollection; versionIndex: number }

export interface LinkRequest {
  artifactID: string | null; clientID: string | null; entityName: string; projectName: string; portfolioName: string;
  aliases: { artifactCollectionName: string; alias: string }[];
}

export interface SearchPage { after: number; limit: number }

/** Core registries: present in every organization (made on first use) and accepting only their own type. */
const CORE_REGISTRIES: Record<string, string[]> = { [`${REGISTRY_PROJECT_PREFIX}model`]: ['model'], [`${REGISTRY_PROJECT_PREFIX}dataset`]: ['dataset'] };
const RANK: Record<RegistryRole, number> = { restricted_viewer: 1, viewer: 2, member: 3, admin: 4 };
/** Project names as the SDK validates them (no / \ # ? % :), 128 characters with the registry prefix. */
const PROJECT_NAME = /^[A-Za-z0-9_.-][A-Za-z0-9_. -]{0,127}$/;
const COLLECTION_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const ALIAS = /^[A-Za-z0-9_.\-:/]{1,128}$/;
/** The SDK's ArtifactTypeInput rule. */
const TYPE_NAME = /^[-\w]+([ ]*[-.\w]+)*$/;

const highest = (roles: RegistryRole[]): RegistryRole | null =>
  roles.reduce<RegistryRole | null>((best, r) => (best === null || RANK[r] > RANK[best] ? r : best), null);
/** Registry roles as AccessPolicy roles: the view-only roles read, members write, admins manage. */
const asAccessRole = (r: RegistryRole | null): Role | null => (r === null ? null : r === 'restricted_viewer' ? 'viewer' : r);

export function parseVisibility(access: string | null | undefined): RegistryVisibility | undefined {
  if (access === null || access === undefined) return undefined;
  if (access === 'PRIVATE' || access === 'organization') return 'organization';
  if (access === 'RESTRICTED' || access === 'restricted') return 'restricted';
  throw invalidInput(`invalid registry visibility ${JSON.stringify(access)}: use PRIVATE (organization) or RESTRICTED`);
}
export const visibilityToWire = (v: RegistryVisibility) => (v === 'restricted' ? 'RESTRICTED' : 'PRIVATE');

export function parseRegistryRole(value: unknown): RegistryRole {
  if (typeof value !== 'string' || !REGISTRY_ROLES.includes(value as RegistryRole)) {
    throw invalidInput(`unknown registry role ${JSON.stringify(value)}: use ${REGISTRY_ROLES.join(', ')}`);
  }
  return value as RegistryRole;
}

/**
 * Registries (protocol §6.9, §7): projects `wandb-registry-<name>` of an organization's entity holding portfolio
 * collections of linked versions. Decides who may read and change a registry (its visibility, its own members
 * and roles; org admins administer every registry), links and unlinks versions, and answers registry searches.
 * As a ProjectAccessRule it makes AccessPolicy apply registry roles wherever a registry project is read or written.
 */
export class RegistryService implements ProjectAccessRule {
  constructor(
    private readonly meta: MetaStore,
    private readonly artifactStore: ArtifactStore,
    private readonly store: RegistryStore,
    private readonly access: AccessPolicy,
    private readonly artifacts: ArtifactService,
    private readonly protection: AliasProtection,
    private readonly promotions: PromotionService,
    private readonly audit: AuditLog,
  ) {}

  // ---------- access ----------

  async settingsOf(project: Project): Promise<RegistrySettings> {
    return (await this.store.findSettings(project.id)) ?? { projectId: project.id, ...defaultSettings(project.name) };
  }

  /**
   * The viewer's role on a registry: site admins and org admins are admins; otherwise the highest of its own and
   * its teams' explicit roles; otherwise, for an organization-visible registry, viewer for any org member.
   */
  async registryRole(viewer: Viewer, orgEntity: Entity, project: Project, settings?: RegistrySettings): Promise<RegistryRole | null> {
    if (viewer.user.admin) return 'admin';
    const orgRole = await this.meta.roleOf(orgEntity.id, viewer.user.id);
    if (orgRole === 'admin') return 'admin';
    const teams = (await this.meta.listTeamsOfUser(viewer.user.id)).filter((t) => t.type === 'team').map((t) => t.id);
    const explicit = highest((await this.store.memberRoles([project.id], viewer.user.id, teams)).get(project.id) ?? []);
    if (explicit) return explicit;
    const { visibility } = settings ?? (await this.settingsOf(project));
    return visibility === 'organization' && orgRole !== null ? 'viewer' : null;
  }

  /** ProjectAccessRule: registry projects follow registry roles. */
  async roleOnProject(viewer: Viewer, entity: Entity, project: Project): Promise<Role | null | undefined> {
    if (!isRegistryProject(entity, project)) return undefined;
    return asAccessRole(await this.registryRole(viewer, entity, project));
  }

  /** ProjectAccessRule: an artifact is readable through any registry (or portfolio) the viewer may read that links it. */
  async readableHolder(viewer: Viewer, artifactId: number) {
    for (const { collection } of await this.store.portfoliosOf(artifactId)) {
      const project = await this.meta.findProjectById(collection.projectId);
      const entity = project ? await this.meta.findEntityById(project.entityId) : null;
      if (project && entity && (await this.access.canReadProject(viewer, entity, project))) return { project, entity };
    }
    return null;
  }

  /** The organization of an org entity, or null for any other entity. */
  private async orgOf(entity: Entity): Promise<Organization | null> {
    if (entity.type !== 'organization' || entity.orgId === null) return null;
    return this.meta.findOrganizationById(entity.orgId);
  }

  private async view(viewer: Viewer, entity: Entity, project: Project): Promise<RegistryView | null> {
    const org = await this.orgOf(entity);
    if (!org || !isRegistryProject(entity, project)) return null;
    const settings = await this.settingsOf(project);
    const role = await this.registryRole(viewer, entity, project, settings);
    return role ? { project, entity, org, settings, role } : null;
  }

  /**
   * A registry by its project name in an org entity, if the viewer may read it; null when absent or hidden (the
   * two look alike). The core registries (model, dataset) exist in every organization: made on first use.
   */
  async registry(viewer: Viewer, orgEntity: Entity, projectName: string): Promise<RegistryView | null> {
    if (orgEntity.type !== 'organization' || !projectName.startsWith(REGISTRY_PROJECT_PREFIX)) return null;
    if (!(await this.access.canRead(viewer, orgEntity))) return null;
    let project = await this.meta.findProject(orgEntity.id, projectName);
    if (!project && Object.hasOwn(CORE_REGISTRIES, projectName)) project = await this.makeCore(orgEntity, projectName);
    return project ? this.view(viewer, orgEntity, project) : null;
  }

  private async makeCore(orgEntity: Entity, projectName: string): Promise<Project> {
    const project = await this.meta.ensureProject(orgEntity.id, projectName);
    await this.store.saveSettings(project.id, {}, defaultSettings(projectName));
    return project;
  }

  /** A registry project as it is shown to the viewer (the GraphQL Project of an org entity), or null when not a registry. */
  async viewOf(viewer: Viewer, entity: Entity, project: Project): Promise<RegistryView | null> {
    return this.view(viewer, entity, project);
  }

  /** The registries of an org entity the viewer may read, in project order. */
  private async visible(viewer: Viewer, orgEntity: Entity): Promise<RegistryView[]> {
    if (orgEntity.type !== 'organization' || !(await this.access.canRead(viewer, orgEntity))) return [];
    let projects = await this.meta.listProjects(orgEntity.id);
    if (Object.keys(CORE_REGISTRIES).some((name) => !projects.some((p) => p.name === name))) {
      for (const name of Object.keys(CORE_REGISTRIES)) if (!projects.some((p) => p.name === name)) await this.makeCore(orgEntity, name);
      projects = await this.meta.listProjects(orgEntity.id);
    }
    const out: RegistryView[] = [];
    for (const project of projects) {
      if (!isRegistryProject(orgEntity, project)) continue;
      const v = await this.view(viewer, orgEntity, project);
      if (v) out.push(v);
    }
    return out;
  }

  // ---------- search ----------

  async searchRegistries(viewer: Viewer, orgEntity: Entity, q: { filters: string | null; order: string | null } & SearchPage) {
    const filter = parseRegistryFilter(q.filters);
    const order = parseRegistryOrder(q.order);
    const visible = await this.visible(viewer, orgEntity);
    const projects = await this.store.searchRegistries({
      projectIds: visible.map((v) => v.project.id), registryFilter: filter, order, offset: q.after, limit: q.limit,
    });
    const byId = new Map(visible.map((v) => [v.project.id, v]));
    return projects.map((p) => ({ ...byId.get(p.id)!, project: p }));
  }

  async searchCollections(viewer: Viewer, orgEntity: Entity, q: { registryFilter: string | null; collectionFilter: string | null; collectionTypes: string[] | null; order: string | null } & SearchPage) {
    const scope = {
      projectIds: (await this.visible(viewer, orgEntity)).map((v) => v.project.id),
      registryFilter: parseRegistryFilter(q.registryFilter), collectionFilter: parseCollectionFilter(q.collectionFilter),
    };
    const order = parseCollectionOrder(q.order);
    // Registries hold only portfolio collections: asking for sequences alone finds nothing.
    if (q.collectionTypes && q.collectionTypes.length > 0 && !q.collectionTypes.includes('PORTFOLIO')) return { items: [], total: async () => 0 };
    const collections = await this.store.searchCollections({ ...scope, order, offset: q.after, limit: q.limit });
    return { items: await this.locateCollections(collections), total: () => this.store.countCollections(scope) };
  }

  async searchVersions(viewer: Viewer, orgEntity: Entity, q: { registryFilter: string | null; collectionFilter: string | null; filters: string | null; order: string | null } & SearchPage) {
    const scope = {
      projectIds: (await this.visible(viewer, orgEntity)).map((v) => v.project.id),
      registryFilter: parseRegistryFilter(q.registryFilter), collectionFilter: parseCollectionFilter(q.collectionFilter),
      versionFilter: parseVersionFilter(q.filters),
    };
    const order = parseVersionOrder(q.order);
    const versions = await this.store.searchVersions({ ...scope, order, offset: q.after, limit: q.limit });
    return { items: await this.locateVersions(versions), total: () => this.store.countVersions(scope) };
  }

  private async locateCollections(collections: ArtifactCollection[]) {
    const projects = new Map<number, { project: Project; entity: Entity }>();
    const out = [];
    for (const collection of collections) {
      let where = projects.get(collection.projectId);
      if (!where) {
        const project = (await this.meta.findProjectById(collection.projectId))!;
        where = { project, entity: (await this.meta.findEntityById(project.entityId))! };
        projects.set(collection.projectId, where);
      }
      out.push({ collection, ...where });
    }
    return out;
  }

  private async locateVersions(versions: LinkedVersion[]): Promise<MembershipView[]> {
    const located = await this.locateCollections(versions.map((v) => v.collection));
    return versions.map((v, i) => ({ artifact: v.artifact, project: located[i]!.project, entity: located[i]!.entity, collection: v.collection, versionIndex: v.versionIndex }));
  }

  // ---------- create, change, delete ----------

  /**
   * upsertModel for a `wandb-registry-*` project of an org entity: creates the registry (org admins and members;
   * the creator becomes its admin) or changes its description, visibility and accepted types (registry admins;
   * members may change the description). `inserted` tells which.
   */
  async upsert(viewer: Viewer, orgEntity: Entity, input: {
    name: string; description?: string | null; access?: string | null; allowAllTypes?: boolean | null; types?: string[] | null;
  }): Promise<{ registry: RegistryView; inserted: boolean }> {
    const org = await this.orgOf(orgEntity);
    if (!org) throw invalidInput(`${orgEntity.name} is not an organization: registries belong to an organization's entity`);
    if (!(await this.access.canRead(viewer, orgEntity))) throw new DomainError(ErrorCodes.ENTITY_NOT_FOUND, `entity ${orgEntity.name} not found`);
    checkRegistryName(input.name);
    const visibility = parseVisibility(input.access);
    const types = (input.types ?? []).map(checkTypeName);
    const existing = await this.meta.findProject(orgEntity.id, input.name);
    if (!existing) {
      const orgRole = await this.access.roleOn(viewer, orgEntity);
      if (orgRole !== 'admin' && orgRole !== 'member') {
        throw new DomainError(ErrorCodes.FORBIDDEN, `permission denied: creating a registry in ${org.name} needs the admin or member role in the organization`);
      }
      const defaults = defaultSettings(input.name);
      const allowAllTypes = input.allowAllTypes ?? (types.length === 0 ? defaults.allowAllTypes : false);
      const project = await this.store.createRegistry({
        entityId: orgEntity.id, name: input.name, description: input.description ?? null, admin: viewer.user.id,
        settings: { visibility: visibility ?? defaults.visibility, allowAllTypes, artifactTypes: types.length > 0 ? types : allowAllTypes ? [] : defaults.artifactTypes },
      });
      if (project) {
        await this.audit.record({ actor: viewer.user.username, action: 'registry.create', target: `${org.name}/${input.name}`, detail: { visibility: visibility ?? defaults.visibility } });
        return { registry: (await this.view(viewer, orgEntity, project))!, inserted: true };
      }
    }
    // An existing registry (or one created by a concurrent request): an update.
    const registry = await this.registry(viewer, orgEntity, input.name);
    if (!registry) {
      // Taken by a registry the caller cannot see: the SDK's message says to pick another name, nothing leaks.
      throw new DomainError(ErrorCodes.CONFLICT, `cannot create registry ${input.name}: please use a different name`);
    }
    const changesSettings = visibility !== undefined && visibility !== registry.settings.visibility
      || (input.allowAllTypes != null && input.allowAllTypes !== registry.settings.allowAllTypes)
      || types.some((t) => !registry.settings.artifactTypes.includes(t));
    if (changesSettings && registry.role !== 'admin') {
      throw new DomainError(ErrorCodes.FORBIDDEN, `permission denied: changing the settings of registry ${registryName(input.name)} needs its admin role`);
    }
    if (!changesSettings && registry.role !== 'admin' && registry.role !== 'member') {
      throw new DomainError(ErrorCodes.FORBIDDEN, `permission denied: ${viewer.user.username} can read but not change registry ${registryName(input.name)}`);
    }
    if (input.allowAllTypes === true && types.length > 0) throw invalidInput('cannot add accepted artifact types while the registry accepts all types');
    const settings = await this.store.saveSettings(registry.project.id, {
      ...(visibility !== undefined ? { visibility } : {}), ...(input.allowAllTypes != null ? { allowAllTypes: input.allowAllTypes } : {}), addTypes: types,
    }, registry.settings);
    const project = input.description !== undefined && input.description !== registry.project.description
      ? await this.store.updateProject(registry.project.id, { description: input.description })
      : registry.project;
    if (changesSettings) {
      await this.audit.record({ actor: viewer.user.username, action: 'registry.update', target: `${registry.org.name}/${input.name}`, detail: { visibility: settings.visibility, allowAllTypes: settings.allowAllTypes, types: settings.artifactTypes } });
    }
    return { registry: { ...registry, project, settings }, inserted: false };
  }

  /** renameProject of a registry (registry admins and members; core registries keep their names). */
  async rename(viewer: Viewer, orgEntity: Entity, oldName: string, newName: string): Promise<RegistryView> {
    const registry = await this.registry(viewer, orgEntity, oldName);
    if (!registry) throw new DomainError(ErrorCodes.NOT_FOUND, `registry ${registryName(oldName)} not found`);
    if (!newName.startsWith(REGISTRY_PROJECT_PREFIX)) throw invalidInput(`a registry's project name starts with ${REGISTRY_PROJECT_PREFIX}`);
    checkRegistryName(newName);
    if (Object.hasOwn(CORE_REGISTRIES, oldName)) throw invalidInput(`the core registry ${registryName(oldName)} cannot be renamed`);
    if (registry.role !== 'admin' && registry.role !== 'member') {
      throw new DomainError(ErrorCodes.FORBIDDEN, `permission denied: renaming registry ${registryName(oldName)} needs its admin or member role`);
    }
    if (oldName === newName) return registry;
    const project = await this.store.updateProject(registry.project.id, { name: newName });
    await this.audit.record({ actor: viewer.user.username, action: 'registry.rename', target: `${registry.org.name}/${oldName}`, detail: { to: newName } });
    return { ...registry, project };
  }

  /** deleteModel of a registry, by its GraphQL project id (registry admins; never a core registry). */
  async delete(viewer: Viewer, projectGqlId: string): Promise<void> {
    const found = await this.byProjectId(viewer, projectGqlId);
    if (Object.hasOwn(CORE_REGISTRIES, found.project.name)) throw invalidInput(`the core registry ${registryName(found.project.name)} cannot be deleted`);
    if (found.role !== 'admin') throw new DomainError(ErrorCodes.FORBIDDEN, `permission denied: deleting registry ${registryName(found.project.name)} needs its admin role`);
    if ((await this.store.deleteRegistry(found.project.id)) === 'not-empty') {
      throw new DomainError(ErrorCodes.CONFLICT, `registry ${registryName(found.project.name)} holds runs or logged artifacts of its own and cannot be deleted`);
    }
    await this.audit.record({ actor: viewer.user.username, action: 'registry.delete', target: `${found.org.name}/${found.project.name}` });
  }

  /** A registry by its GraphQL project id (`Project:N` or `ProjectInternalId:N`); NOT_FOUND when absent or hidden. */
  async byProjectId(viewer: Viewer, gqlId: string): Promise<RegistryView> {
    const decoded = decodeGqlId(gqlId);
    const project = decoded && (decoded.type === 'Project' || decoded.type === 'ProjectInternalId')
      ? await this.meta.findProjectById(decoded.id as ProjectId) : null;
    const entity = project ? await this.meta.findEntityById(project.entityId) : null;
    const view = project && entity ? await this.view(viewer, entity, project) : null;
    if (!view) throw new DomainError(ErrorCodes.NOT_FOUND, `registry ${gqlId} not found`);
    return view;
  }

  // ---------- members ----------

  async userMembers(registry: RegistryView): Promise<{ user: User; role: RegistryRole }[]> {
    const out = [];
    for (const m of await this.store.listMembers(registry.project.id)) {
      if (m.kind !== 'user') continue;
      const user = await this.meta.findUserById(m.memberId as UserId);
      if (user && !user.deletedAt) out.push({ user, role: m.role });
    }
    return out;
  }

  async teamMembers(registry: RegistryView): Promise<{ team: Entity; role: RegistryRole }[]> {
    const out = [];
    for (const m of await this.store.listMembers(registry.project.id)) {
      if (m.kind !== 'team') continue;
      const team = await this.meta.findEntityById(m.memberId as EntityId);
      if (team) out.push({ team, role: m.role });
    }
    return out;
  }

  /**
   * Adds users (`User:N` ids) and teams (`Entity:N` ids) to a registry with the viewer role, or sets their role
   * (`role`); removes them with `role` null. Registry admins only.
   */
  async setMembers(viewer: Viewer, projectGqlId: string, members: { userIds: string[]; teamIds: string[] }, role: RegistryRole | null, opts: { keepExisting?: boolean } = {}) {
    const registry = await this.byProjectId(viewer, projectGqlId);
    if (registry.role !== 'admin') {
      throw new DomainError(ErrorCodes.FORBIDDEN, `permission denied: managing the members of registry ${registryName(registry.project.name)} needs its admin role`);
    }
    const targets: { kind: RegistryMemberKind; id: number; name: string }[] = [];
    for (const id of members.userIds) {
      const decoded = decodeGqlId(id, 'User');
      const user = decoded ? await this.meta.findUserById(decoded.id as UserId) : null;
      if (!user || user.deletedAt) throw new DomainError(ErrorCodes.USER_NOT_FOUND, `no user with id ${id}`);
      targets.push({ kind: 'user', id: user.id, name: user.username });
    }
    for (const id of members.teamIds) {
      const decoded = decodeGqlId(id, 'Entity');
      const team = decoded ? await this.meta.findEntityById(decoded.id as EntityId) : null;
      if (!team || team.type !== 'team') throw new DomainError(ErrorCodes.NOT_FOUND, `no team with id ${id}`);
      targets.push({ kind: 'team', id: team.id, name: team.name });
    }
    for (const t of targets) {
      let from: RegistryRole | null;
      const to: RegistryRole | null = role;
      if (role === null) {
        from = await this.store.removeMember(registry.project.id, t.kind, t.id, actorOf(viewer));
        if (from === null) continue; // removing a non-member changes nothing
      } else if (opts.keepExisting) {
        const current = (await this.store.listMembers(registry.project.id)).find((m) => m.kind === t.kind && m.memberId === t.id);
        if (current) continue;
        from = await this.store.setMember(registry.project.id, t.kind, t.id, role, actorOf(viewer));
      } else {
        from = await this.store.setMember(registry.project.id, t.kind, t.id, role, actorOf(viewer));
        if (from === role) continue;
      }
      const who = t.kind === 'user' ? t.name : `team ${t.name}`;
      // The store recorded the role change in the promotion history, in the same transaction.
      await this.audit.record({
        actor: viewer.user.username, action: to === null ? 'registry.member.remove' : from === null ? 'registry.member.add' : 'registry.member.role',
        target: who, detail: { registry: `${registry.org.name}/${registry.project.name}`, from, to },
      });
    }
  }

  // ---------- linking ----------

  /**
   * linkArtifact: links a committed version into a portfolio collection of a registry
   * (`<org entity>/wandb-registry-<name>/<collection>`) or of any other project the viewer may write (the legacy
   * `<entity>/model-registry/<collection>`). The collection is created on first link; `latest` and the aliases
   * move to the new version. A type the registry does not accept, or a protected alias the viewer may not set,
   * is refused before anything changes.
   */
  async link(viewer: Viewer, req: LinkRequest): Promise<MembershipView> {
    const source = req.artifactID ? await this.artifacts.byId(viewer, req.artifactID)
      : req.clientID ? await this.artifacts.byClientId(viewer, req.clientID) : null;
    if (!req.artifactID && !req.clientID) throw invalidInput('linkArtifact needs artifactID or clientID');
    if (!source) throw new DomainError(ErrorCodes.NOT_FOUND, `artifact ${req.artifactID ?? req.clientID} not found`);
    if (source.artifact.state !== 'COMMITTED') throw new DomainError(ErrorCodes.CONFLICT, 'the artifact is not committed yet: link it once it is saved');
    if (!COLLECTION_NAME.test(req.portfolioName)) {
      throw invalidInput(`invalid collection name ${JSON.stringify(req.portfolioName)}: use letters, digits, '-', '_', '.'`);
    }
    const aliases = [...new Set(req.aliases.filter((a) => a.artifactCollectionName === req.portfolioName).map((a) => a.alias))];
    for (const a of aliases) if (!ALIAS.test(a) || /^v\d+$/.test(a)) throw invalidInput(`invalid alias ${JSON.stringify(a)}`);
    const type = await this.artifactStore.findTypeById(source.artifact.typeId);
    if (!type) throw new Error(`artifact ${source.artifact.id} has no type`);

    let where: { entity: Entity; project: Project };
    if (req.projectName.startsWith(REGISTRY_PROJECT_PREFIX)) {
      const entity = await this.access.entityOrNull(viewer, req.entityName);
      if (!entity) throw new DomainError(ErrorCodes.ENTITY_NOT_FOUND, `entity ${req.entityName} not found`);
      if (entity.type !== 'organization') {
        throw invalidInput(`registries belong to an organization: link to "<organization>/${req.projectName}/${req.portfolioName}"`);
      }
      const registry = await this.registry(viewer, entity, req.projectName);
      if (!registry) throw new DomainError(ErrorCodes.NOT_FOUND, `registry ${registryName(req.projectName)} not found in ${entity.name}`);
      if (registry.role !== 'admin' && registry.role !== 'member') {
        throw new DomainError(ErrorCodes.FORBIDDEN, `permission denied: linking to registry ${registryName(req.projectName)} needs its admin or member role (${viewer.user.username} is a ${registry.role})`);
      }
      if (!registry.settings.allowAllTypes && !registry.settings.artifactTypes.includes(type.name)) {
        throw invalidInput(`registry ${registryName(req.projectName)} accepts artifact types ${registry.settings.artifactTypes.join(', ') || '(none)'}; ` +
          `${type.name} cannot be linked to it`);
      }
      where = registry;
    } else {
      if (!PROJECT_NAME.test(req.projectName)) throw invalidInput(`invalid project name ${JSON.stringify(req.projectName)}`);
      const entity = await this.access.entity(viewer, req.entityName, 'write');
      const project = await this.meta.ensureProject(entity.id, req.projectName);
      await this.access.project(viewer, entity.name, project.name, 'write');
      where = { entity, project };
    }
    await this.protection.requireMayChange(viewer, where, aliases);
    const result = await this.artifactStore.findCollection(where.project.id, req.portfolioName);
    if (result && result.kind !== 'portfolio') {
      throw new DomainError(ErrorCodes.CONFLICT, `${req.portfolioName} in ${where.project.name} holds logged versions: link to another collection name`);
    }
    const linked = await this.store.link({
      projectId: where.project.id, collectionName: req.portfolioName, typeName: type.name, artifactId: source.artifact.id,
      aliases: aliases.filter((a) => a !== 'latest'), actor: actorOf(viewer),
    });
    return { artifact: source.artifact, project: where.project, entity: where.entity, collection: linked.collection, versionIndex: linked.versionIndex };
  }

  /** unlinkArtifact: the version leaves the portfolio collection (members and admins of its registry / writers of its project). */
  async unlink(viewer: Viewer, artifactGqlId: string, portfolioGqlId: string): Promise<void> {
    const decoded = decodeGqlId(portfolioGqlId);
    const collection = decoded ? await this.artifactStore.findCollectionById(decoded.id) : null;
    const artifact = decodeGqlId(artifactGqlId, 'Artifact');
    const notFound = () => new DomainError(ErrorCodes.NOT_FOUND, `artifact ${artifactGqlId} is not linked in collection ${portfolioGqlId}`);
    if (!collection || collection.kind !== 'portfolio' || !artifact) throw notFound();
    const where = await this.writablePortfolioProject(viewer, collection, notFound);
    const aliases = (await this.artifactStore.listAliases(artifact.id)).filter((a) => a.collectionId === collection.id).map((a) => a.alias);
    await this.protection.requireMayChange(viewer, where, aliases);
    if (!(await this.store.unlink(collection.id, artifact.id, actorOf(viewer)))) throw notFound();
  }

  /** updateArtifactPortfolio: a linked collection's new name and/or description. */
  async updatePortfolio(viewer: Viewer, portfolioGqlId: string, patch: { name?: string; description?: string | null }) {
    const { collection, where } = await this.portfolio(viewer, portfolioGqlId);
    if (patch.name !== undefined && !COLLECTION_NAME.test(patch.name)) throw invalidInput(`invalid collection name ${JSON.stringify(patch.name)}`);
    return { ...where, collection: await this.artifactStore.updateCollection(collection.id, patch) };
  }

  /** deleteArtifactPortfolio: the linked collection goes, the versions stay in their own projects. */
  async deletePortfolio(viewer: Viewer, portfolioGqlId: string) {
    const { collection, where } = await this.portfolio(viewer, portfolioGqlId);
    const aliases = new Set<string>();
    for (const v of await this.artifactStore.listVersions(collection.id, 0, 100_000)) {
      for (const a of await this.artifactStore.listAliases(v.artifact.id)) if (a.collectionId === collection.id) aliases.add(a.alias);
    }
    await this.protection.requireMayChange(viewer, where, aliases);
    await this.store.deletePortfolio(collection.id, actorOf(viewer));
    return { ...where, collection };
  }

  private async portfolio(viewer: Viewer, gqlId: string) {
    const decoded = decodeGqlId(gqlId);
    const collection = decoded && ['ArtifactPortfolio', 'ArtifactCollection'].includes(decoded.type)
      ? await this.artifactStore.findCollectionById(decoded.id) : null;
    const notFound = () => new DomainError(ErrorCodes.NOT_FOUND, `artifact portfolio ${gqlId} not found`);
    if (!collection || collection.kind !== 'portfolio') throw notFound();
    return { collection, where: await this.writablePortfolioProject(viewer, collection, notFound) };
  }

  private async writablePortfolioProject(viewer: Viewer, collection: ArtifactCollection, notFound: () => DomainError) {
    const project = await this.meta.findProjectById(collection.projectId);
    const entity = project ? await this.meta.findEntityById(project.entityId) : null;
    if (!project || !entity) throw notFound();
    const role = await this.access.roleOnProject(viewer, entity, project);
    if (role === null) throw notFound();
    if (role === 'viewer') throw new DomainError(ErrorCodes.FORBIDDEN, `permission denied: ${viewer.user.username} can read but not change ${project.name}`);
    return { entity, project };
  }

  linkedAt(collectionId: number, artifactId: number): Promise<Date | null> {
    return this.store.linkedAt(collectionId, artifactId);
  }

  /** Accepted types of a registry as RegistryFragment.artifactTypes shows them: the list, or (all allowed) the types in use. */
  async artifactTypesOf(registry: RegistryView): Promise<string[]> {
    if (!registry.settings.allowAllTypes) return registry.settings.artifactTypes;
    return [...new Set([...registry.settings.artifactTypes, ...(await this.store.typesInUse(registry.project.id))])];
  }

  /** Portfolio memberships of an artifact in collections the viewer may read (FetchLinkedArtifacts). */
  async membershipsOf(viewer: Viewer, found: ArtifactInProject): Promise<MembershipView[]> {
    const out = [];
    for (const m of await this.store.portfoliosOf(found.artifact.id)) {
      const project = await this.meta.findProjectById(m.collection.projectId);
      const entity = project ? await this.meta.findEntityById(project.entityId) : null;
      if (!project || !entity || !(await this.access.canReadProject(viewer, entity, project))) continue;
      out.push({ artifact: found.artifact, project, entity, collection: m.collection, versionIndex: m.versionIndex });
    }
    return out;
  }
}

export const registryName = (projectName: string) =>
  (projectName.startsWith(REGISTRY_PROJECT_PREFIX) ? projectName.slice(REGISTRY_PROJECT_PREFIX.length) : projectName);

function defaultSettings(projectName: string): Omit<RegistrySettings, 'projectId'> {
  const core = Object.hasOwn(CORE_REGISTRIES, projectName) ? CORE_REGISTRIES[projectName]! : null;
  return { visibility: 'organization', allowAllTypes: core === null, artifactTypes: core ?? [] };
}

function checkRegistryName(projectName: string) {
  const name = registryName(projectName);
  if (!projectName.startsWith(REGISTRY_PROJECT_PREFIX) || name === '' || !PROJECT_NAME.test(projectName) || name.trim() !== name) {
    throw invalidInput(`invalid registry name ${JSON.stringify(name)}: use letters, digits, '-', '_', '.', at most ${128 - REGISTRY_PROJECT_PREFIX.length} characters`);
  }
}

function checkTypeName(name: string): string {
  if (typeof name !== 'string' || name.length > 128 || !TYPE_NAME.test(name)) throw invalidInput(`invalid artifact type ${JSON.stringify(name)}`);
  return name;
}
