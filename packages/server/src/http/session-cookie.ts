import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'cairn_session';
export const CSRF_HEADER = 'x-csrf-token';
/** Methods that change state: a cookie-authenticated one must carry the session's CSRF token. */
export const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The session token from the Cookie header, or null. (A tiny parser: one cookie, no dependency.) */
export function sessionTokenOf(request: FastifyRequest): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return value === '' ? null : value;
  }
  return null;
}

/** True when the request reached us over TLS, directly or through a proxy that said so (trustProxy). */
export const overTls = (request: FastifyRequest) => request.protocol === 'https';

/** HttpOnly (no script reads it), SameSite=Lax (no cross-site POSTs carry it), Secure over TLS. */
export function setSessionCookie(reply: FastifyReply, request: FastifyRequest, token: string, maxAgeSeconds: number) {
  const flags = [`${SESSION_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`];
  if (overTls(request)) flags.push('Secure');
  reply.header('Set-Cookie', flags.join('; '));
}

export function clearSessionCookie(reply: FastifyReply, request: FastifyRequest) {
  setSessionCookie(reply, request, '', 0);
}
