import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRealApp, type RealApp } from '../real-app.test-support.js';

const PROJECT = 'batch-proj';
let real: RealApp;

async function logRows(run: string, rows: Record<string, number>[]) {
  const res = await real.inject({
    method: 'POST', url: `/files/${real.entity}/${PROJECT}/${run}/file_stream`, headers: real.headers(),
    payload: JSON.stringify({ files: { 'wandb-history.jsonl': { offset: 0, content: rows.map((r) => JSON.stringify(r)) } } }),
  });
  expect(res.statusCode).toBe(200);
}

beforeAll(async () => {
  real = await openRealApp();
  await real.createRun(PROJECT, 'r1');
  await real.createRun(PROJECT, 'r2');
  // loss over steps 0..99 in both runs; acc only over steps 0..9 of r2 (a key with its own, shorter step range).
  await logRows('r1', Array.from({ length: 100 }, (_, s) => ({ _step: s, loss: 100 - s })));
  await logRows('r2', Array.from({ length: 100 }, (_, s) => ({ _step: s, loss: s % 7, ...(s < 10 ? { acc: s / 10 } : {}) })));
});
afterAll(async () => real?.close());

const post = (url: string, body: unknown) => real.inject({ method: 'POST', url, headers: real.headers(), payload: JSON.stringify(body) });
const single = async (q: Record<string, unknown>) => (await post('/api/v1/series', { entity: real.entity, project: PROJECT, ...q })).json();

describe('POST /api/v1/series/batch', () => {
  it('answers each query exactly as /api/v1/series alone, with its own step range and plan, in order', async () => {
    const queries = [
      { runs: ['r1', 'r2'], keys: ['loss'], buckets: 8 },
      { runs: ['r1', 'r2'], keys: ['acc'], buckets: 8 },
      { runs: ['r2'], keys: ['loss', 'acc'], buckets: 16, range: { min: 4, max: 40 } },
      { runs: ['r1'], keys: ['loss'], range: { min: 96, max: 99 }, bucketWidth: 2 },
    ];
    const res = await post('/api/v1/series/batch', { entity: real.entity, project: PROJECT, queries });
    expect(res.statusCode).toBe(200);
    const { answers } = res.json();
    expect(answers).toHaveLength(queries.length);
    for (const [i, q] of queries.entries()) expect(answers[i]).toEqual(await single(q));
    // acc's plan covers only its own steps 0..9, not loss's 0..99 (a batch does not share plans between queries).
    expect(answers[1].plan).toMatchObject({ start: 0 });
    expect(answers[1].plan.start + answers[1].plan.width * answers[1].plan.count).toBeLessThanOrEqual(16);
    expect(answers[0].runs[0].series.loss.last.at(-1)).toBe(1);
  });

  it('answers an invalid query with an error entry in its place and still answers the others', async () => {
    const res = await post('/api/v1/series/batch', {
      entity: real.entity, project: PROJECT,
      queries: [{ runs: [], keys: ['loss'] }, { runs: ['r1'], keys: ['loss'], buckets: 4 }, 'not a query', { runs: ['r1'], keys: ['loss'], range: { min: 1.5 } }],
    });
    expect(res.statusCode).toBe(200);
    const { answers } = res.json();
    expect(answers[0].error).toMatchObject({ code: 'INVALID_INPUT' });
    expect(answers[0].error.message).toMatch(/runs/);
    expect(answers[1]).toEqual(await single({ runs: ['r1'], keys: ['loss'], buckets: 4 }));
    expect(answers[2].error.code).toBe('INVALID_INPUT');
    expect(answers[3].error.message).toMatch(/whole numbers/);
  });

  it('refuses the whole batch for a malformed envelope, too many keys in all, or a project the caller cannot read', async () => {
    expect((await post('/api/v1/series/batch', { entity: real.entity, project: PROJECT, queries: [] })).statusCode).toBe(400);
    const many = Array.from({ length: 3 }, () => ({ runs: ['r1'], keys: Array.from({ length: 40 }, (_, k) => `k${k}`) }));
    const tooMany = await post('/api/v1/series/batch', { entity: real.entity, project: PROJECT, queries: many });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().error ?? tooMany.body).toMatch(/120 keys/);
    const missing = await post('/api/v1/series/batch', { entity: real.entity, project: 'no-such-project', queries: [{ runs: ['r1'], keys: ['loss'] }] });
    expect(missing.statusCode).toBe(404);
    const anonymous = await real.inject({ method: 'POST', url: '/api/v1/series/batch', headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ entity: real.entity, project: PROJECT, queries: [{ runs: ['r1'], keys: ['loss'] }] }) });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('POST /api/v1/metric-keys/batch', () => {
  const keysOf = async (run: string, limit = 1000) =>
    (await real.inject({ method: 'GET', url: `/api/v1/runs/${real.entity}/${PROJECT}/${run}/keys?limit=${limit}`, headers: real.headers() })).json();

  it('answers each run with the key list it would get alone; a missing run gets an error entry', async () => {
    const res = await post('/api/v1/metric-keys/batch', { entity: real.entity, project: PROJECT, runs: ['r1', 'r2', 'ghost'], limit: 1 });
    expect(res.statusCode).toBe(200);
    const { runs } = res.json();
    expect(runs.r1).toEqual(await keysOf('r1', 1));
    expect(runs.r2).toEqual(await keysOf('r2', 1));
    expect(runs.r2.keys).toHaveLength(1);
    expect(runs.ghost.error).toMatchObject({ code: 'RUN_NOT_FOUND' });
    const all = (await post('/api/v1/metric-keys/batch', { entity: real.entity, project: PROJECT, runs: ['r2'] })).json();
    expect(all.runs.r2.keys).toEqual(expect.arrayContaining(['acc', 'loss']));
    expect(all.runs.r2).toEqual(await keysOf('r2'));
  });

  it('refuses bad bodies and unreadable projects', async () => {
    expect((await post('/api/v1/metric-keys/batch', { entity: real.entity, project: PROJECT, runs: [] })).statusCode).toBe(400);
    expect((await post('/api/v1/metric-keys/batch', { entity: real.entity, project: PROJECT, runs: ['r1'], limit: 0 })).statusCode).toBe(400);
    expect((await post('/api/v1/metric-keys/batch', { entity: real.entity, project: 'no-such-project', runs: ['r1'] })).statusCode).toBe(404);
  });
});
