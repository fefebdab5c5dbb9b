import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes } from './errors.js';
import type { Entity, MetaStore, Organization, Project, Role, User } from './ports.js';

/** Reading sees an entity's projects, runs, files and artifacts; writing also creates and changes them. */
export type AccessMode = 'read' | 'write';

/**
 * Projects whose access is not simply their entity's (registries: their own members and visibility). Rules are
 * registered at composition time (createServices); a project no rule claims follows its entity's roles.
 */
export interface ProjectAccessRule {
  /** undefined: not this rule's project; otherwise the viewer's role on it (null: may not even read it). */
  roleOnProject(viewer: Viewer, entity: Entity, project: Project): Promise<Role | null | undefined>;
  /**
   * For an artifact in a project the viewer may not read: a project the viewer may read that holds it (a
   * registry it is linked into), or null.
   */
  readableHolder(viewer: Viewer, artifactId: number): Promise<{ project: Project; entity: Entity } | null>;
}

/**
 * The one place that decides who may read, write or administer an entity's projects.
 *
 * A caller's role on an entity:
 * - site admins: admin everywhere;
 * - a personal entity: its user is admin (other users only through a membership row);
 * - a team: its membership role; admins of the team's organization are admins of every team in it;
 * - an org entity (registries): the caller's role in the organization.
 * Any role reads; admin and member write; only admin manages members. What a caller may not read answers
 * exactly like what does not exist (no name leaks); what it may read but not write answers FORBIDDEN (403).
 */
export class AccessPolicy {
  private readonly projectRules: ProjectAccessRule[] = [];

  constructor(private readonly meta: MetaStore) {}

  useProjectRule(rule: ProjectAccessRule) {
    this.projectRules.push(rule);
  }

  /**
   * The viewer's role on a project, null when it may not read it: a rule's (registries), or else from the
   * project's visibility —
   * - private: the entity role;
   * - organization: the entity role, else viewer for every member of the entity's organization;
   * - restricted: admin for entity admins, else the named project role (entity members without one see nothing);
   * - public: the entity role, else viewer for every signed-in user.
   */
  async roleOnProject(viewer: Viewer, entity: Entity, project: Project): Promise<Role | null> {
    for (const rule of this.projectRules) {
      const role = await rule.roleOnProject(viewer, entity, project);
      if (role !== undefined) return role;
    }
    const entityRole = await this.roleOn(viewer, entity);
    switch (project.visibility) {
      case 'organization':
        return entityRole ?? ((await this.inOrganizationOf(viewer, entity)) ? 'viewer' : null);
      case 'restricted':
        return entityRole === 'admin' ? 'admin' : this.meta.projectRoleOf(project.id, viewer.user.id);
      case 'public':
        return entityRole ?? 'viewer';
      default:
        return entityRole;
    }
  }

  /** Whether the viewer belongs (any role) to the organization of the entity (a team's org, or the org itself). */
  private async inOrganizationOf(viewer: Viewer, entity: Entity): Promise<boolean> {
    if (entity.orgId === null) return false;
    const org = await this.meta.findOrganizationById(entity.orgId);
    return org !== null && (await this.meta.roleOf(org.entityId, viewer.user.id)) !== null;
  }

  async canWriteProject(viewer: Viewer, entity: Entity, project: Project): Promise<boolean> {
    const role = await this.roleOnProject(viewer, entity, project);
    return role === 'admin' || role === 'member';
  }

  /** Like require(), for a project already located: NOT_FOUND as if absent, FORBIDDEN when the mode needs more. */
  async requireProject(viewer: Viewer, entity: Entity, project: Project, mode: AccessMode | 'admin', notFound: () => DomainError): Promise<Role> {
    const role = await this.roleOnProject(viewer, entity, project);
    if (role === null) throw notFound();
    if (mode === 'write' && role === 'viewer') {
      throw new DomainError(ErrorCodes.FORBIDDEN,
        `permission denied: ${viewer.user.username} has the viewer role in ${entity.name}/${project.name}, which can read but not write`);
    }
    if (mode === 'admin' && role !== 'admin') {
      throw new DomainError(ErrorCodes.FORBIDDEN, `permission denied: managing ${entity.name}/${project.name} needs its admin role`);
    }
    return role;
  }

