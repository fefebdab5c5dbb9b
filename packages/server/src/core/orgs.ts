import { randomBytes } from 'node:crypto';
import type { AccessPolicy } from './access.js';
import type { AuditLog } from './audit.js';
import { ENTITY_NAME, type AuthService, type Viewer } from './auth.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import { ROLES, type Entity, type Member, type MetaStore, type Organization, type Role, type User } from './ports.js';

/** Who asks: a signed-in caller (checked by AccessPolicy) or the operator (`cairn` CLI, test fixtures). */
export type Actor = Viewer | { system: 'cli' | 'test-fixtures' };
const isViewer = (a: Actor): a is Viewer => 'user' in a;
const actorName = (a: Actor) => (isViewer(a) ? a.user.username : a.system);

/** Where members are managed: an organization (its org entity holds the roles) or a team. */
interface MemberTarget { entity: Entity; org: Organization | null }

export function parseRole(value: unknown): Role {
  if (typeof value !== 'string' || !ROLES.includes(value as Role)) {
    throw invalidInput(`unknown role ${JSON.stringify(value)}: use ${ROLES.join(', ')}`);
  }
  return value as Role;
}

/**
 * Organizations, teams, members and service accounts. Authorisation decisions are AccessPolicy's; this
 * service keeps the invariants: a team member is also a member of the team's organization, leaving an
 * organization leaves its teams, an organization keeps at least one admin, and every change is audited.
 */
export class OrgService {
  constructor(
    private readonly meta: MetaStore,
    private readonly auth: AuthService,
    private readonly access: AccessPolicy,
    private readonly audit: AuditLog,
  ) {}

  /** Operators (and site admins) create organizations; `admin` becomes its first admin. */
  async createOrganization(actor: Actor, input: { name: string; entityName?: string | null; admin?: string | null }): Promise<Organization> {
    if (isViewer(actor) && !actor.user.admin) throw new DomainError(ErrorCodes.FORBIDDEN, 'permission denied: only site admins create organizations');
    const entityName = input.entityName || input.name;
    for (const n of new Set([input.name, entityName])) {
      if (!ENTITY_NAME.test(n)) throw invalidInput(`invalid organization name ${JSON.stringify(n)}: use letters, digits, '_', '.', '-'`);
    }
    if (await this.meta.findOrganizationByName(input.name)) {
      throw new DomainError(ErrorCodes.ALREADY_EXISTS, `an organization named ${input.name} already exists`);
    }
    // The org's name must not name some other entity either, so "members add <name>" means one thing.
    for (const n of new Set([input.name, entityName])) {
      if (await this.meta.findEntityByName(n)) throw new DomainError(ErrorCodes.ALREADY_EXISTS, `the name ${n} is already taken`);
    }
    const admin = input.admin ? await this.userByName(input.admin) : null;
    const org = await this.meta.createOrganization({ name: input.name, entityName });
    await this.audit.record({ actor: actorName(actor), action: 'org.create', target: org.name, detail: { orgEntity: entityName } });
    if (admin) await this.setMember(actor, org.name, admin.username, 'admin');
    return org;
  }

  /**
   * A new team inside an organization. Callers need the org's admin role. Without `org`, a caller's one
   * administered organization is used (the SDK's createTeam names none). `admin` (default: the caller) becomes team admin.
   */
  async createTeam(actor: Actor, input: { name: string; org?: string | null; admin?: string | null }): Promise<Entity> {
    if (!ENTITY_NAME.test(input.name)) throw invalidInput(`invalid team name ${JSON.stringify(input.name)}: use letters, digits, '_', '.', '-'`);
    const org = await this.orgForNewTeam(actor, input.org ?? null);
    if (await this.meta.findEntityByName(input.name) || await this.meta.findOrganizationByName(input.name)) {
      throw new DomainError(ErrorCodes.ALREADY_EXISTS, `the name ${input.name} is already taken`);
    }
    const adminName = input.admin || (isViewer(actor) ? actor.user.username : null);
    const admin = adminName ? await this.userByName(adminName) : null;
    const team = await this.meta.createTeam(input.name, org.id);
    await this.audit.record({ actor: actorName(actor), action: 'team.create', target: team.name, detail: { org: org.name } });
    if (admin) await this.setMember(actor, team.name, admin.username, 'admin');
    return team;
  }

