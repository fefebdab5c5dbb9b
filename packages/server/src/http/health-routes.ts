import type { FastifyInstance } from 'fastify';

/** GET /ready (the upstream test harness polls it) and /healthz. */
export function registerHealthRoutes(app: FastifyInstance) {
  app.get('/ready', async () => ({ ready: true }));
  app.get('/healthz', async () => ({ ok: true }));
}
