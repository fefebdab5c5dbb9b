import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
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
 * count) and the process's own metrics. Only registered when a token is configured (CAIRN_METRICS_TOKEN),
 * and only answered to `Authorization: Bearer <token>`: labels name entities and projects of every tenant.
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