  private async orgForNewTeam(actor: Actor, orgName: string | null): Promise<Organization> {
    if (orgName) {
      const org = isViewer(actor) ? await this.access.organizationOrNull(actor, orgName) : await this.meta.findOrganizationByName(orgName);
      if (!org) throw new DomainError(ErrorCodes.NOT_FOUND, `organization ${orgName} not found`);
      if (isViewer(actor)) await this.requireOrgAdmin(actor, org);
      return org;
    }
    if (!isViewer(actor)) throw invalidInput('name the organization the team belongs to');
    const administered: Organization[] = [];
    for (const org of await this.meta.listOrganizationsOfUser(actor.user.id)) {
      if ((await this.meta.roleOf(org.entityId, actor.user.id)) === 'admin') administered.push(org);
    }
    if (administered.length === 0) {
      throw new DomainError(ErrorCodes.FORBIDDEN, 'permission denied: creating a team needs the admin role in an organization');
    }
    // The SDK's `api.create_team` cannot name an organization: with several, the newest one the caller administers
    // takes the team (`cairn teams create --org` picks another).
    return administered.reduce((a, b) => (b.createdAt.getTime() > a.createdAt.getTime()
      || (b.createdAt.getTime() === a.createdAt.getTime() && Number(b.id) > Number(a.id)) ? b : a));
  }

  private async requireOrgAdmin(viewer: Viewer, org: Organization) {
    const entity = await this.meta.findEntityById(org.entityId);
    if (!entity) throw new Error(`organization ${org.name} has no org entity`);
    await this.access.require(viewer, entity, 'admin', () => new DomainError(ErrorCodes.NOT_FOUND, `organization ${org.name} not found`));
  }

  /** An organization (by its name or its org entity's name) or a team, as a member target; NOT_FOUND when hidden. */
  async memberTarget(actor: Actor, name: string): Promise<MemberTarget> {
    const notFound = () => new DomainError(ErrorCodes.NOT_FOUND, `no organization or team named ${name}`);
    const byOrgName = await this.meta.findOrganizationByName(name);
    const entity = byOrgName ? await this.meta.findEntityById(byOrgName.entityId) : await this.meta.findEntityByName(name);
    if (!entity || entity.type === 'user') throw notFound();
    if (isViewer(actor) && !(await this.access.canRead(actor, entity))) throw notFound();
    const org = byOrgName ?? (entity.orgId !== null ? await this.meta.findOrganizationById(entity.orgId) : null);
    return { entity, org };
  }

  async listMembers(actor: Actor, target: string): Promise<Member[]> {
    const { entity } = await this.memberTarget(actor, target);
    return this.meta.listMembers(entity.id);
  }

  /**
   * Adds a member or changes its role (`onlyIfNew`: refuse an existing member, as invitations do). Joining a
   * team also joins its organization (as member, or viewer for a team viewer) unless already in it.
   */
  async setMember(actor: Actor, targetName: string, who: string, role: Role, opts: { onlyIfNew?: boolean } = {}) {
    const target = await this.memberTarget(actor, targetName);
    if (isViewer(actor)) await this.access.require(actor, target.entity, 'admin');
    const user = await this.userByName(who);
    const previous = await this.meta.roleOf(target.entity.id, user.id);
    if (previous !== null && opts.onlyIfNew) {
      throw new DomainError(ErrorCodes.ALREADY_EXISTS, `${user.username} is already a member of ${target.entity.name}`);
    }
    if (previous === role) return { entity: target.entity, user, role, previous };
    if (previous === 'admin') await this.keepAnAdmin(target, user);
    if (target.entity.type === 'team' && target.org) {
      const orgRole = await this.meta.roleOf(target.org.entityId, user.id);
      if (orgRole === null) await this.joinOrganization(actor, target.org, user, role === 'viewer' ? 'viewer' : 'member');
    }
    if (target.entity.type === 'organization' && target.org && previous === null) {
      await this.joinOrganization(actor, target.org, user, role);
    } else {
      await this.meta.addMember(target.entity.id, user.id, role);
      await this.audit.record({
        actor: actorName(actor), action: previous === null ? 'member.add' : 'member.role', target: user.username,
        detail: { entity: target.entity.name, from: previous, to: role },
      });
    }
    return { entity: target.entity, user, role, previous };
  }

  private async joinOrganization(actor: Actor, org: Organization, user: User, role: Role) {
    await this.meta.addMember(org.entityId, user.id, role);
    // A personal entity belongs to at most one organization: the first one its user joins.
    const personal = await this.meta.findEntityById(user.entityId);
    if (personal && personal.orgId === null) await this.meta.setEntityOrganization(personal.id, org.id);
    const orgEntity = await this.meta.findEntityById(org.entityId);
    await this.audit.record({
      actor: actorName(actor), action: 'member.add', target: user.username,
      detail: { entity: orgEntity?.name ?? org.name, org: org.name, from: null, to: role },
    });
  }

