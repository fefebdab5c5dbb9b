import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { openRealApp, type RealApp } from '../real-app.test-support.js';

const TOKEN = 'metrics-token-for-tests';
let real: RealApp;
let app: FastifyInstance;

beforeAll(async () => {
  real = await openRealApp();
  app = await buildApp({ services: real.runtime.services, fileStreamBodyLimit: 10 << 20, logger: real.runtime.logger, metricsToken: TOKEN });
});
afterAll(async () => {
  await app?.close();
  await real?.close();
});

const scrape = async () => (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body;
const sample = (text: string, name: string, labels = '') =>
  Number(new RegExp(`^${name}${labels.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('/metrics', () => {
  it('counts requests per route pattern with latency, and history rows and values newly stored', async () => {
    await app.inject({ method: 'POST', url: '/graphql', headers: real.headers(), payload: JSON.stringify({
      query: 'mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { id } } }', variables: { i: { modelName: 'prom', name: 'r1' } },
    }) });
    const rows = ['{"_step": 0, "loss": 1.5, "acc": 0.1}', '{"_step": 1, "loss": 1.2, "acc": 0.2, "img": {"_type": "image-file", "path": "a:b"}}'];
    const res = await app.inject({ method: 'POST', url: `/files/${real.entity}/prom/r1/file_stream`, headers: real.headers(),
      payload: JSON.stringify({ files: { 'wandb-history.jsonl': { offset: 0, content: rows } } }) });
    expect(res.statusCode, res.body).toBe(200);
    // A re-sent chunk stores nothing new and counts nothing; a refused request is timed but ingests nothing.
    const again = await app.inject({ method: 'POST', url: `/files/${real.entity}/prom/r1/file_stream`, headers: real.headers(),
      payload: JSON.stringify({ files: { 'wandb-history.jsonl': { offset: 0, content: rows } } }) });
    expect(again.statusCode).toBe(200);
    const bad = await app.inject({ method: 'POST', url: `/files/${real.entity}/prom/r1/file_stream`, headers: real.headers(),
      payload: JSON.stringify({ files: { 'wandb-history.jsonl': { offset: 0, content: ['not json'] } } }) });
    expect(bad.statusCode).toBe(400);

    const text = await scrape();
    expect(sample(text, 'cairn_ingest_history_rows_total')).toBe(2);
    // User values only: loss, acc; loss, acc, img (not _step).
    expect(sample(text, 'cairn_ingest_history_values_total')).toBe(5);
    expect(sample(text, 'cairn_http_request_duration_seconds_count', '{method="POST",route="/files/:entity/:project/:run/file_stream",status="2xx"}')).toBe(2);
    expect(sample(text, 'cairn_http_request_duration_seconds_count', '{method="POST",route="/files/:entity/:project/:run/file_stream",status="4xx"}')).toBe(1);
    expect(sample(text, 'cairn_http_request_duration_seconds_count', '{method="POST",route="/graphql",status="2xx"}')).toBe(1);
    // The scrape itself is in flight while it is answered.
    expect(sample(text, 'cairn_http_requests_in_flight')).toBe(1);
  });

  it('does not count a shed request out that was never counted in', async () => {
    const shedding = await buildApp({ services: real.runtime.services, fileStreamBodyLimit: 10 << 20, logger: real.runtime.logger,
      metricsToken: TOKEN, limits: { maxInflight: { graphql: 0 } } });
    try {
      const res = await shedding.inject({ method: 'POST', url: '/graphql', headers: real.headers(), payload: JSON.stringify({ query: '{ viewer { id } }' }) });
      expect(res.statusCode).toBe(429);
      const text = (await shedding.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body;
      expect(sample(text, 'cairn_http_requests_in_flight')).toBe(1);
      expect(sample(text, 'cairn_http_request_duration_seconds_count', '{method="POST",route="/graphql",status="4xx"}')).toBe(1);
    } finally {
      await shedding.close();
    }
  });

  it('refuses a scrape without the token', async () => {
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
  });
});
