import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.js';
import type { Runtime } from './cli/runtime.js';
import { openRuntime } from './cli/runtime.js';
import type { Config } from './config.js';
import { buildFixturesApp } from './http/fixtures-app.js';
import { hasWebBuild } from './http/web-ui.js';

export interface RunningServer {
  app: FastifyInstance; runtime: Runtime; url: string; close(): Promise<void>;
  /** Graceful shutdown: readiness fails, then (after the configured delay) stop accepting, drain, close. */
  shutdown(): Promise<void>;
}

/** `cairn serve`: open storage, make sure an admin exists, listen, and shut down cleanly on signals. */
export async function startServer(config: Config): Promise<RunningServer> {
  const runtime = await openRuntime(config);
  const { services, logger } = runtime;
  const bootstrap = () => services.auth.bootstrapAdmin(config.adminUsername, config.adminKey);
  // Several processes starting at once on one database race to create the admin and its key (unique names and
  // hashes): a loser looks again and finds the winner's rows (the user first, then the key).
  const firstKey = await bootstrap().catch(() => bootstrap()).catch(() => bootstrap());
  let draining = false;
  const app = await buildApp({
    draining: () => draining,
    services, publicUrl: config.publicUrl, trustProxy: config.trustProxy, fileStreamBodyLimit: config.fileStreamBodyLimit, logger,
    metricsToken: config.metricsToken,
    webDir: webDirOf(config, logger),
    limits: {
      // Shared by every process on a PostgreSQL database (a key's budget is the configured one, not N times it).
      rateLimit: config.rateLimitRequests > 0
        ? runtime.quotaCounter('rate', config.rateLimitRequests, config.rateLimitWindowSeconds * 1000)
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
  // Background jobs: once at a time across every process on this database (services.jobLocks).
  services.crashMonitor.start(services.jobLocks);
  services.retention.start(config.retentionIntervalSeconds * 1000, services.jobLocks);
  services.webhooks.start(config.webhookPollSeconds * 1000, services.jobLocks);
  if (firstKey) {
    // Printed once, at first start: the only time the key is shown.
    process.stdout.write(
      `\nCairn is ready at ${url}\nAdmin user: ${config.adminUsername}\nAdmin API key: ${firstKey}\n` +
        `Log in with:\n  wandb login --host ${url} ${firstKey}\n\n`,
    );
  }
  const shutdown = async () => {
    draining = true;
    if (config.shutdownDelaySeconds > 0) await new Promise((r) => setTimeout(r, config.shutdownDelaySeconds * 1000));
    // Fastify's close: stop listening, answer 503 + Connection: close to new requests on kept-alive connections
    // (the SDK retries them, a load balancer sends them elsewhere), wait for in-flight ones, then the onClose hooks
    // (history flush, stores).
    await app.close();
  };
  return { app, runtime, url, close: () => app.close(), shutdown };
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
