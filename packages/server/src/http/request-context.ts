import type { FastifyRequest } from 'fastify';
import { apiKeyFromAuthorization, type Viewer } from '../core/auth.js';
import { DomainError, ErrorCodes } from '../core/errors.js';
import type { Services } from '../core/services.js';
import { csrfMatches } from '../core/web-auth.js';
import { CSRF_HEADER, sessionTokenOf, UNSAFE_METHODS } from './session-cookie.js';

const csrfHeaderOf = (request: FastifyRequest) => {
  const v = request.headers[CSRF_HEADER];
  return Array.isArray(v) ? undefined : v;
};

/**
 * The caller's identity: from its API key (Authorization header), else from a web session cookie; 401
 * (UNAUTHENTICATED) when missing or invalid. A cookie-authenticated POST/PUT/PATCH/DELETE must also carry the
 * session's X-CSRF-Token (403 otherwise); API-key requests need none (a browser never adds that header itself).
 */
export async function requireViewer(request: FastifyRequest, services: Services): Promise<Viewer> {
  const sessionToken = request.headers.authorization ? null : sessionTokenOf(request);
  if (sessionToken) {
    const session = await services.webAuth.authenticate(sessionToken);
    if (!session) throw new DomainError(ErrorCodes.UNAUTHENTICATED, 'your session has expired or ended: sign in again');
    if (UNSAFE_METHODS.has(request.method) && !csrfMatches(sessionToken, csrfHeaderOf(request))) {
      throw new DomainError(ErrorCodes.FORBIDDEN, 'missing or wrong X-CSRF-Token header for this session');
    }
    return session.viewer;
  }
  const key = apiKeyFromAuthorization(request.headers.authorization);
  const viewer = await services.auth.authenticate(key);
  if (!viewer) {
    throw new DomainError(ErrorCodes.UNAUTHENTICATED, key
      ? 'invalid API key: run `wandb login --relogin --host <this server>` with a key from `cairn keys create`'
      : 'authentication required: send an API key (wandb login --host <this server>)');
  }
  return viewer;
}

/**
 * The absolute base URL for upload/download URLs. wandb-core needs absolute URLs (protocol §1.1); the
 * Host header is right behind proxies that keep it (and the SDK's test proxy), publicUrl overrides.
 */
export function baseUrlOf(request: FastifyRequest, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  // protocol and host honour X-Forwarded-Proto/-Host only when the app trusts its proxy (CAIRN_TRUST_PROXY).
  return `${request.protocol}://${request.host || 'localhost'}`;
}
