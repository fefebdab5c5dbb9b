import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.js';
import { InMemoryQuotaCounter } from './core/quota.js';
import type { Runtime } from './cli/runtime.js';
import { openRuntime } from './cli/runtime.js';
import type { Config } from './config.js';
import { buildFixturesApp } from './http/fixtures-app.js';
import { hasWebBuild } from './http/web-ui.js';

export interface RunningServer { app: FastifyInstance; runtime: Runtime; url: string; close(): Promise<void> }

/** `cairn serve`: open storage, make sure an admin exists, listen, and shut down cleanly on signals. */
export async function startServer(config: Config): Promise<RunningServer> {
  const runtime = await openRuntime(config);
  const { services, logger } = runtime;
  const firstKey = await services.auth.bootstrapAdmin(config.adminUsername, config.adminKey);
  const app = await buildApp({
    services, publicUrl: config.publicUrl, trustProxy: config.trustProxy, fileStreamBodyLimit: config.fileStreamBodyLimit, logger,
    metricsToken: config.metricsToken,
    webDir: webDirOf(config, logger),
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
  services.webhooks.start(config.webhookPollSeconds * 1000);
  if (firstKey) {
    // Printed once, at first start: the only time the key is shown.
    process.stdout.write(
      `\nCairn is ready at ${url}\nAdmin user: ${config.adminUsername}\nAdmin API key: ${firstKey}\n` +
        `Log in with:\n  wandb login --host ${url} ${firstKey}\n\n`,
    );
  }
  return { app, runtime, url, close: () => app.close() };
}

/** The web UI build to serve: CAIRN_WEB_DIR (must be built), else packages/web/dist when `npm run build` made it. */
function webDirOf(config: Config, logger: FastifyBaseLogger): string | undefined {
  if (config.webDir !== undefined) {
    if (!hasWebBuild(config.webDir)) throw new Error(`CAIRN_WEB_DIR=${config.webDir} holds no index.html: build the web UI first`);
    return config.webDir;
  }
  // dist/main.js -> packages/web/dist
  const bundled = fileURLToPath(new URL('../../web/dist', import.meta.url));
  if (hasWebBuild(bundled)) return bundled;
  logger.warn({ dir: bundled }, 'web UI not built (npm run build): serving the API only');
  return undefined;
}
