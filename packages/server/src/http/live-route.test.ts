import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRealApp, type RealApp } from '../real-app.test-support.js';

const PROJECT = 'live-proj';
let real: RealApp;
let base: string;
/** Live subscriptions currently held in the process (counted around the real LiveEvents). */
let held = 0;

beforeAll(async () => {
  real = await openRealApp();
  const events = real.runtime.services.liveEvents;
  const subscribe = events.subscribe.bind(events);
  events.subscribe = (topic, handler) => {
    held++;
    const off = subscribe(topic, handler);
    let done = false;
    return () => {
      if (!done) held--;
      done = true;
      off();
    };
  };
  await real.createRun(PROJECT, 'r1');
  await real.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(real.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => real?.close());

interface Sse { event: string; data: any }

/** Opens the project's stream and reads its events as they come. */
async function openStream(project = PROJECT) {
  const abort = new AbortController();
  const res = await fetch(`${base}/api/live/projects/${real.entity}/${project}`, { headers: real.headers(), signal: abort.signal });
  const received: Sse[] = [];
  const waiters: (() => void)[] = [];
  if (res.ok) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body!) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) received.push({ event, data: JSON.parse(data) });
            waiters.splice(0).forEach((w) => w());
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  const next = async (pred: (e: Sse) => boolean, timeoutMs = 5000): Promise<Sse> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = received.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no such event; got ${JSON.stringify(received)}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
  };
  return { res, received, next, close: () => abort.abort() };
}

const fileStream = (run: string, files: Record<string, { offset: number; content: string[] }>) => real.inject({
  method: 'POST', url: `/files/${real.entity}/${PROJECT}/${run}/file_stream`, headers: real.headers(), payload: JSON.stringify({ files }),
});

describe('GET /api/live/projects/:entity/:project (Server-Sent Events)', () => {
  it('sends deltas as they are stored: history step ranges with keys, console line ranges, run changes, new runs', async () => {
    const stream = await openStream();
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await stream.next((e) => e.event === 'hello');

    const rows = [0, 1, 2, 3, 4].map((s) => JSON.stringify({ _step: s, loss: 1 / (s + 1), 'a b/ü.c': s }));
    expect((await fileStream('r1', {
      'wandb-history.jsonl': { offset: 0, content: rows },
      'output.log': { offset: 0, content: ['hello', 'world'] },
      'wandb-summary.json': { offset: 0, content: ['{"loss": 0.2}'] },
    })).statusCode).toBe(200);
    const history = await stream.next((e) => e.event === 'history');
    expect(history.data).toEqual({ kind: 'history', run: 'r1', from: 0, to: 4, keys: ['loss', 'a b/ü.c'] });
    expect((await stream.next((e) => e.event === 'console')).data).toEqual({ kind: 'console', run: 'r1', from: 0, to: 2 });
    expect((await stream.next((e) => e.event === 'run')).data).toMatchObject({ kind: 'run', run: 'r1', state: 'running' });

    // A retried chunk stores nothing and tells nothing; the next new rows do.
    await fileStream('r1', { 'wandb-history.jsonl': { offset: 0, content: rows } });
    await fileStream('r1', { 'wandb-history.jsonl': { offset: 5, content: [JSON.stringify({ _step: 5, loss: 0.1 })] } });
    await stream.next((e) => e.event === 'history' && e.data.from === 5);
    expect(stream.received.filter((e) => e.event === 'history').map((e) => [e.data.from, e.data.to])).toEqual([[0, 4], [5, 5]]);

    await real.createRun(PROJECT, 'r2');
    expect((await stream.next((e) => e.event === 'run' && e.data.run === 'r2')).data).toMatchObject({ created: true });
    stream.close();
  });

  it('keeps payloads small: a row with thousands of keys is announced without them', async () => {
    const stream = await openStream();
    await stream.next((e) => e.event === 'hello');
    const wide = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`layer${i}/grad_norm`, i]));
    await fileStream('r2', { 'wandb-history.jsonl': { offset: 0, content: [JSON.stringify({ _step: 0, ...wide })] } });
    const e = await stream.next((ev) => ev.event === 'history' && ev.data.run === 'r2');
    expect(e.data).toEqual({ kind: 'history', run: 'r2', from: 0, to: 0 });
    stream.close();
  });

  it('answers 404 for a project the viewer cannot see (as for a missing one) and 401 without credentials', async () => {
    const missing = await fetch(`${base}/api/live/projects/${real.entity}/no-such-project`, { headers: real.headers() });
    expect(missing.status).toBe(404);
    const anonymous = await fetch(`${base}/api/live/projects/${real.entity}/${PROJECT}`);
    expect(anonymous.status).toBe(401);
  });

  it('releases the subscription when the browser disconnects', async () => {
    const before = held;
    const stream = await openStream();
    await stream.next((e) => e.event === 'hello');
    expect(held).toBe(before + 1);
    stream.close();
    await expect.poll(() => held, { timeout: 5000 }).toBe(before);
  });
});

