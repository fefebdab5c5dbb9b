import type { AccessPolicy } from './access.js';
import type { AuditLog } from './audit.js';
import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import type { Actor } from './orgs.js';
import { PROJECT_VISIBILITIES, type Entity, type MetaStore, type Project, type ProjectVisibility, type Role } from './ports.js';

const ROLES: readonly Role[] = ['admin', 'member', 'viewer'];
const isViewer = (a: Actor): a is Viewer => 'user' in a;
const actorName = (a: Actor) => (isViewer(a) ? a.user.username : a.system);

/**
 * W&B's project `access` values (upsertModel input, Project.access) and Cairn's visibilities. W&B has no
 * org-wide project level of its own; ORGANIZATION (and Cairn's own names) are accepted too. Writable-by-anyone
 * (USER_WRITE) does not exist in Cairn: public projects are read-only.
 */
const FROM_WANDB_ACCESS: Record<string, ProjectVisibility> = {
  PRIVATE: 'private', ENTITY_READ: 'private', ENTITY_WRITE: 'private',
  ORGANIZATION: 'organization', RESTRICTED: 'restricted', USER_READ: 'public',
};
const TO_WANDB_ACCESS: Record<ProjectVisibility, string> = {
  private: 'PRIVATE', organization: 'ORGANIZATION', restricted: 'RESTRICTED', public: 'USER_READ',
};

export function visibilityFromAccess(access: string): ProjectVisibility {
  const lower = access.toLowerCase();
  if ((PROJECT_VISIBILITIES as readonly string[]).includes(lower)) return lower as ProjectVisibility;
  const mapped = FROM_WANDB_ACCESS[access.toUpperCase()];
  if (!mapped) {
    throw invalidInput(`unknown project access ${JSON.stringify(access)}: use PRIVATE, ORGANIZATION, RESTRICTED or USER_READ (public, read-only)`);
  }
  return mapped;
}

export const accessOfVisibility = (v: ProjectVisibility) => TO_WANDB_ACCESS[v];

/** Changes who may see a project: its visibility and, for restricted projects, its named members. Audited. */
export class ProjectVisibilityService {
  constructor(private readonly meta: MetaStore, private readonly access: AccessPolicy, private readonly audit: AuditLog) {}

  /** The project (it must exist); a viewer needs the admin role on it, the CLI may do anything. */
  private async target(actor: Actor, ref: string): Promise<{ entity: Entity; project: Project }> {
    const [entityName, projectName, ...rest] = ref.split('/');
    if (!entityName || !projectName || rest.length > 0) throw invalidInput(`expected <entity>/<project>, got ${JSON.stringify(ref)}`);
    if (isViewer(actor)) {
      const found = await this.access.project(actor, entityName, projectName, 'read');
      await this.access.requireProject(actor, found.entity, found.project, 'admin',
        () => new DomainError(ErrorCodes.PROJECT_NOT_FOUND, `project ${ref} not found`));
      return found;
    }
    const entity = await this.meta.findEntityByName(entityName);
    const project = entity ? await this.meta.findProject(entity.id, projectName) : null;
    if (!entity || !project) throw new DomainError(ErrorCodes.PROJECT_NOT_FOUND, `project ${ref} not found`);
    return { entity, project };
  }

  /**
   * `justCreated`: the project was created by this same request (upsertModel with access), so its creator (a
   * writer of the entity) chooses the visibility; changing an existing project's needs the admin role on it.
   */
  async setVisibility(actor: Actor, ref: string, visibility: ProjectVisibility, justCreated?: { entity: Entity; project: Project }): Promise<{ project: Project; previous: ProjectVisibility }> {
    if (!(PROJECT_VISIBILITIES as readonly string[]).includes(visibility)) {
      throw invalidInput(`unknown visibility ${JSON.stringify(visibility)}: use ${PROJECT_VISIBILITIES.join(', ')}`);
    }
    const { entity, project } = justCreated ?? (await this.target(actor, ref));
    if (project.visibility === visibility) return { project, previous: visibility };
    const updated = await this.meta.setProjectVisibility(project.id, visibility);
    await this.audit.record({
      actor: actorName(actor), action: 'project.visibility', target: `${entity.name}/${project.name}`,
      detail: { from: project.visibility, to: visibility },
    });
    return { project: updated, previous: project.visibility };
  }

  async addMember(actor: Actor, ref: string, username: string, role: Role) {
    if (!ROLES.includes(role)) throw invalidInput(`unknown role ${JSON.stringify(role)}: use admin, member or viewer`);
    const { entity, project } = await this.target(actor, ref);
    const user = await this.meta.findUserByUsername(username);
    if (!user) throw new DomainError(ErrorCodes.NOT_FOUND, `user ${username} not found`);
    const previous = await this.meta.projectRoleOf(project.id, user.id);
    await this.meta.setProjectMember(project.id, user.id, role);
    await this.audit.record({
      actor: actorName(actor), action: 'project.member.add', target: user.username,
      detail: { project: `${entity.name}/${project.name}`, from: previous, to: role },
    });
    return { project, user, previous };
  }

  async removeMember(actor: Actor, ref: string, username: string) {
    const { entity, project } = await this.target(actor, ref);
    const user = await this.meta.findUserByUsername(username);
    const previous = user ? await this.meta.projectRoleOf(project.id, user.id) : null;
    if (!user || previous === null || !(await this.meta.removeProjectMember(project.id, user.id))) {
      throw new DomainError(ErrorCodes.NOT_FOUND, `${username} is not a member of ${entity.name}/${project.name}`);
    }
    await this.audit.record({
      actor: actorName(actor), action: 'project.member.remove', target: user.username,
      detail: { project: `${entity.name}/${project.name}`, from: previous },
    });
    return { project, user, previous };
  }

  async listMembers(actor: Actor, ref: string) {
    const { project } = await this.target(actor, ref);
    return { project, members: await this.meta.listProjectMembers(project.id) };
  }
}
