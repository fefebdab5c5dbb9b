import { describe, expect, it } from 'vitest';
import { createKeysBatcher, type PostKeyBatch } from './keys-batch';

function recorder(answer: (runs: string[]) => Record<string, unknown>) {
  const calls: { runs: string[]; limit: number; signal: AbortSignal }[] = [];
  const post: PostKeyBatch = async (body, signal) => {
    calls.push({ runs: body.runs, limit: body.limit, signal });
    return { runs: answer(body.runs) as never };
  };
  return { calls, post };
}

describe('createKeysBatcher', () => {
  it('sends the runs asked for in one tick as one request and answers each caller with its run', async () => {
    const { calls, post } = recorder((runs) => Object.fromEntries(runs.map((r) => [r, { keys: [`${r}/loss`], lastStep: 3 }])));
    const fetchKeys = createKeysBatcher(post);
    const [a, b, a2] = await Promise.all([
      fetchKeys('e', 'p', 'r1', 10), fetchKeys('e', 'p', 'r2', 10), fetchKeys('e', 'p', 'r1', 10),
    ]);
    expect(calls.map((c) => c.runs)).toEqual([['r1', 'r2']]);
    expect(a).toEqual({ keys: ['r1/loss'], lastStep: 3 });
    expect(b.keys).toEqual(['r2/loss']);
    expect(a2).toEqual(a);
    await fetchKeys('e', 'p', 'r3', 10);
    expect(calls).toHaveLength(2);
  });

  it('rejects a run the server could not answer, and keeps other projects and limits apart', async () => {
    const { calls, post } = recorder((runs) => Object.fromEntries(runs.map((r) => [r, r === 'ghost'
      ? { error: { code: 'RUN_NOT_FOUND', message: 'run e/p/ghost not found' } } : { keys: [], lastStep: null }])));
    const fetchKeys = createKeysBatcher(post);
    const ghost = fetchKeys('e', 'p', 'ghost', 10);
    const other = fetchKeys('e', 'q', 'r1', 10);
    const bigger = fetchKeys('e', 'p', 'r1', 50);
    await expect(ghost).rejects.toThrow(/ghost not found/);
    await other;
    await bigger;
    expect(calls).toHaveLength(3);
  });

  it('answers a caller that gives up at once and cancels the request only when nobody waits', async () => {
    let release: () => void = () => {};
    const signals: AbortSignal[] = [];
    const fetchKeys = createKeysBatcher(async (body, signal) => {
      signals.push(signal);
      await new Promise<void>((r) => { release = r; });
      return { runs: Object.fromEntries(body.runs.map((r) => [r, { keys: ['k'], lastStep: 0 }])) };
    });
    const c1 = new AbortController();
    const c2 = new AbortController();
    const p1 = fetchKeys('e', 'p', 'r1', 10, c1.signal);
    const p2 = fetchKeys('e', 'p', 'r2', 10, c2.signal);
    await Promise.resolve();
    c1.abort();
    await expect(p1).rejects.toThrow(/aborted/);
    expect(signals[0]!.aborted).toBe(false);
    c2.abort();
    await expect(p2).rejects.toThrow(/aborted/);
    expect(signals[0]!.aborted).toBe(true);
    release();
  });
});
