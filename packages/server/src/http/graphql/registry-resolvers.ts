import { accessOfVisibility } from '../../core/project-visibility.js';
import { encodeGqlId } from '@cairn/shared';
import { isRegistryProject, REGISTRY_PROJECT_PREFIX } from '../../core/alias-protection.js';
import type { ArtifactInProject } from '../../core/artifacts.js';
import { invalidInput } from '../../core/errors.js';
import type { Entity, Organization, Project, User } from '../../core/ports.js';
import { parseRegistryRole, visibilityToWire, type MembershipView, type RegistryView } from '../../core/registries.js';
import type { RegistryRole } from '../../core/registry-ports.js';
import { artifactResolvers } from './artifact-resolvers.js';
import { decodeCursor, encodeCursor, page } from './paging.js';
import { resolvers, type GqlContext } from './resolvers.js';

type Args = Record<string, unknown>;
interface ProjectRef { project: Project; entity: Entity }

const str = (v: unknown) => (typeof v === 'string' ? v : null);
const ids = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
const MAX_PAGE = 1000;

/** Offset paging for searches that ask the store for one row more than the page to know whether another follows. */
function window(args: Args) {
  const after = decodeCursor(str(args.after)) + 1;
  const first = Math.min(Math.max((args.first as number | null) ?? 100, 0), MAX_PAGE);
  return { after, first };
}
function connection<T>(items: T[], after: number, first: number, totalCount?: () => Promise<number>) {
  const slice = items.slice(0, first);
  return {
    edges: slice.map((node, i) => ({ node, cursor: encodeCursor(after + i) })),
    pageInfo: {
      endCursor: slice.length > 0 ? encodeCursor(after + slice.length - 1) : null, hasNextPage: items.length > first,
      startCursor: slice.length > 0 ? encodeCursor(after) : null, hasPreviousPage: after > 0,
    },
    ...(totalCount ? { totalCount } : {}),
  };
}

/** The registry behind a GraphQL Project, or null for an ordinary project (and for registries the caller may not read). */
function registryOf(ctx: GqlContext, p: ProjectRef): Promise<RegistryView | null> {
  if (!isRegistryProject(p.entity, p.project)) return Promise.resolve(null);
  return ctx.services.registries.viewOf(ctx.viewer, p.entity, p.project);
}

const roleView = (role: RegistryRole) => ({ ID: encodeGqlId('Role', role), name: role });

/** A registry's role changes and membership: everything here answers `success` or a clear error. */
function membersInput(input: Args) {
  return { userIds: ids(input.userIds), teamIds: ids(input.teamIds) };
}

const membershipRef = (m: MembershipView) => m;

