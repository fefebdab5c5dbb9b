import { decodeGqlId, encodeGqlId, type UserId } from '@cairn/shared';
import { DomainError, ErrorCodes, invalidInput } from '../../core/errors.js';
import { parseRole } from '../../core/orgs.js';
import type { Entity, Member, Organization, User } from '../../core/ports.js';
import type { GqlContext } from './resolvers.js';

type Args = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);

/** A member as the SDK's Team.members reads it. Emails only for the entity's admins and the member themself. */
async function memberView(m: Member, entity: Entity, ctx: GqlContext) {
  const showEmail = ctx.viewer.user.id === m.user.id || (await ctx.services.access.roleOn(ctx.viewer, entity)) === 'admin';
  return {
    id: encodeGqlId('User', m.user.id), admin: m.role === 'admin', pending: false, email: showEmail ? m.user.email : null,
    username: m.user.username, name: m.user.username, photoUrl: null, accountType: m.user.serviceAccount ? 'SERVICE' : 'USER',
    apiKey: null, role: m.role,
  };
}

/** The organization a CreateTeam names: by its GraphQL id or by name. */
async function orgNameOf(ctx: GqlContext, organizationId: string | null): Promise<string | null> {
  if (!organizationId) return null;
  const decoded = decodeGqlId(organizationId, 'Organization');
  const org = decoded ? await ctx.services.meta.findOrganizationById(decoded.id as never) : null;
  return org?.name ?? organizationId;
}

