import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { openRuntime, type Runtime } from './cli/runtime.js';
import { loadConfig } from './config.js';

/** GET /metrics on the real app: off without a token, bearer-only with one, storage and process metrics. */
const TOKEN = 'prometheus-scrape-token-0123456789';
let dataDir: string;
let runtime: Runtime;
const apps: FastifyInstance[] = [];

beforeEach(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-metrics-'));
  runtime = await openRuntime(loadConfig({ dataDir, logLevel: 'silent' }, {}));
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  await runtime.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function app(metricsToken?: string) {
  const a = await buildApp({ services: runtime.services, fileStreamBodyLimit: 1 << 20, metricsToken });
  apps.push(a);
  return a;
}

describe('/metrics', () => {
  it('does not exist unless a token is configured', async () => {
    expect((await (await app()).inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
  });

  it('wants the bearer token, nothing else', async () => {
    const a = await app(TOKEN);
    for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Basic ${Buffer.from(`api:${TOKEN}`).toString('base64')}`, TOKEN]) {
      const res = await a.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });

  it('reports storage per project and collection and the process metrics', async () => {
    const { meta } = runtime.services;
    const store = runtime.services.artifacts.artifactStore;
    const user = await meta.createUser({ username: 'ada', email: null, admin: false });
    const project = await meta.ensureProject(user.entityId, 'proj');
    const type = await store.ensureType(project.id, 'model');
    const seq = await store.ensureSequence(project.id, type.id, 'weights', null);
    const a = await store.insertArtifact({
      projectId: project.id, sequenceId: seq.id, typeId: type.id, digest: 'f'.repeat(32), description: null, metadata: null,
      ttlSeconds: null, ttlInherited: true, historyStep: null, createdByRunId: null, clientId: null, distributedId: null,
      requestedAliases: [], tags: [],
    });
    const hex = '1'.repeat(32);
    await store.claimContent(hex, a.id);
    await store.markContentStored(hex, 123);
    const digest = Buffer.from(hex, 'hex').toString('base64');
    await store.commit(a.id, [{ name: 'w1', digest, size: 123, ref: null, birthArtifactId: a.id },
      { name: 'w2', digest, size: 123, ref: null, birthArtifactId: a.id }], 'c');

    const res = await (await app(TOKEN)).inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('cairn_artifact_project_logical_bytes{entity="ada",project="proj"} 246');
    expect(res.body).toContain('cairn_artifact_project_stored_bytes{entity="ada",project="proj"} 123');
    expect(res.body).toContain('cairn_artifact_collection_versions{entity="ada",project="proj",collection="weights"} 1');
    expect(res.body).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(res.body).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });
});