export const registryResolvers = {
  Mutation: {
    /** Registries are upserted like projects (UpsertRegistry): a wandb-registry-* name in an org entity. */
    upsertModel: async (p: unknown, args: { input: Args }, ctx: GqlContext) => {
      const { input } = args;
      const name = str(input.name);
      const entity = name?.startsWith(REGISTRY_PROJECT_PREFIX) ? await ctx.services.access.entityOrNull(ctx.viewer, str(input.entityName)) : null;
      if (!name || !entity || entity.type !== 'organization') return resolvers.Mutation.upsertModel(p, args, ctx);
      const types = Array.isArray(input.artifactTypes) ? (input.artifactTypes as { name: string }[]).map((t) => t.name) : null;
      const { registry, inserted } = await ctx.services.registries.upsert(ctx.viewer, entity, {
        name,
        ...(input.description !== undefined ? { description: str(input.description) } : {}),
        access: str(input.access), allowAllTypes: typeof input.allowAllArtifactTypesInRegistry === 'boolean' ? input.allowAllArtifactTypesInRegistry : null,
        types,
      });
      const ref = { project: registry.project, entity };
      return { project: ref, model: ref, inserted, clientMutationId: str(input.clientMutationId) };
    },
    renameProject: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const entity = await ctx.services.access.entity(ctx.viewer, String(input.entityName));
      const oldName = String(input.oldProjectName);
      if (entity.type !== 'organization' || !oldName.startsWith(REGISTRY_PROJECT_PREFIX)) {
        throw invalidInput('only registries (wandb-registry-* projects of an organization) can be renamed');
      }
      const registry = await ctx.services.registries.rename(ctx.viewer, entity, oldName, String(input.newProjectName));
      return { project: { project: registry.project, entity }, inserted: false, clientMutationId: str(input.clientMutationId) };
    },
    deleteModel: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      await ctx.services.registries.delete(ctx.viewer, String(input.id));
      return { success: true, clientMutationId: str(input.clientMutationId) };
    },
    createProjectMembers: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      // New members start as viewers (W&B's default); members already there keep their role.
      await ctx.services.registries.setMembers(ctx.viewer, String(input.projectId), membersInput(input), 'viewer', { keepExisting: true });
      return { success: true, clientMutationId: str(input.clientMutationId) };
    },
    deleteProjectMembers: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      await ctx.services.registries.setMembers(ctx.viewer, String(input.projectId), membersInput(input), null);
      return { success: true, clientMutationId: str(input.clientMutationId) };
    },
    updateProjectMember: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const role = parseRegistryRole(input.userProjectRole);
      await ctx.services.registries.setMembers(ctx.viewer, String(input.projectId), { userIds: [String(input.userId)], teamIds: [] }, role);
      return { success: true, clientMutationId: str(input.clientMutationId) };
    },
    updateProjectTeamMember: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const role = parseRegistryRole(input.teamProjectRole);
      await ctx.services.registries.setMembers(ctx.viewer, String(input.projectId), { userIds: [], teamIds: [String(input.teamId)] }, role);
      return { success: true, clientMutationId: str(input.clientMutationId) };
    },
    linkArtifact: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      if (input.artifactPortfolioID != null && input.artifactPortfolioName == null) {
        throw invalidInput('linkArtifact needs artifactPortfolioName, entityName and projectName');
      }
      const m = await ctx.services.registries.link(ctx.viewer, {
        artifactID: str(input.artifactID), clientID: str(input.clientID), entityName: String(input.entityName ?? ''),
        projectName: String(input.projectName ?? ''), portfolioName: String(input.artifactPortfolioName ?? ''),
        aliases: (input.aliases as { artifactCollectionName: string; alias: string }[] | null) ?? [],
      });
      return { versionIndex: m.versionIndex, artifactMembership: membershipRef(m), clientMutationId: str(input.clientMutationId) };
    },
    unlinkArtifact: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      await ctx.services.registries.unlink(ctx.viewer, String(input.artifactID), String(input.artifactPortfolioID));
      return { artifactID: input.artifactID, success: true, clientMutationId: str(input.clientMutationId) };
    },
    updateArtifactPortfolio: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => ({
      artifactCollection: await ctx.services.registries.updatePortfolio(ctx.viewer, String(input.artifactPortfolioID), {
        ...(typeof input.name === 'string' ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: str(input.description) } : {}),
      }),
      clientMutationId: str(input.clientMutationId),
    }),
    deleteArtifactPortfolio: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => ({
      artifactCollection: { ...(await ctx.services.registries.deletePortfolio(ctx.viewer, String(input.artifactPortfolioID))), deleted: true },
      clientMutationId: str(input.clientMutationId),
    }),
  },
  Entity: {
    project: async (e: Entity, a: Args, ctx: GqlContext) => {
      const name = String(a.name);
      if (e.type === 'organization' && name.startsWith(REGISTRY_PROJECT_PREFIX)) {
        // Registries (the core ones are made on first use), if the caller may read them.
        const registry = await ctx.services.registries.registry(ctx.viewer, e, name);
        return registry ? { project: registry.project, entity: e } : null;
      }
      // The project's visibility decides (a public project of an entity the viewer cannot read is found).
      const project = await ctx.services.meta.findProject(e.id, name);
      return project && (await ctx.services.access.canReadProject(ctx.viewer, e, project)) ? { project, entity: e } : null;
    },
    /** An org entity lists its registries (FetchRegistries), filtered and ordered; other entities their projects. */
    projects: async (e: Entity, a: Args, ctx: GqlContext) => {
      if (e.type === 'organization') {
        const { after, first } = window(a);
        const found = await ctx.services.registries.searchRegistries(ctx.viewer, e, { filters: str(a.filters), order: str(a.order), after, limit: first + 1 });
        return connection(found.map((r) => ({ project: r.project, entity: e })), after, first);
      }
      if (str(a.filters) || str(a.order)) throw invalidInput('project filters and order apply to an organization\'s registries');
      return resolvers.Entity.projects(e, a, ctx);
    },
    artifactCollections: async (e: Entity, a: Args, ctx: GqlContext) => {
      const { after, first } = window(a);
      const found = await ctx.services.registries.searchCollections(ctx.viewer, e, {
        registryFilter: str(a.projectFilters), collectionFilter: str(a.filters),
        collectionTypes: Array.isArray(a.collectionTypes) ? (a.collectionTypes as string[]) : null, order: str(a.order), after, limit: first + 1,
      });
      return connection(found.items, after, first, found.total);
    },
    artifactMemberships: async (e: Entity, a: Args, ctx: GqlContext) => {
      const { after, first } = window(a);
      const found = await ctx.services.registries.searchVersions(ctx.viewer, e, {
        registryFilter: str(a.projectFilters), collectionFilter: str(a.collectionFilters), filters: str(a.filters), order: str(a.order),
        after, limit: first + 1,
      });
      return connection(found.items.map(membershipRef), after, first, found.total);
    },
  },
  Organization: {
    featureFlags: (_o: Organization) => [],
  },
  Project: {
    // A registry's own role decides (an org member may be a registry viewer, or a member of a restricted one).
    readOnly: async (p: ProjectRef, _a: Args, ctx: GqlContext) => {
      const role = await ctx.services.access.roleOnProject(ctx.viewer, p.entity, p.project);
      return role !== 'admin' && role !== 'member';
    },
    access: async (p: ProjectRef, _a: Args, ctx: GqlContext) => {
      const r = await registryOf(ctx, p);
      return r ? visibilityToWire(r.settings.visibility) : accessOfVisibility(p.project.visibility);
    },
    allowAllArtifactTypesInRegistry: async (p: ProjectRef, _a: Args, ctx: GqlContext) => (await registryOf(ctx, p))?.settings.allowAllTypes ?? true,
    artifactTypes: async (p: ProjectRef, a: Args, ctx: GqlContext) => {
      const r = a.includeAll === true ? await registryOf(ctx, p) : null;
      if (!r) return artifactResolvers.Project.artifactTypes(p, a, ctx);
      const existing = new Map((await ctx.services.artifacts.artifactStore.listTypes(p.project.id)).map((t) => [t.name, t]));
      const types = (await ctx.services.registries.artifactTypesOf(r)).map((name) => ({
        // A type the registry accepts but nothing uses yet has no row of its own.
        type: existing.get(name) ?? { id: `${p.project.id}:${name}`, projectId: p.project.id, name, createdAt: p.project.createdAt },
        ...p,
      }));
      return page(types, str(a.after), a.first as number | null);
    },
    members: async (p: ProjectRef, _a: Args, ctx: GqlContext) => {
      const r = await registryOf(ctx, p);
      if (!r) return [];
      // Emails only for the registry's admins and the member themself (as for team members).
      return (await ctx.services.registries.userMembers(r)).map(({ user, role }: { user: User; role: RegistryRole }) => ({
        id: encodeGqlId('User', user.id), name: user.username, username: user.username,
        email: r.role === 'admin' || user.id === ctx.viewer.user.id ? user.email : null,
        photoUrl: null, accountType: user.serviceAccount ? 'SERVICE' : 'USER', role: roleView(role),
      }));
    },
    teamMembers: async (p: ProjectRef, _a: Args, ctx: GqlContext) => {
      const r = await registryOf(ctx, p);
      if (!r) return [];
      return (await ctx.services.registries.teamMembers(r)).map(({ team, role }) => ({ team, role: roleView(role) }));
    },
  },
  Artifact: {
    artifactMemberships: async (a: ArtifactInProject, args: Args, ctx: GqlContext) =>
      page((await ctx.services.registries.membershipsOf(ctx.viewer, a)).map(membershipRef), str(args.after), args.first as number | null),
  },
};