describe('POST /api/v1/system-series', () => {
  it('buckets the events stream over _runtime per run, with its keys, and announces new samples live', async () => {
    const stream = await openStream();
    await stream.next((e) => e.event === 'hello');
    const samples = [0, 10, 20, 30].map((t) => JSON.stringify({ _runtime: t, _timestamp: 1.7e9 + t, 'system.cpu': t / 10, 'system.gpu.0.temp': t === 20 ? NaN : 40 + t })
      .replace('null', 'NaN'));
    expect((await fileStream('r1', { 'wandb-events.jsonl': { offset: 0, content: samples } })).statusCode).toBe(200);
    expect((await stream.next((e) => e.event === 'system')).data).toEqual({ kind: 'system', run: 'r1' });
    stream.close();

    const res = await real.inject({ method: 'POST', url: '/api/v1/system-series', headers: real.headers(),
      payload: JSON.stringify({ entity: real.entity, project: PROJECT, runs: ['r1', 'r2'], buckets: 3 }) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.keys).toEqual(['system.cpu', 'system.gpu.0.temp']);
    expect(body.plan).toEqual({ xKey: '_runtime', start: 0, width: 10, count: 3 });
    const r1 = body.runs.find((r: { name: string }) => r.name === 'r1');
    // Buckets [0,10), [10,20), [20,30]: the last one holds t=20 and t=30.
    expect(r1.series['system.cpu']).toEqual({ x: [0, 10, 20], last: [0, 1, 3], min: [0, 1, 2], max: [0, 1, 3], count: [1, 1, 2] });
    expect(r1.series['system.gpu.0.temp'].last).toEqual([40, 50, 70]);
    expect(body.runs.find((r: { name: string }) => r.name === 'r2').series).toEqual({});

    const bad = await real.inject({ method: 'POST', url: '/api/v1/system-series', headers: real.headers(), payload: JSON.stringify({ entity: real.entity, project: PROJECT, runs: [] }) });
    expect(bad.statusCode).toBe(400);
  });
});

describe('POST /api/v1/series with bucketWidth (live deltas)', () => {
  const series = (body: Record<string, unknown>) => real.inject({ method: 'POST', url: '/api/v1/series', headers: real.headers(),
    payload: JSON.stringify({ entity: real.entity, project: PROJECT, runs: ['r1'], keys: ['loss'], ...body }) });

  it('answers buckets of exactly that width, aligned to multiples of it, so they splice onto the drawn ones', async () => {
    // r1 has loss at steps 0..5 (first test). Width 4 from step 4: one bucket [4, 8) holding steps 4 and 5.
    const res = await series({ range: { min: 4, max: 5 }, bucketWidth: 4 });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.plan).toEqual({ xKey: '_step', start: 4, width: 4, count: 1 });
    expect(body.runs[0].series.loss).toMatchObject({ x: [4], count: [2], last: [0.1] });
    const whole = (await series({ bucketWidth: 2 })).json();
    expect(whole.plan).toEqual({ xKey: '_step', start: 0, width: 2, count: 3 });
  });

  it('refuses a width that is not a power of two, or one that makes too many buckets', async () => {
    expect((await series({ bucketWidth: 3 })).statusCode).toBe(400);
    expect((await series({ range: { min: 0, max: 50_000 }, bucketWidth: 1 })).statusCode).toBe(400);
  });
});
