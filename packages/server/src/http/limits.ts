import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { QuotaCounter } from '../core/quota.js';
import { sessionTokenOf } from './session-cookie.js';

export interface LimitOptions {
  /** Per-credential request budget (W&B-style RateLimit-* headers); absent = no budget. */
  rateLimit?: QuotaCounter | undefined;
  /** In-flight requests per group beyond which new ones get 429 at once instead of waiting in a queue. */
  maxInflight?: { fileStream: number; graphql: number } | undefined;
  /** Retry-After sent when shedding load, seconds. */
  overloadRetryAfterSeconds?: number;
}

type Group = 'graphql' | 'file_stream' | 'api';

/** Which limits a route falls under, from its route pattern (so path parameters do not matter). */
function groupOf(request: FastifyRequest): Group | null {
  const url = request.routeOptions.url;
  if (url === undefined) return null;
  if (url === '/graphql') return 'graphql';
  if (url.startsWith('/files/') && url.endsWith('/file_stream')) return 'file_stream';
  if (url.startsWith('/api/')) return 'api';
  return null;
}

/** The caller's credential as a counter key: a hash of the API key or session cookie, else its IP. */
function credentialKey(request: FastifyRequest): string {
  const credential = request.headers.authorization ?? sessionTokenOf(request);
  if (!credential) return `ip:${request.ip}`;
  return `cred:${createHash('sha256').update(credential).digest('base64url').slice(0, 32)}`;
}

/** 429 with Retry-After (whole seconds, as wandb-core's backoff reads it) and the usual error body. */
export function sendTooManyRequests(reply: FastifyReply, retryAfterSeconds: number, message: string) {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  reply.raw.statusMessage = 'Too Many Requests';
  return reply.code(429).header('Retry-After', String(seconds))
    .send({ error: message, code: 'RATE_LIMITED', errors: [{ message }] });
}

/**
 * Load shedding and request budgets, checked in onRequest: before the body is read, so a refused 10 MiB
 * file_stream request costs almost nothing. The SDK retries 429 with Retry-After and keeps its data.
 */
export function registerLimits(app: FastifyInstance, opts: LimitOptions) {
  const inflight: Record<Group, number> = { graphql: 0, file_stream: 0, api: 0 };
  const cap = (g: Group) => (g === 'graphql' ? opts.maxInflight?.graphql : g === 'file_stream' ? opts.maxInflight?.fileStream : undefined);
  const retryAfter = opts.overloadRetryAfterSeconds ?? 2;

  app.addHook('onRequest', async (request, reply) => {
    const group = groupOf(request);
    if (!group) return;
    const max = cap(group);
    if (max !== undefined) {
      if (inflight[group] >= max) {
        request.log.info({ group, inflight: inflight[group] }, 'overloaded: shedding request');
        return sendTooManyRequests(reply, retryAfter, `server busy (${group}): retry later`);
      }
      inflight[group]++;
      let released = false;
      const release = () => {
        if (!released) {
          released = true;
          inflight[group]--;
        }
      };
      // 'close' fires once the response is done or the client went away, whichever comes first.
      reply.raw.once('close', release);
      reply.raw.once('finish', release);
    }
    if (opts.rateLimit) {
      const quota = await opts.rateLimit.add(credentialKey(request), 1);
      reply.header('RateLimit-Limit', String(quota.limit));
      reply.header('RateLimit-Remaining', String(quota.remaining));
      reply.header('RateLimit-Reset', String(quota.resetSeconds));
      if (quota.exceeded) {
        request.log.info({ group }, 'request budget exceeded');
        return sendTooManyRequests(reply, quota.resetSeconds, `request budget of ${quota.limit} per window used up: retry in ${quota.resetSeconds} s`);
      }
    }
    return undefined;
  });

  return { inflight: () => ({ ...inflight }) };
}