  /** Removes a member; leaving an organization also leaves its teams. */
  async removeMember(actor: Actor, targetName: string, who: string) {
    const target = await this.memberTarget(actor, targetName);
    const user = await this.userByName(who);
    // A member may always leave; removing someone else needs the admin role.
    if (isViewer(actor) && actor.user.id !== user.id) await this.access.require(actor, target.entity, 'admin');
    const previous = await this.meta.roleOf(target.entity.id, user.id);
    if (previous === null) throw new DomainError(ErrorCodes.NOT_FOUND, `${user.username} is not a member of ${target.entity.name}`);
    if (previous === 'admin') await this.keepAnAdmin(target, user);
    const left: string[] = [];
    if (target.entity.type === 'organization' && target.org) {
      for (const team of await this.meta.listTeamsOfOrganization(target.org.id)) {
        if (await this.meta.removeMember(team.id, user.id)) left.push(team.name);
      }
      const personal = await this.meta.findEntityById(user.entityId);
      if (personal && personal.orgId === target.org.id) {
        const others = (await this.meta.listOrganizationsOfUser(user.id)).filter((o) => o.id !== target.org!.id);
        await this.meta.setEntityOrganization(personal.id, others[0]?.id ?? null);
      }
    }
    await this.meta.removeMember(target.entity.id, user.id);
    await this.audit.record({
      actor: actorName(actor), action: 'member.remove', target: user.username,
      detail: { entity: target.entity.name, from: previous, ...(left.length > 0 ? { teams: left } : {}) },
    });
    return { entity: target.entity, user, previous };
  }

  /** An organization keeps at least one admin (teams need none: the org's admins administer them). */
  private async keepAnAdmin(target: MemberTarget, leaving: User) {
    if (target.entity.type !== 'organization') return;
    const admins = (await this.meta.listMembers(target.entity.id)).filter((m) => m.role === 'admin' && m.user.id !== leaving.id);
    if (admins.length === 0) {
      throw new DomainError(ErrorCodes.CONFLICT, `${leaving.username} is the last admin of ${target.org?.name ?? target.entity.name}: make someone else admin first`);
    }
  }

  /** A service account: a user that only has API keys, a member of one team (and so of its organization). */
  async createServiceAccount(actor: Actor, teamName: string, input: { username?: string | null; description?: string | null }): Promise<User> {
    const target = await this.memberTarget(actor, teamName);
    if (target.entity.type !== 'team') throw invalidInput(`service accounts belong to a team; ${teamName} is not one`);
    if (isViewer(actor)) await this.access.require(actor, target.entity, 'admin');
    const username = input.username || `${target.entity.name}-bot-${randomBytes(3).toString('hex')}`;
    const user = await this.auth.createUser({ username, serviceAccount: true });
    await this.audit.record({
      actor: actorName(actor), action: 'service_account.create', target: user.username,
      detail: { team: target.entity.name, description: input.description ?? null },
    });
    await this.setMember(actor, target.entity.name, user.username, 'member');
    return user;
  }

  /** Site admins create users by email (the SDK's `Api.create_user`); the username is the email's local part. */
  async createUserFromEmail(viewer: Viewer, email: string, admin: boolean): Promise<User> {
    if (!viewer.user.admin) throw new DomainError(ErrorCodes.FORBIDDEN, 'permission denied: only site admins create users');
    const at = email.indexOf('@');
    if (at <= 0 || at === email.length - 1 || email.length > 254) throw invalidInput(`not an email address: ${JSON.stringify(email)}`);
    const username = email.slice(0, at).replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[.-]+/, '');
    const user = await this.auth.createUser({ username, email, admin });
    await this.audit.record({ actor: viewer.user.username, action: 'user.create', target: user.username, detail: { admin, email } });
    return user;
  }

  /** Test fixtures' cleanup: refused (not an error for them) while the org or team still owns projects. */
  async deleteOrganization(actor: Actor, name: string): Promise<'deleted' | 'has-projects' | 'absent'> {
    if (isViewer(actor) && !actor.user.admin) throw new DomainError(ErrorCodes.FORBIDDEN, 'permission denied: only site admins delete organizations');
    const org = await this.meta.findOrganizationByName(name);
    if (!org) return 'absent';
    const result = await this.meta.deleteOrganization(org.id);
    if (result === 'deleted') await this.audit.record({ actor: actorName(actor), action: 'org.delete', target: name });
    return result;
  }

  async deleteTeam(actor: Actor, name: string): Promise<'deleted' | 'has-projects' | 'absent'> {
    const team = await this.meta.findEntityByName(name);
    if (!team || team.type !== 'team') return 'absent';
    if (isViewer(actor)) await this.access.require(actor, team, 'admin');
    const result = await this.meta.deleteTeam(team.id);
    if (result === 'deleted') await this.audit.record({ actor: actorName(actor), action: 'team.delete', target: name });
    return result;
  }

  /** The organization an entity belongs to (a team's, an org entity's own, a personal entity's), or null. */
  async organizationOf(entity: Entity): Promise<Organization | null> {
    return entity.orgId === null ? null : this.meta.findOrganizationById(entity.orgId);
  }

  /** A user by username, or by email when it has an '@'. */
  private async userByName(who: string): Promise<User> {
    const user = who.includes('@') ? await this.meta.findUserByEmail(who) : await this.meta.findUserByUsername(who);
    if (!user) throw new DomainError(ErrorCodes.USER_NOT_FOUND, `no user ${who}`);
    return user;
  }
}