  /**
   * The projects of an entity the viewer may read. An entity the viewer cannot read yields only its projects
   * visible to the viewer (organization / public / named), nothing else about it.
   */
  async readableProjects(viewer: Viewer, entity: Entity): Promise<Project[]> {
    const readable: Project[] = [];
    for (const project of await this.meta.listProjects(entity.id)) {
      if ((await this.roleOnProject(viewer, entity, project)) !== null) readable.push(project);
    }
    return readable;
  }

  /**
   * Where a write may create a project (upsertBucket, createArtifact, upsertModel): an existing project needs
   * write access to it (hidden ones answer not found); a new one needs write access to the entity.
   */
  async projectSlotForWrite(viewer: Viewer, entityName: string | null | undefined, projectName: string): Promise<{ entity: Entity; project: Project | null }> {
    // No entity named (wandb.init without one): the user's default entity, as on W&B.
    const wanted = entityName || (await this.defaultEntityName(viewer.user));
    const entity = await this.meta.findEntityByName(wanted);
    if (!entity) throw new DomainError(ErrorCodes.ENTITY_NOT_FOUND, `entity ${wanted} not found`);
    if (await this.meta.findProject(entity.id, projectName)) return this.project(viewer, entity.name, projectName, 'write');
    await this.require(viewer, entity, 'write', () => new DomainError(ErrorCodes.ENTITY_NOT_FOUND, `entity ${wanted} not found`));
    return { entity, project: null };
  }

  async canReadProject(viewer: Viewer, entity: Entity, project: Project): Promise<boolean> {
    return (await this.roleOnProject(viewer, entity, project)) !== null;
  }

  /** A readable project (a registry) that holds an artifact whose own project the viewer may not read, or null. */
  async readableHolderOf(viewer: Viewer, artifactId: number): Promise<{ project: Project; entity: Entity } | null> {
    for (const rule of this.projectRules) {
      const found = await rule.readableHolder(viewer, artifactId);
      if (found) return found;
    }
    return null;
  }

  /** The viewer's role on the entity, or null when it may not even read it. */
  async roleOn(viewer: Viewer, entity: Entity): Promise<Role | null> {
    if (viewer.user.admin || viewer.user.entityId === entity.id) return 'admin';
    const own = await this.meta.roleOf(entity.id, viewer.user.id);
    if (own === 'admin' || entity.type !== 'team' || entity.orgId === null) return own;
    const org = await this.meta.findOrganizationById(entity.orgId);
    if (org && (await this.meta.roleOf(org.entityId, viewer.user.id)) === 'admin') return 'admin';
    return own;
  }

  async canRead(viewer: Viewer, entity: Entity): Promise<boolean> {
    return (await this.roleOn(viewer, entity)) !== null;
  }

  /** Read access (kept under its historical name: most callers only read). */
  async canAccessEntity(viewer: Viewer, entity: Entity): Promise<boolean> {
    return this.canRead(viewer, entity);
  }

  async canWrite(viewer: Viewer, entity: Entity): Promise<boolean> {
    const role = await this.roleOn(viewer, entity);
    return role === 'admin' || role === 'member';
  }

  /**
   * For something already located in `entity`: NOT_FOUND (as if absent) when the viewer may not read there,
   * FORBIDDEN when it may read but the mode needs more. `notFound` is the caller's own not-found error.
   */
  async require(viewer: Viewer, entity: Entity, mode: AccessMode | 'admin', notFound?: () => DomainError): Promise<Role> {
    const role = await this.roleOn(viewer, entity);
    if (role === null) throw notFound ? notFound() : new DomainError(ErrorCodes.ENTITY_NOT_FOUND, `entity ${entity.name} not found`);
    if (mode === 'write' && role === 'viewer') {
      throw new DomainError(ErrorCodes.FORBIDDEN,
        `permission denied: ${viewer.user.username} has the viewer role in ${entity.name}, which can read but not write`);
    }
    if (mode === 'admin' && role !== 'admin') {
      throw new DomainError(ErrorCodes.FORBIDDEN, `permission denied: managing ${entity.name} needs its admin role`);
    }
    return role;
  }

  /** The entity by name (or the viewer's own when name is empty), or ENTITY_NOT_FOUND; FORBIDDEN for a read-only writer. */
  async entity(viewer: Viewer, name: string | null | undefined, mode: AccessMode = 'read'): Promise<Entity> {
    const wanted = name || viewer.user.username;
    const notFound = () => new DomainError(ErrorCodes.ENTITY_NOT_FOUND, `entity ${wanted} not found`);
    const entity = await this.meta.findEntityByName(wanted);
    if (!entity) throw notFound();
    await this.require(viewer, entity, mode, notFound);
    return entity;
  }

