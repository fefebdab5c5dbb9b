import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { InMemoryQuotaCounter } from './core/quota.js';
import type { Runtime } from './cli/runtime.js';
import { openRuntime } from './cli/runtime.js';
import type { Config } from './config.js';
import { buildFixturesApp } from './http/fixtures-app.js';

export interface RunningServer { app: FastifyInstance; runtime: Runtime; url: string; close(): Promise<void> }

/** `cairn serve`: open storage, make sure an admin exists, listen, and shut down cleanly on signals. */
export async function startServer(config: Config): Promise<RunningServer> {
  const runtime = await openRuntime(config);
  const { services, logger } = runtime;
  const firstKey = await services.auth.bootstrapAdmin(config.adminUsername, config.adminKey);
  const app = await buildApp({
    services, publicUrl: config.publicUrl, trustProxy: config.trustProxy, fileStreamBodyLimit: config.fileStreamBodyLimit, logger,
    limits: {
      // In memory: one process. A scaled-out deployment would pass a shared QuotaCounter here.
      rateLimit: config.rateLimitRequests > 0
        ? new InMemoryQuotaCounter(config.rateLimitRequests, config.rateLimitWindowSeconds * 1000)
        : undefined,
      maxInflight: { fileStream: config.maxInflightFileStream, graphql: config.maxInflightGraphql },
    },
  });
  let fixtures: FastifyInstance | null = null;
  app.addHook('onClose', async () => {
    if (fixtures) await fixtures.close();
    await runtime.close();
  });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://localhost:${port}`;
  if (config.testFixturesPort !== undefined) {
    fixtures = buildFixturesApp(services);
    await fixtures.listen({ host: config.host, port: config.testFixturesPort });
  }
  services.crashMonitor.start();
  services.retention.start(config.retentionIntervalSeconds * 1000);
  if (firstKey) {
    // Printed once, at first start: the only time the key is shown.
    process.stdout.write(
      `\nCairn is ready at ${url}\nAdmin user: ${config.adminUsername}\nAdmin API key: ${firstKey}\n` +
        `Log in with:\n  wandb login --host ${url} ${firstKey}\n\n`,
    );
  }
  return { app, runtime, url, close: () => app.close() };
}
