import type { AccessPolicy } from './access.js';
import type { Viewer } from './auth.js';
import { DomainError, ErrorCodes, invalidInput } from './errors.js';
import type { ChangeActor, Entity, MetaStore, Project, Role } from './ports.js';
import type { PromotionStore } from './promotion-ports.js';

/** A registry is a project named `wandb-registry-<name>` in an organization's entity (protocol §7). */
export const REGISTRY_PROJECT_PREFIX = 'wandb-registry-';
/** Protected in every registry that has not configured its own list. */
export const DEFAULT_PROTECTED_ALIASES: readonly string[] = ['staging', 'production'];
const ALIAS = /^[A-Za-z0-9_.\-:/]{1,128}$/;

export const isRegistryProject = (entity: Entity, project: Project) =>
  entity.type === 'organization' && project.name.startsWith(REGISTRY_PROJECT_PREFIX) && project.name.length > REGISTRY_PROJECT_PREFIX.length;

export const actorOf = (viewer: Viewer): ChangeActor => ({ userId: viewer.user.id, username: viewer.user.username });

/**
 * Someone's role on one registry, as the registries service keeps it; null when it has none there. Plugged in
 * by the composition root, so this policy does not depend on how registry members are stored.
 */
export type RegistryRoleLookup = (viewer: Viewer, orgEntity: Entity, registry: Project) => Promise<Role | null>;

/**
 * Protected aliases: the one place that decides who may add, move or remove them.
 *
 * In a registry, the aliases in its protected list (default `staging`, `production`) may only be changed by its
 * admins: site admins, admins of the organization, and users with the admin role on that registry. Everyone
 * else gets PROTECTED_ALIAS (403) before anything changes. Outside registries no alias is protected.
 */
export class AliasProtection {
  private registryRole: RegistryRoleLookup | null = null;

  constructor(
    private readonly meta: MetaStore,
    private readonly access: AccessPolicy,
    private readonly promotions: PromotionStore,
  ) {}

  /** Registry roles come from the registries service (wired at the composition root). */
  useRegistryRoles(lookup: RegistryRoleLookup): void {
    this.registryRole = lookup;
  }

  async protectedAliases(project: Project): Promise<string[]> {
    return (await this.promotions.protectedAliases(project.id)) ?? [...DEFAULT_PROTECTED_ALIASES];
  }

  /** Site admin, org admin, or admin of this registry. */
  async isRegistryAdmin(viewer: Viewer, entity: Entity, project: Project): Promise<boolean> {
    if (viewer.user.admin) return true;
    // roleOn an org entity is the caller's role in the organization.
    if ((await this.access.roleOn(viewer, entity)) === 'admin') return true;
    return this.registryRole !== null && (await this.registryRole(viewer, entity, project)) === 'admin';
  }

  /**
   * Throws PROTECTED_ALIAS unless the viewer may change every alias in `aliases` in this project's collections.
   * Call it before changing anything, with every alias the change adds, moves or removes.
   */
  async requireMayChange(viewer: Viewer, where: { entity: Entity; project: Project }, aliases: Iterable<string>): Promise<void> {
    if (!isRegistryProject(where.entity, where.project)) return;
    const wanted = [...new Set(aliases)];
    if (wanted.length === 0) return;
    const protectedSet = new Set(await this.protectedAliases(where.project));
    const hit = wanted.filter((a) => protectedSet.has(a));
    if (hit.length === 0 || (await this.isRegistryAdmin(viewer, where.entity, where.project))) return;
    const registry = where.project.name.slice(REGISTRY_PROJECT_PREFIX.length);
    throw new DomainError(ErrorCodes.PROTECTED_ALIAS,
      `permission denied: ${hit.map((a) => JSON.stringify(a)).join(', ')} ${hit.length > 1 ? 'are protected aliases' : 'is a protected alias'} ` +
      `in registry ${registry}; only registry admins may add, move or remove ${hit.length > 1 ? 'them' : 'it'} ` +
      `(${viewer.user.username} is not an admin of ${registry})`);
  }

  /** Sets a registry's protected aliases (null: back to the defaults); registry admins only. */
  async setProtectedAliases(actor: Viewer | { system: string }, where: { entity: Entity; project: Project }, aliases: string[] | null): Promise<string[]> {
    if (!isRegistryProject(where.entity, where.project)) {
      throw invalidInput(`${where.entity.name}/${where.project.name} is not a registry: protected aliases are set per registry`);
    }
    if ('user' in actor && !(await this.isRegistryAdmin(actor, where.entity, where.project))) {
      throw new DomainError(ErrorCodes.FORBIDDEN, `permission denied: only registry admins set the protected aliases of ${where.project.name}`);
    }
    let list: string[] | null = null;
    if (aliases !== null) {
      list = [...new Set(aliases.map((a) => a.trim()).filter((a) => a !== ''))];
      for (const a of list) {
        if (!ALIAS.test(a) || /^v\d+$/.test(a)) throw invalidInput(`invalid alias ${JSON.stringify(a)}`);
        // The server moves `latest` on every link; protecting it would refuse members their own links.
        if (a === 'latest') throw invalidInput('latest cannot be protected: the server moves it on every link');
      }
      if (list.length > 100) throw invalidInput('at most 100 protected aliases per registry');
    }
    await this.promotions.setProtectedAliases(where.project.id, list, 'user' in actor ? actor.user.username : actor.system);
    return list ?? [...DEFAULT_PROTECTED_ALIASES];
  }

  /** The org entity and registry project for `<org>` and `<registry>` (bare name or `wandb-registry-…`), or null. */
  async findRegistry(org: string, registry: string): Promise<{ entity: Entity; project: Project } | null> {
    const organization = await this.meta.findOrganizationByName(org);
    const entity = organization ? await this.meta.findEntityById(organization.entityId) : await this.meta.findEntityByName(org);
    if (!entity || entity.type !== 'organization') return null;
    const name = registry.startsWith(REGISTRY_PROJECT_PREFIX) ? registry : REGISTRY_PROJECT_PREFIX + registry;
    const project = await this.meta.findProject(entity.id, name);
    return project ? { entity, project } : null;
  }
}