  /** Like entity(), but null instead of ENTITY_NOT_FOUND (FORBIDDEN still throws). */
  async entityOrNull(viewer: Viewer, name: string | null | undefined, mode: AccessMode = 'read'): Promise<Entity | null> {
    try {
      return await this.entity(viewer, name, mode);
    } catch (e) {
      if (e instanceof DomainError && e.code === ErrorCodes.ENTITY_NOT_FOUND) return null;
      throw e;
    }
  }

  /** An existing project, or ENTITY_NOT_FOUND / PROJECT_NOT_FOUND; FORBIDDEN when writing needs more than the viewer's role. */
  async project(viewer: Viewer, entityName: string | null | undefined, projectName: string, mode: AccessMode = 'read'): Promise<{ entity: Entity; project: Project }> {
    const wanted = entityName || viewer.user.username;
    const entity = await this.meta.findEntityByName(wanted);
    if (!entity) throw new DomainError(ErrorCodes.ENTITY_NOT_FOUND, `entity ${wanted} not found`);
    const project = await this.meta.findProject(entity.id, projectName);
    // Visibility and rules (restricted registries) may hide a project: hidden projects look absent, and in an
    // entity the viewer cannot read (it may read a public or org-visible project there) so does the entity.
    const role = project ? await this.roleOnProject(viewer, entity, project) : null;
    if (!project || role === null) {
      if (!(await this.canRead(viewer, entity))) throw new DomainError(ErrorCodes.ENTITY_NOT_FOUND, `entity ${wanted} not found`);
      throw new DomainError(ErrorCodes.PROJECT_NOT_FOUND, `project ${entity.name}/${projectName} not found`);
    }
    if (mode === 'write' && role === 'viewer') {
      throw new DomainError(ErrorCodes.FORBIDDEN,
        `permission denied: ${viewer.user.username} has the viewer role in ${entity.name}/${project.name}, which can read but not write`);
    }
    return { entity, project };
  }

  /** Whether the viewer may see the organization at all: site admins and its members. */
  async canSeeOrganization(viewer: Viewer, org: Organization): Promise<boolean> {
    return viewer.user.admin || (await this.meta.roleOf(org.entityId, viewer.user.id)) !== null;
  }

  /** The organization by name if the viewer may see it, else null (unknown and hidden look alike). */
  /**
   * Where a user's runs go when no entity is named (`viewer { entity }`, upsertBucket without entityName): the
   * default they chose while they may still write there, else their own entity.
   */
  async defaultEntityName(user: User): Promise<string> {
    const id = await this.meta.findUserDefaultEntityId(user.id);
    const entity = id === null ? null : await this.meta.findEntityById(id);
    if (!entity) return user.username;
    const role = await this.roleOn({ user }, entity);
    return role !== null && role !== 'viewer' ? entity.name : user.username;
  }

  /** `updateUser(defaultEntity)`: only an entity the viewer may write to (hidden: not found; read-only: 403). */
  async setDefaultEntity(viewer: Viewer, name: string): Promise<Entity> {
    const entity = await this.entity(viewer, name, 'write');
    await this.meta.setUserDefaultEntityId(viewer.user.id, entity.id === viewer.user.entityId ? null : entity.id);
    return entity;
  }

  /**
   * The `users` search: site admins search every live user; anyone else finds at most themselves (as on W&B,
   * where only admins may search users), so the query never reveals who else has an account.
   */
  async searchUsers(viewer: Viewer, query: string): Promise<User[]> {
    const q = query.toLowerCase();
    if (viewer.user.admin) {
      // An exact username or email comes first: `api.user(name)` takes the first match.
      const exact = (u: User) => u.username.toLowerCase() === q || (u.email ?? '').toLowerCase() === q;
      const found = await this.meta.searchUsers(query, 100);
      return [...found.filter(exact), ...found.filter((u) => !exact(u))];
    }
    const self = viewer.user;
    return self.username.toLowerCase().includes(q) || (self.email ?? '').toLowerCase().includes(q) ? [self] : [];
  }

  async organizationOrNull(viewer: Viewer, name: string): Promise<Organization | null> {
    const org = await this.meta.findOrganizationByName(name);
    return org && (await this.canSeeOrganization(viewer, org)) ? org : null;
  }
}
