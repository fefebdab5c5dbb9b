import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DomainError, ErrorCodes, invalidInput } from '../core/errors.js';
import type { User } from '../core/ports.js';
import type { Services } from '../core/services.js';
import { sendTooManyRequests } from './limits.js';
import { requireViewer } from './request-context.js';
import { clearSessionCookie, sessionTokenOf, setSessionCookie } from './session-cookie.js';

/** Sign-in and key bodies are a few hundred bytes; anything near this is not a browser form. */
const SMALL_JSON = 16 * 1024;

const LoginBody = z.object({ username: z.string().min(1).max(200), password: z.string().min(1).max(1024) });

const publicUser = (u: User) => ({ username: u.username, email: u.email, admin: u.admin });

/**
 * Web sessions for the UI: POST /api/v1/session signs in (sets an HttpOnly cookie, returns the CSRF token),
 * GET tells who is signed in, DELETE signs out. And the signed-in user's own API keys under /api/v1/keys.
 */
export function registerSessionRoutes(app: FastifyInstance, services: Services) {
  app.post('/api/v1/session', { bodyLimit: SMALL_JSON }, async (request, reply) => {
    const body = LoginBody.safeParse(request.body);
    if (!body.success) throw invalidInput('send JSON {"username": ..., "password": ...}');
    const result = await services.webAuth.login({
      ...body.data, ip: request.ip ?? null, userAgent: request.headers['user-agent'] ?? null,
    });
    if (!result.ok) {
      // Shown as is on the sign-in form: say that even the right password waits, and for how long.
      const seconds = Math.max(1, Math.ceil(result.retryAfterSeconds));
      const wait = seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
      return sendTooManyRequests(reply, result.retryAfterSeconds,
        `too many failed sign-ins for this user or address: sign-in is paused, try again in ${wait}`);
    }
    setSessionCookie(reply, request, result.token, (result.expiresAt.getTime() - Date.now()) / 1000);
    return reply.header('Cache-Control', 'no-store').send({
      user: publicUser(result.user), csrfToken: result.csrfToken, expiresAt: result.expiresAt.toISOString(),
    });
  });

  app.get('/api/v1/session', async (request, reply) => {
    const session = await services.webAuth.authenticate(sessionTokenOf(request));
    if (!session) throw new DomainError(ErrorCodes.UNAUTHENTICATED, 'not signed in');
    return reply.header('Cache-Control', 'no-store').send({
      user: publicUser(session.viewer.user), csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString(),
    });
  });

  app.delete('/api/v1/session', async (request, reply) => {
    const token = sessionTokenOf(request);
    if (token) {
      // A live session needs its CSRF token to be ended (requireViewer checks); a dead one just loses its cookie.
      if (await services.webAuth.authenticate(token)) await requireViewer(request, services);
      await services.webAuth.logout(token, request.ip ?? null);
    }
    clearSessionCookie(reply, request);
    return reply.code(204).send();
  });

  app.get('/api/v1/keys', async (request) => {
    const viewer = await requireViewer(request, services);
    return { keys: (await services.apiKeys.list(viewer)).map(keyJson) };
  });

  app.post('/api/v1/keys', { bodyLimit: SMALL_JSON }, async (request, reply) => {
    const viewer = await requireViewer(request, services);
    const name = (request.body as { name?: unknown } | null | undefined)?.name;
    const created = await services.apiKeys.create(viewer, name, request.ip ?? null);
    // The only time the key itself is shown.
    return reply.code(201).header('Cache-Control', 'no-store').send({ ...keyJson(created), key: created.key });
  });

  app.delete<{ Params: { id: string } }>('/api/v1/keys/:id', async (request) => {
    const viewer = await requireViewer(request, services);
    if (!/^\d{1,15}$/.test(request.params.id)) throw new DomainError(ErrorCodes.NOT_FOUND, `no API key ${request.params.id}`);
    return keyJson(await services.apiKeys.revoke(viewer, Number(request.params.id), request.ip ?? null));
  });
}

const keyJson = (k: { id: number; name: string | null; prefix: string; createdAt: Date; revokedAt: Date | null }) => ({
  id: k.id, name: k.name, prefix: k.prefix, createdAt: k.createdAt.toISOString(), revokedAt: k.revokedAt?.toISOString() ?? null,
});
