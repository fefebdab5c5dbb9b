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
        const user = existing ?? (await services.auth.createUser({ username, admin: body.admin ?? false }));
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

  const notYet = async () => {
    throw new DomainError(ErrorCodes.INVALID_INPUT, 'organizations and teams are not available in this Cairn version yet');
  };
  app.post('/db/organization', notYet);
  app.post('/db/team', notYet);
  return app;
}
