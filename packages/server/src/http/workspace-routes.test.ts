import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRealApp, type RealApp } from '../real-app.test-support.js';

const PROJECT = 'ws-routes';
let real: RealApp;

beforeAll(async () => {
  real = await openRealApp();
  for (const name of ['a', 'b', 'c']) await real.createRun(PROJECT, name);
  await real.gql('mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { name } } }',
    { i: { modelName: PROJECT, name: 'a', groupName: 'g1', config: JSON.stringify({ lr: { value: 0.1 } }) } });
});
afterAll(async () => real?.close());

const post = (url: string, payload: unknown) => real.inject({ method: 'POST', url, headers: real.headers({ 'content-type': 'application/json' }), payload: JSON.stringify(payload) });
/** Bodiless requests: no JSON content type (Fastify refuses an empty JSON body). */
const bare = () => ({ authorization: real.headers().authorization! });
const layoutUrl = () => `/api/v1/projects/${real.entity}/${PROJECT}/layout`;

describe('workspace routes', () => {
  it('groups the runs table by a column or config key, within a filter', async () => {
    const res = await post('/api/v1/runs/groups', { entity: real.entity, project: PROJECT, groupBy: 'group' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ groups: [{ value: 'g1', count: 1 }, { value: null, count: 2 }] });
    const lr = await post('/api/v1/runs/groups', { entity: real.entity, project: PROJECT, groupBy: 'config.lr', filters: { name: { $in: ['a', 'b'] } } });
    expect(lr.json()).toEqual({ groups: [{ value: 0.1, count: 1 }, { value: null, count: 1 }] });
  });

  it('answers a bad groups query with a 400 that says what is wrong', async () => {
    for (const [body, message] of [
      [{ entity: real.entity, project: PROJECT }, /groupBy/],
      [{ entity: real.entity, project: PROJECT, groupBy: 'tags' }, /cannot group by tags/],
      [{ entity: real.entity, project: PROJECT, groupBy: 'nonsense' }, /unknown filter field/],
    ] as const) {
      const res = await post('/api/v1/runs/groups', body);
      expect(res.statusCode).toBe(400);
      expect(res.body).toMatch(message);
    }
  });

  it('saves a layout, reads it back, refuses a malformed one with 400, and resets', async () => {
    const layout = { version: 1, panels: { added: ['loss'], removed: ['acc'], sizes: { loss: 3 } }, runColors: { a: '#0072B2' }, columns: ['config:lr'] };
    const put = await real.inject({ method: 'PUT', url: layoutUrl(), headers: real.headers({ 'content-type': 'application/json' }), payload: JSON.stringify(layout) });
    expect(put.statusCode).toBe(200);
    const bad = await real.inject({ method: 'PUT', url: layoutUrl(), headers: real.headers({ 'content-type': 'application/json' }), payload: JSON.stringify({ ...layout, runColors: { a: 'javascript:alert(1)' } }) });
    expect(bad.statusCode).toBe(400);
    // Saved before hidden runs were part of the layout: reads back with none hidden.
    expect((await real.inject({ method: 'GET', url: layoutUrl(), headers: bare() })).json().layout).toEqual({ ...layout, hiddenRuns: [], hiddenColumns: [] });
    const del = await real.inject({ method: 'DELETE', url: layoutUrl(), headers: bare() });
    expect(del.statusCode, del.body).toBe(204);
    expect((await real.inject({ method: 'GET', url: layoutUrl(), headers: bare() })).json()).toEqual({ layout: null, updatedAt: null });
  });

  it('keeps hidden runs and hidden columns in the layout; a bad list is a 400 that keeps the saved one', async () => {
    const layout = { version: 1, panels: { added: [], removed: [], sizes: {} }, runColors: {}, columns: null, hiddenRuns: ['a', 'c'], hiddenColumns: ['tags'] };
    const put = (body: unknown) => real.inject({ method: 'PUT', url: layoutUrl(), headers: real.headers({ 'content-type': 'application/json' }), payload: JSON.stringify(body) });
    expect((await put(layout)).statusCode).toBe(200);
    for (const hiddenRuns of [[''], 'a', [42]]) {
      const bad = await put({ ...layout, hiddenRuns });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toMatch(/hiddenRuns/);
    }
    // The pinned name column cannot be hidden.
    const pinned = await put({ ...layout, hiddenColumns: ['name'] });
    expect(pinned.statusCode).toBe(400);
    expect(pinned.body).toMatch(/hiddenColumns/);
    const saved = (await real.inject({ method: 'GET', url: layoutUrl(), headers: bare() })).json().layout;
    expect([saved.hiddenRuns, saved.hiddenColumns]).toEqual([['a', 'c'], ['tags']]);
  });
});
