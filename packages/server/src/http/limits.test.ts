import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerLimits } from './limits.js';

/** A bare app whose /graphql and file_stream handlers wait until the test lets them finish. */
function appWithHeldRequests(max: { fileStream: number; graphql: number }) {
  const app = Fastify();
  const held: (() => void)[] = [];
  const hold = () => new Promise<void>((resolve) => held.push(resolve));
  const limits = registerLimits(app, { maxInflight: max, overloadRetryAfterSeconds: 3 });
  app.post('/graphql', async () => {
    await hold();
    return { data: {} };
  });
  app.post('/files/:e/:p/:r/file_stream', async () => {
    await hold();
    return { stopped: false };
  });
  app.get('/ready', async () => ({ ready: true }));
  return { app, held, limits };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe('load shedding', () => {
  it('answers 429 + Retry-After beyond the in-flight cap instead of queueing, and frees slots when requests end', async () => {
    const { app, held, limits } = appWithHeldRequests({ fileStream: 2, graphql: 1 });
    const fsUrl = '/files/a/b/c/file_stream';
    const first = app.inject({ method: 'POST', url: fsUrl, payload: {} });
    const second = app.inject({ method: 'POST', url: fsUrl, payload: {} });
    await until(() => held.length === 2);
    expect(limits.inflight().file_stream).toBe(2);

    const shed = await app.inject({ method: 'POST', url: fsUrl, payload: {} });
    expect(shed.statusCode).toBe(429);
    expect(shed.headers['retry-after']).toBe('3');
    expect(shed.json()).toMatchObject({ code: 'RATE_LIMITED' });
    // Groups are capped separately; other routes are never shed.
    const gql = app.inject({ method: 'POST', url: '/graphql', payload: {} });
    await until(() => held.length === 3);
    expect((await app.inject({ method: 'POST', url: '/graphql', payload: {} })).statusCode).toBe(429);
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);

    held.splice(0).forEach((release) => release());
    expect((await first).statusCode).toBe(200);
    expect((await second).statusCode).toBe(200);
    expect((await gql).statusCode).toBe(200);
    await until(() => limits.inflight().file_stream === 0 && limits.inflight().graphql === 0);

    const again = app.inject({ method: 'POST', url: fsUrl, payload: {} });
    await until(() => held.length === 1);
    held.splice(0).forEach((release) => release());
    expect((await again).statusCode).toBe(200);
    await app.close();
  });

  it('a request that fails still gives its slot back', async () => {
    const app = Fastify();
    const limits = registerLimits(app, { maxInflight: { fileStream: 1, graphql: 1 } });
    app.post('/graphql', async () => {
      throw new Error('boom');
    });
    for (let i = 0; i < 3; i++) expect((await app.inject({ method: 'POST', url: '/graphql', payload: {} })).statusCode).toBe(500);
    expect(limits.inflight().graphql).toBe(0);
    await app.close();
  });
});
