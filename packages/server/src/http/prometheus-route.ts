import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Services } from '../core/services.js';

const digestOf = (s: string) => createHash('sha256').update(s).digest();

/** True when the Authorization header is `Bearer <token>`; compared in constant time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m !== null && timingSafeEqual(digestOf(m[1]!), digestOf(token));
}

/**
 * `GET /metrics` in the Prometheus text format: artifact storage per project and per collection (logical = bytes
 * as logged, stored = each distinct content once; live versions only, so abandoned or partial uploads never
 * count), HTTP requests (count and latency per route, in flight), ingested history rows and values, and the
 * process's own metrics. Registered before the other routes so its hooks see every request. Only registered when
 * a token is configured (CAIRN_METRICS_TOKEN), and only answered to `Authorization: Bearer <token>`: labels name
 * entities and projects of every tenant.
 */
export function registerPrometheusRoute(app: FastifyInstance, services: Services, token: string) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const projectLabels = ['entity', 'project'] as const;
  const collectionLabels = ['entity', 'project', 'collection'] as const;
  const gauges = {
    projectLogical: new Gauge({ name: 'cairn_artifact_project_logical_bytes', help: 'Bytes of a project\'s live artifact versions, as logged (shared files counted in every version)', labelNames: projectLabels, registers: [registry] }),
    projectStored: new Gauge({ name: 'cairn_artifact_project_stored_bytes', help: 'Bytes a project\'s live artifact versions occupy after content deduplication', labelNames: projectLabels, registers: [registry] }),
    projectVersions: new Gauge({ name: 'cairn_artifact_project_versions', help: 'Live artifact versions in a project', labelNames: projectLabels, registers: [registry] }),
    collectionLogical: new Gauge({ name: 'cairn_artifact_collection_logical_bytes', help: 'Bytes of a collection\'s live versions, as logged', labelNames: collectionLabels, registers: [registry] }),
    collectionStored: new Gauge({ name: 'cairn_artifact_collection_stored_bytes', help: 'Bytes a collection\'s live versions occupy after content deduplication', labelNames: collectionLabels, registers: [registry] }),
    collectionVersions: new Gauge({ name: 'cairn_artifact_collection_versions', help: 'Live versions in an artifact collection', labelNames: collectionLabels, registers: [registry] }),
  };

  // Requests by route pattern (not URL: bounded label values), method and status class.
  const requestSeconds = new Histogram({
    name: 'cairn_http_request_duration_seconds', help: 'HTTP request latency, by route pattern, method and status class',
    labelNames: ['method', 'route', 'status'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const inFlight = new Gauge({ name: 'cairn_http_requests_in_flight', help: 'HTTP requests being served by this process', registers: [registry] });
  // Read from the ingest path's own totals at scrape time (the store already parsed every row).
  const ingested = services.fileStream.ingested;
  new Counter({
    name: 'cairn_ingest_history_rows_total', help: 'History rows newly stored from file_stream (re-sent chunks do not count)', registers: [registry],
    collect() { this.reset(); this.inc(ingested.historyRows); },
  });
  new Counter({
    name: 'cairn_ingest_history_values_total', help: 'User values (top-level keys without a _ prefix) in the newly stored history rows', registers: [registry],
    collect() { this.reset(); this.inc(ingested.historyValues); },
  });
  // A request answered by an earlier onRequest hook (load shedding: 429) never reaches ours but still reaches
  // onResponse: only what was counted in is counted out.
  const counted = new WeakSet<object>();
  app.addHook('onRequest', async (request) => { counted.add(request); inFlight.inc(); });
  app.addHook('onResponse', async (request, reply) => {
    if (counted.delete(request)) inFlight.dec();
    const route = request.routeOptions.url ?? 'unmatched';
    const status = `${Math.floor(reply.statusCode / 100)}xx`;
    requestSeconds.observe({ method: request.method, route, status }, reply.elapsedTime / 1000);
  });

  // One refresh at a time: concurrent scrapes would otherwise interleave reset() and set().
  let queue: Promise<unknown> = Promise.resolve();
  const scrape = async () => {
    const rows = await services.artifacts.artifactStore.storageReport();
    for (const g of Object.values(gauges)) g.reset();
    for (const r of rows) {
      if (r.collection === null) {
        const labels = { entity: r.entity, project: r.project };
        gauges.projectLogical.set(labels, r.logicalBytes);
        gauges.projectStored.set(labels, r.storedBytes);
        gauges.projectVersions.set(labels, r.versions);
      } else {
        const labels = { entity: r.entity, project: r.project, collection: r.collection };
        gauges.collectionLogical.set(labels, r.logicalBytes);
        gauges.collectionStored.set(labels, r.storedBytes);
        gauges.collectionVersions.set(labels, r.versions);
      }
    }
    return registry.metrics();
  };

  app.get('/metrics', async (request, reply) => {
    if (!bearerMatches(request.headers.authorization, token)) {
      return reply.code(401).header('WWW-Authenticate', 'Bearer realm="cairn-metrics"')
        .send({ error: 'send Authorization: Bearer <CAIRN_METRICS_TOKEN>', code: 'UNAUTHENTICATED', errors: [{ message: 'metrics token required' }] });
    }
    const run = queue.then(scrape);
    queue = run.catch(() => undefined);
    const body = await run;
    return reply.header('Content-Type', registry.contentType).send(body);
  });
}
