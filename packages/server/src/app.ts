import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Services } from './core/services.js';
import { errorBody, httpStatusOf, withReason } from './http/errors.js';
import { registerFileStreamRoute } from './http/file-stream-route.js';
import { registerGraphqlRoute } from './http/graphql/route.js';
import { registerHealthRoutes } from './http/health-routes.js';
import { registerLimits, type LimitOptions } from './http/limits.js';
import { registerSessionRoutes } from './http/session-routes.js';
import { registerStorageRoutes } from './http/storage-routes.js';
import { registerUiApiRoutes } from './http/ui-api-routes.js';
import { registerMediaRoutes } from './http/media-routes.js';
import { registerLiveRoute } from './http/live-route.js';
import { registerWorkspaceRoutes } from './http/workspace-routes.js';
import { registerArtifactUiRoutes } from './http/artifact-ui-routes.js';
import { registerAdminUiRoutes } from './http/admin-ui-routes.js';
import { registerArtifactDownloadRoutes } from './http/artifact-download-route.js';
import { registerPrometheusRoute } from './http/prometheus-route.js';
import { registerWebUi } from './http/web-ui.js';
import { DomainError } from './core/errors.js';

export interface AppDeps {
  services: Services;
  publicUrl?: string | undefined;
  trustProxy?: boolean;
  fileStreamBodyLimit: number;
  logger?: FastifyBaseLogger;
  /** Request budgets and load shedding (http/limits.ts); absent = none (in-process tests). */
  limits?: LimitOptions;
  /** Bearer token that may read GET /metrics; absent = no /metrics route (404). */
  metricsToken?: string | undefined;
  /** A built web UI (packages/web/dist) to serve at / and client routes; absent = API only. */
  webDir?: string | undefined;
  /** True once graceful shutdown began: /ready answers 503. */
  draining?: () => boolean;
}

/** Builds the HTTP app over ready services. Never listens: main.ts does, tests use inject(). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: 8 * 1024 * 1024,
    // Forwarded headers are believed only behind a configured proxy: otherwise any client could claim
    // another IP (login throttling) or TLS (Secure cookies).
    trustProxy: deps.trustProxy ?? false,
    // Signed-URL tokens travel in the path.
    routerOptions: { maxParamLength: 4096 },
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof DomainError) {
      return withReason(reply.code(httpStatusOf(error)), error.message).send(errorBody(error));
    }
    const { statusCode: status, message, code } = error as { statusCode?: number; message?: string; code?: string };
    if (status !== undefined && status >= 400 && status < 500) {
      return withReason(reply.code(status), message).send({ error: message, code, errors: [{ message }] });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send(errorBody(error));
  });

  // Before the routes, so their requests are counted and shed before bodies are read.
  if (deps.limits) registerLimits(app, deps.limits);
  if (deps.metricsToken) registerPrometheusRoute(app, deps.services, deps.metricsToken);
  registerHealthRoutes(app, deps.draining);
  registerGraphqlRoute(app, deps.services, deps.publicUrl);
  registerFileStreamRoute(app, deps.services, deps.fileStreamBodyLimit);
  await registerStorageRoutes(app, deps.services);
  registerUiApiRoutes(app, deps.services);
  registerMediaRoutes(app, deps.services);
  registerLiveRoute(app, deps.services);
  registerWorkspaceRoutes(app, deps.services);
  registerArtifactUiRoutes(app, deps.services, deps.publicUrl);
  registerAdminUiRoutes(app, deps.services);
  registerSessionRoutes(app, deps.services);
  registerArtifactDownloadRoutes(app, deps.services);
  if (deps.webDir) await registerWebUi(app, deps.webDir);
  return app;
}
