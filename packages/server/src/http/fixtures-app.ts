import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DomainError, ErrorCodes } from '../core/errors.js';
import type { Services } from '../core/services.js';
import { errorBody, httpStatusOf } from './errors.js';

const UserCommand = z.object({
  command: z.enum(['up', 'down', 'down_all', 'logout', 'login', 'password']),
  // The upstream factory sends JSON null for fields it leaves unset (e.g. `password` on `up`).
  username: z.string().nullish(),
  password: z.string().nullish(),
  admin: z.boolean().nullish(),
});

// What BackendFixtureFactory (tests/system_tests/backend_fixtures.py) posts: dataclasses.asdict of OrgCmd / TeamCmd.
const OrgCommand = z.object({
  command: z.enum(['up', 'down', 'add_members']),
  orgName: z.string().min(1),
  username: z.string().nullish(),
  fixtureData: z.object({
    members: z.array(z.object({ username: z.string().min(1), role: z.enum(['admin', 'member', 'viewer']) })),
  }).nullish(),
});
const TeamCommand = z.object({
  command: z.enum(['up', 'down']),
  username: z.string().nullish(),
  fixtureData: z.object({
    planName: z.string().nullish(),
    team: z.object({ name: z.string().min(1) }),
    organization: z.object({ name: z.string().min(1) }),
  }).nullish(),
});

/**
 * The fixture service the SDK's own system tests drive (protocol §10.2), on its own port and off by
 * default. `up` creates a user whose API key is its username, as those tests expect.
 */
export function buildFixturesApp(services: Services): FastifyInstance {
  const app = Fastify({ logger: false });
  app.setErrorHandler((error, _request, reply) => {
    const status = error instanceof DomainError ? httpStatusOf(error) : ((error as { statusCode?: number }).statusCode ?? 500);
    return reply.code(status).send(errorBody(error));
  });
  app.get('/health', async () => ({ ok: true }));

  app.post('/db/user', async (request) => {
    const parsed = UserCommand.safeParse(request.body);
    if (!parsed.success) throw new DomainError(ErrorCodes.INVALID_INPUT, `bad /db/user command: ${parsed.error.message}`);
    const body = parsed.data;
    const username = body.username ?? '';
    switch (body.command) {
      case 'up': {
        const existing = await services.meta.findUserByUsername(username);
        // W&B's test backend gives every fixture user an email; registry member tests compare it.
        const user = existing ?? (await services.auth.createUser({ username, email: `${username}@example.com`, admin: body.admin ?? false }));
        await services.auth.createApiKey(user.id, { key: username, name: 'test fixture' });
        return { ok: true, username };
      }
      case 'down': {
        const user = await services.meta.findUserByUsername(username);
        if (user) await services.meta.deleteUser(user.id);
        return { ok: true };
      }
      default:
        // Sessions and passwords belong to the web UI; the API-key flow these tests use needs nothing here.
        return { ok: true };
    }
  });

  const actor = { system: 'test-fixtures' } as const;

  /** `up`: a new org whose first admin is `username`; `add_members`: members with roles; `down`: its removal. */
  app.post('/db/organization', async (request) => {
    const parsed = OrgCommand.safeParse(request.body);
    if (!parsed.success) throw new DomainError(ErrorCodes.INVALID_INPUT, `bad /db/organization command: ${parsed.error.message}`);
    const body = parsed.data;
    switch (body.command) {
      case 'up':
        await services.orgs.createOrganization(actor, { name: body.orgName, admin: body.username ?? null });
        return { ok: true, orgName: body.orgName };
      case 'add_members':
        for (const m of body.fixtureData?.members ?? []) await services.orgs.setMember(actor, body.orgName, m.username, m.role);
        return { ok: true };
      case 'down':
        // An org whose entities still own projects stays: runs and artifacts are never dropped by a cleanup.
        return { ok: true, result: await services.orgs.deleteOrganization(actor, body.orgName) };
    }
  });

  /** `up`: a team inside an existing org with `username` as its admin (Cairn has no billing plans: planName is ignored). */
  app.post('/db/team', async (request) => {
    const parsed = TeamCommand.safeParse(request.body);
    if (!parsed.success) throw new DomainError(ErrorCodes.INVALID_INPUT, `bad /db/team command: ${parsed.error.message}`);
    const body = parsed.data;
    if (!body.fixtureData) throw new DomainError(ErrorCodes.INVALID_INPUT, `/db/team ${body.command} needs fixtureData.team and .organization`);
    const { team, organization } = body.fixtureData;
    if (body.command === 'up') {
      await services.orgs.createTeam(actor, { name: team.name, org: organization.name, admin: body.username ?? null });
      return { ok: true, team: team.name };
    }
    return { ok: true, result: await services.orgs.deleteTeam(actor, team.name) };
  });
  return app;
}
