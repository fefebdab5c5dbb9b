import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { invalidInput } from '../core/errors.js';
import { parseRole } from '../core/orgs.js';
import type { Services } from '../core/services.js';
import { requireViewer } from './request-context.js';

const SMALL_JSON = 16 * 1024;

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    throw invalidInput(`invalid ${what}: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? ''}`);
  }
  return r.data;
}

const userJson = (u: { username: string; email: string | null; admin: boolean; serviceAccount: boolean; createdAt: Date }) => ({
  username: u.username, email: u.email, admin: u.admin, serviceAccount: u.serviceAccount, createdAt: u.createdAt.toISOString(),
});
const keyJson = (k: { id: number; name: string | null; prefix: string; createdAt: Date; revokedAt: Date | null }) => ({
  id: k.id, name: k.name, prefix: k.prefix, createdAt: k.createdAt.toISOString(), revokedAt: k.revokedAt?.toISOString() ?? null,
});

/**
 * Web UI routes for TTL previews (any reader) and the administration pages (site admins; everyone else gets
 * the 404 a missing page gets, so nothing says what exists). Decisions stay in core: AdminConsole, OrgService,
 * WebhookService, TtlPreviewService.
 */
export function registerAdminUiRoutes(app: FastifyInstance, services: Services) {
  const admin = async (request: Parameters<typeof requireViewer>[0]) => {
    const viewer = await requireViewer(request, services);
    services.adminConsole.requireSiteAdmin(viewer);
    return viewer;
  };

  /** The effect of `ttl` (SDK wire value: seconds, -1 inherit, -2 never) on one version, before updateArtifact. */
  app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>('/api/v1/artifacts/:id/ttl-preview', async (request) => {
    const viewer = await requireViewer(request, services);
    const { ttl } = parse(z.object({ ttl: z.coerce.number().int() }), request.query, 'TTL preview');
    return services.ttlPreview.version(viewer, request.params.id, ttl);
  });

  /** Dry run of a project or collection default TTL (`value` seconds, 0 never, absent = unset). */
  app.get<{ Params: { entity: string; project: string }; Querystring: Record<string, string | undefined> }>(
    '/api/v1/projects/:entity/:project/ttl-default-preview',
    async (request) => {
      const viewer = await requireViewer(request, services);
      const q = parse(z.object({ collection: z.string().min(1).optional(), value: z.coerce.number().int().min(0).optional() }), request.query, 'default TTL preview');
      return services.ttlPreview.defaultChange(viewer, request.params.entity, request.params.project, q.collection ?? null, q.value ?? null);
    },
  );

  app.get<{ Querystring: { q?: string } }>('/api/v1/admin/users', async (request) => {
    const viewer = await admin(request);
    return { users: (await services.adminConsole.users(viewer, request.query.q ?? '')).map(userJson) };
  });

  app.post('/api/v1/admin/users', { bodyLimit: SMALL_JSON }, async (request, reply) => {
    const viewer = await admin(request);
    const body = parse(z.object({ email: z.string().min(3).max(254), admin: z.boolean().default(false) }), request.body, 'user');
    const user = await services.orgs.createUserFromEmail(viewer, body.email, body.admin);
    return reply.code(201).send(userJson(user));
  });

  app.put<{ Params: { user: string } }>('/api/v1/admin/users/:user', { bodyLimit: SMALL_JSON }, async (request) => {
    const viewer = await admin(request);
    const body = parse(z.object({ admin: z.boolean() }), request.body, 'user');
    return userJson(await services.adminConsole.setSiteAdmin(viewer, request.params.user, body.admin));
  });

  app.get('/api/v1/admin/orgs', async (request) => {
    const viewer = await admin(request);
    return { organizations: await services.adminConsole.organizations(viewer) };
  });

  /** A new team in an organization; the signed-in admin becomes its admin unless `admin` names someone else. */
  app.post('/api/v1/admin/teams', { bodyLimit: SMALL_JSON }, async (request, reply) => {
    const viewer = await admin(request);
    const body = parse(z.object({ org: z.string().min(1).max(100), name: z.string().min(1).max(100), admin: z.string().max(254).optional() }), request.body, 'team');
    const team = await services.orgs.createTeam(viewer, { name: body.name, org: body.org, admin: body.admin || null });
    return reply.code(201).send({ name: team.name, org: body.org });
  });

  /** An organization's default TTL for new (and inheriting) artifact versions: seconds, 0 never expire, null unset. */
  app.get<{ Params: { org: string } }>('/api/v1/admin/orgs/:org/ttl-default', async (request) => {
    await admin(request);
    const { seconds } = await services.artifactTtl.orgDefault(request.params.org);
    return { organization: request.params.org, seconds };
  });

  /** Dry run of an organization default (`value` seconds, 0 never, absent = unset) over its projects. */
  app.get<{ Params: { org: string }; Querystring: Record<string, string | undefined> }>('/api/v1/admin/orgs/:org/ttl-default-preview', async (request) => {
    await admin(request);
    const q = parse(z.object({ value: z.coerce.number().int().min(0).optional() }), request.query, 'default TTL preview');
    return services.ttlPreview.orgDefaultChange(request.params.org, q.value ?? null);
  });

  app.put<{ Params: { org: string } }>('/api/v1/admin/orgs/:org/ttl-default', { bodyLimit: SMALL_JSON }, async (request) => {
    const viewer = await admin(request);
    const { seconds } = parse(z.object({ seconds: z.number().int().min(0).nullable() }), request.body, 'default TTL');
    const before = (await services.artifactTtl.orgDefault(request.params.org)).seconds;
    await services.artifactTtl.setOrgDefault(request.params.org, seconds);
    await services.audit.record({ actor: viewer.user.username, action: 'artifact.ttl-default', target: `org:${request.params.org}`, ip: request.ip ?? null, detail: { value: seconds, previous: before } });
    return { organization: request.params.org, seconds };
  });

  app.get<{ Params: { target: string } }>('/api/v1/admin/members/:target', async (request) => {
    const viewer = await admin(request);
    const members = await services.adminConsole.members(viewer, request.params.target);
    return { members: members.map((m) => ({ ...userJson(m.user), role: m.role })) };
  });

  /** Adds a member or changes a role (admin, member, viewer); OrgService keeps the organization's last admin. */
  app.put<{ Params: { target: string; user: string } }>('/api/v1/admin/members/:target/:user', { bodyLimit: SMALL_JSON }, async (request) => {
    const viewer = await admin(request);
    const { role } = parse(z.object({ role: z.string() }), request.body, 'role');
    const done = await services.orgs.setMember(viewer, request.params.target, request.params.user, parseRole(role));
    return { username: done.user.username, role: done.role, previous: done.previous };
  });

  app.delete<{ Params: { target: string; user: string } }>('/api/v1/admin/members/:target/:user', async (request, reply) => {
    const viewer = await admin(request);
    await services.orgs.removeMember(viewer, request.params.target, request.params.user);
    return reply.code(204).send();
  });

  app.post<{ Params: { team: string } }>('/api/v1/admin/teams/:team/service-accounts', { bodyLimit: SMALL_JSON }, async (request, reply) => {
    const viewer = await admin(request);
    const body = parse(z.object({ username: z.string().max(100).optional(), description: z.string().max(1000).optional() }), request.body, 'service account');
    const user = await services.orgs.createServiceAccount(viewer, request.params.team, { username: body.username || null, description: body.description ?? null });
    return reply.code(201).send(userJson(user));
  });

  app.get<{ Params: { user: string } }>('/api/v1/admin/service-accounts/:user/keys', async (request) => {
    const viewer = await admin(request);
    return { keys: (await services.adminConsole.serviceAccountKeys(viewer, request.params.user)).map(keyJson) };
  });

  app.post<{ Params: { user: string } }>('/api/v1/admin/service-accounts/:user/keys', { bodyLimit: SMALL_JSON }, async (request, reply) => {
    const viewer = await admin(request);
    const name = (request.body as { name?: unknown } | null | undefined)?.name;
    const created = await services.adminConsole.createServiceAccountKey(viewer, request.params.user, name, request.ip ?? null);
    // The only time the key itself is shown.
    return reply.code(201).header('Cache-Control', 'no-store').send({ ...keyJson(created), key: created.key });
  });

  app.delete<{ Params: { user: string; id: string } }>('/api/v1/admin/service-accounts/:user/keys/:id', async (request, reply) => {
    const viewer = await admin(request);
    const id = /^\d{1,15}$/.test(request.params.id) ? Number(request.params.id) : -1;
    await services.adminConsole.revokeServiceAccountKey(viewer, request.params.user, id, request.ip ?? null);
    return reply.code(204).send();
  });

  /** Webhooks of an organization (`target=org`) or a registry (`target=org/registry`). */
  app.get<{ Querystring: { target?: string } }>('/api/v1/admin/webhooks', async (request) => {
    const viewer = await admin(request);
    const { target } = parse(z.object({ target: z.string().min(1) }), request.query, 'webhooks query');
    const hooks = await services.webhooks.list(viewer, target);
    return { webhooks: hooks.map((w) => ({ id: w.id, url: w.url, description: w.description, createdBy: w.createdBy, createdAt: w.createdAt.toISOString() })) };
  });

  app.post('/api/v1/admin/webhooks', { bodyLimit: SMALL_JSON }, async (request, reply) => {
    const viewer = await admin(request);
    const body = parse(z.object({ target: z.string().min(1), url: z.string().min(1).max(2048), secret: z.string(), description: z.string().max(1000).optional() }), request.body, 'webhook');
    const w = await services.webhooks.add(viewer, body.target, { url: body.url, secret: body.secret, description: body.description ?? null });
    return reply.code(201).send({ id: w.id, url: w.url, description: w.description, createdBy: w.createdBy, createdAt: w.createdAt.toISOString() });
  });

  app.delete<{ Params: { id: string } }>('/api/v1/admin/webhooks/:id', async (request, reply) => {
    const viewer = await admin(request);
    await services.webhooks.remove(viewer, /^\d{1,15}$/.test(request.params.id) ? Number(request.params.id) : -1);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/api/v1/admin/webhooks/:id/deliveries', async (request) => {
    const viewer = await admin(request);
    const deliveries = await services.webhooks.deliveries(viewer, /^\d{1,15}$/.test(request.params.id) ? Number(request.params.id) : -1);
    return {
      deliveries: deliveries.map((d) => ({
        id: d.id, eventType: d.eventType, status: d.status, attempts: d.attempts, lastStatusCode: d.lastStatusCode,
        lastError: d.lastError, createdAt: d.createdAt.toISOString(), deliveredAt: d.deliveredAt?.toISOString() ?? null,
      })),
    };
  });
}
