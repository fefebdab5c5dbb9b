import type { FastifyInstance } from 'fastify';

/**
 * GET /healthz: the process is alive. GET /ready: it takes traffic (the upstream test harness polls it too); 503
 * once shutdown has begun, so a load balancer that polls it stops sending new work here while in-flight requests
 * finish.
 */
export function registerHealthRoutes(app: FastifyInstance, draining: () => boolean = () => false) {
  app.get('/ready', async (_request, reply) => {
    if (draining()) return reply.code(503).header('connection', 'close').send({ ready: false, draining: true });
    return { ready: true };
  });
  app.get('/healthz', async () => ({ ok: true }));
}
