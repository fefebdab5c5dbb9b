import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/api';
import type { SeriesAnswer } from './series';
import { createSeriesBatcher, type BatchItem, type PostBatch } from './series-batch';

/** A fake server: records each batch and answers every query with a plan that names its key and buckets. */
function fakeServer(answer: (q: { keys: string[]; buckets?: number }) => BatchItem = (q) => answerFor(q.keys[0]!, q.buckets ?? 0)) {
  const posts: { body: Parameters<PostBatch>[0]; signal: AbortSignal; resolve(): void }[] = [];
  const post: PostBatch = (body, signal) => new Promise((resolve, reject) => {
    signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    posts.push({ body, signal, resolve: () => resolve({ answers: body.queries.map(answer) }) });
  });
  let flush: (() => void) | null = null;
  const fetchSeries = createSeriesBatcher(post, (f) => {
    flush = f;
  });
  return { posts, fetchSeries, tick: () => flush?.() };
}
const answerFor = (key: string, buckets: number): SeriesAnswer => ({
  plan: { xKey: '_step', start: 0, width: 1, count: buckets }, runs: [{ name: key, series: {} }],
});
const req = (key: string, extra: Record<string, unknown> = {}) => ({ entity: 'e', project: 'p', runs: ['r1', 'r2'], keys: [key], buckets: 300, ...extra });

describe('createSeriesBatcher', () => {
  it('sends the queries of one tick as one request per project and gives each caller its own answer', async () => {
    const { posts, fetchSeries, tick } = fakeServer();
    const a = fetchSeries(req('loss'));
    const b = fetchSeries(req('acc', { buckets: 150, range: { min: 10, max: 20 } }));
    const c = fetchSeries({ ...req('lr'), project: 'other' });
    expect(posts).toHaveLength(0); // nothing goes out before the tick ends
    tick();
    expect(posts.map((p) => p.body.project).sort()).toEqual(['other', 'p']);
    const main = posts.find((p) => p.body.project === 'p')!;
    expect(main.body).toEqual({
      entity: 'e', project: 'p',
      queries: [{ runs: ['r1', 'r2'], keys: ['loss'], buckets: 300 }, { runs: ['r1', 'r2'], keys: ['acc'], buckets: 150, range: { min: 10, max: 20 } }],
    });
    posts.forEach((p) => p.resolve());
    expect(await a).toEqual(answerFor('loss', 300));
    expect(await b).toEqual(answerFor('acc', 150));
    expect(await c).toEqual(answerFor('lr', 300));
    // The next tick is a new batch.
    const d = fetchSeries(req('loss'));
    tick();
    expect(posts).toHaveLength(3);
    posts[2]!.resolve();
    expect(await d).toEqual(answerFor('loss', 300));
  });

  it('asks identical queries once and splits batches at the server limit of 100 keys', async () => {
    const { posts, fetchSeries, tick } = fakeServer();
    const same = [fetchSeries(req('loss')), fetchSeries(req('loss'))];
    const many = Array.from({ length: 120 }, (_, i) => fetchSeries(req(`k${i}`)));
    tick();
    expect(posts.map((p) => p.body.queries.length)).toEqual([100, 21]);
    posts.forEach((p) => p.resolve());
    const [x, y] = await Promise.all(same);
    expect(x).toEqual(answerFor('loss', 300));
    expect(y).toEqual(x);
    expect((await Promise.all(many)).map((a) => a.runs[0]!.name)).toEqual(Array.from({ length: 120 }, (_, i) => `k${i}`));
  });

  it("rejects only the caller whose query the server refused, with the server's code and message", async () => {
    const { posts, fetchSeries, tick } = fakeServer((q) => (q.keys[0] === 'bad'
      ? { error: { code: 'INVALID_INPUT', message: 'invalid series query: range' } } : answerFor(q.keys[0]!, 1)));
    const good = fetchSeries(req('loss'));
    const bad = fetchSeries(req('bad'));
    tick();
    posts[0]!.resolve();
    expect(await good).toEqual(answerFor('loss', 1));
    const err = await bad.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', message: 'invalid series query: range' });
  });

  it('drops queries abandoned before the flush, and cancels a sent request only when every caller gave up', async () => {
    const { posts, fetchSeries, tick } = fakeServer();
    const gone = new AbortController();
    const abandoned = fetchSeries(req('gone'), gone.signal);
    gone.abort();
    await expect(abandoned).rejects.toMatchObject({ name: 'AbortError' });
    const c1 = new AbortController();
    const c2 = new AbortController();
    const one = fetchSeries(req('loss'), c1.signal);
    const two = fetchSeries(req('acc'), c2.signal);
    tick();
    expect(posts[0]!.body.queries.map((q) => q.keys[0])).toEqual(['loss', 'acc']);
    c1.abort();
    await expect(one).rejects.toMatchObject({ name: 'AbortError' });
    expect(posts[0]!.signal.aborted).toBe(false); // acc still waits
    c2.abort();
    await expect(two).rejects.toMatchObject({ name: 'AbortError' });
    expect(posts[0]!.signal.aborted).toBe(true);
  });
});