export const orgResolvers = {
  Query: {
    users: async (_p: unknown, a: Args, ctx: GqlContext) => {
      const users = await ctx.services.access.searchUsers(ctx.viewer, str(a.query) ?? str(a.usernameOrEmail) ?? '');
      return { edges: users.map((node) => ({ node })) };
    },
    /** By the organization's name (or its org entity's name); null when absent or not visible to the caller. */
    organization: async (_p: unknown, a: Args, ctx: GqlContext) => {
      const name = str(a.name);
      if (!name) return null;
      const byName = await ctx.services.access.organizationOrNull(ctx.viewer, name);
      if (byName) return byName;
      const entity = await ctx.services.meta.findEntityByName(name);
      if (entity?.type !== 'organization' || entity.orgId === null) return null;
      const org = await ctx.services.meta.findOrganizationById(entity.orgId);
      return org && (await ctx.services.access.canSeeOrganization(ctx.viewer, org)) ? org : null;
    },
  },
  Mutation: {
    updateUser: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const id = str(input.id);
      if (id && decodeGqlId(id, 'User')?.id !== ctx.viewer.user.id) {
        throw new DomainError(ErrorCodes.FORBIDDEN, 'permission denied: updateUser changes only your own settings');
      }
      const defaultEntity = str(input.defaultEntity);
      if (defaultEntity) await ctx.services.access.setDefaultEntity(ctx.viewer, defaultEntity);
      return { user: ctx.viewer.user, clientMutationId: str(input.clientMutationId) };
    },
    createTeam: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const name = str(input.teamName);
      if (!name) throw invalidInput('teamName is required');
      const team = await ctx.services.orgs.createTeam(ctx.viewer, {
        name, org: await orgNameOf(ctx, str(input.organizationId)), admin: str(input.teamAdminUserName),
      });
      return { entity: team, clientMutationId: str(input.clientMutationId) };
    },
    /** Cairn sends no email: the user becomes a member at once (admin: true → the admin role). */
    createInvite: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const who = str(input.username) ?? str(input.email);
      const entityName = str(input.entityName);
      if (!who || !entityName) throw invalidInput('createInvite needs entityName and a username or email');
      const role = input.role != null ? parseRole(input.role) : input.admin === true ? 'admin' : 'member';
      const added = await ctx.services.orgs.setMember(ctx.viewer, entityName, who, role, { onlyIfNew: true });
      return {
        invite: {
          id: encodeGqlId('Invite', `${added.entity.id}:${added.user.id}`), name: added.user.username,
          email: added.user.email, createdAt: new Date(), toUser: added.user, role,
        },
        clientMutationId: str(input.clientMutationId),
      };
    },
    /** Removes a member: `id` is the member's id from `members` (a user id). */
    deleteInvite: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const entityName = str(input.entityName);
      if (!entityName) throw invalidInput('deleteInvite needs entityName');
      const decoded = str(input.id) ? decodeGqlId(String(input.id), 'User') : null;
      const user = decoded ? await ctx.services.meta.findUserById(decoded.id as UserId) : null;
      if (!user || user.deletedAt) throw new DomainError(ErrorCodes.NOT_FOUND, 'no such member');
      await ctx.services.orgs.removeMember(ctx.viewer, entityName, user.username);
      return { success: true, clientMutationId: str(input.clientMutationId) };
    },
    createServiceAccount: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const user = await ctx.services.orgs.createServiceAccount(ctx.viewer, String(input.entityName), { description: str(input.description) });
      return { user, clientMutationId: str(input.clientMutationId) };
    },
    createUser: async (_p: unknown, { input }: { input: Args }, ctx: GqlContext) => {
      const user = await ctx.services.orgs.createUserFromEmail(ctx.viewer, String(input.email), input.admin === true);
      return { user, clientMutationId: str(input.clientMutationId) };
    },
  },
  Entity: {
    entityType: (e: Entity) => e.type,
    user: async (e: Entity, _a: Args, ctx: GqlContext) => {
      if (e.type !== 'user') return null;
      const user = await ctx.services.meta.findUserByUsername(e.name);
      return user && user.entityId === e.id ? user : null;
    },
    /** Visible to whoever may read the entity; its org entity then answers only to the org's members. */
    organization: async (e: Entity, _a: Args, ctx: GqlContext) => {
      if (e.orgId === null || !(await ctx.services.access.canRead(ctx.viewer, e))) return null;
      if (e.type === 'user') {
        // A user in several organizations: no single one (the SDK then lists user.organizations and asks the
        // caller to name one, "Multiple organizations found"), as on W&B.
        const user = await ctx.services.meta.findUserByUsername(e.name);
        if (user && user.entityId === e.id && (await ctx.services.meta.listOrganizationsOfUser(user.id)).length > 1) return null;
      }
      return ctx.services.orgs.organizationOf(e);
    },
    available: () => false,
    photoUrl: () => null,
    readOnly: async (e: Entity, _a: Args, ctx: GqlContext) => !(await ctx.services.access.canWrite(ctx.viewer, e)),
    readOnlyAdmin: () => false,
    privateOnly: () => true,
    storageBytes: async (e: Entity, _a: Args, ctx: GqlContext) =>
      ((await ctx.services.access.canRead(ctx.viewer, e)) ? ctx.services.meta.storageBytes(e.id) : 0),
    codeSavingEnabled: () => false,
    defaultAccess: () => 'PRIVATE',
    isPaid: () => false,
    limits: () => '{}',
    members: async (e: Entity, _a: Args, ctx: GqlContext) => {
      if (!(await ctx.services.access.canRead(ctx.viewer, e))) return [];
      return Promise.all((await ctx.services.meta.listMembers(e.id)).map((m) => memberView(m, e, ctx)));
    },
  },
  User: {
    /** The user's organizations that the caller may also see. */
    organizations: async (u: User, _a: Args, ctx: GqlContext) => {
      const orgs = await ctx.services.meta.listOrganizationsOfUser(u.id);
      const visible = await Promise.all(orgs.map((o) => ctx.services.access.canSeeOrganization(ctx.viewer, o)));
      return orgs.filter((_o, i) => visible[i]);
    },
    accountType: (u: User) => (u.serviceAccount ? 'SERVICE' : 'USER'),
  },
  Organization: {
    id: (o: Organization) => encodeGqlId('Organization', o.id),
    coreWeaveOrganizationId: () => null,
    orgEntity: async (o: Organization, _a: Args, ctx: GqlContext) => {
      const entity = await ctx.services.meta.findEntityById(o.entityId);
      return entity && (await ctx.services.access.canRead(ctx.viewer, entity)) ? entity : null;
    },
  },
};
