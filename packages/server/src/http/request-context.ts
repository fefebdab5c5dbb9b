import type { FastifyRequest } from 'fastify';
import { apiKeyFromAuthorization, type Viewer } from '../core/auth.js';
import { DomainError, ErrorCodes } from '../core/errors.js';
import type { Services } from '../core/services.js';

/** The caller's identity from its API key; 401 (UNAUTHENTICATED) when missing or invalid. */
export async function requireViewer(request: FastifyRequest, services: Services): Promise<Viewer> {
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
  const proto = (request.headers['x-forwarded-proto'] as string | undefined)?.split(',')[0]?.trim() || request.protocol;
  const host = (request.headers['x-forwarded-host'] as string | undefined)?.split(',')[0]?.trim() || request.headers.host || 'localhost';
  return `${proto}://${host}`;
}
