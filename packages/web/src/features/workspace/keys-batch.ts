/**
 * One key-list request for all the runs a workspace charts: each run's key list is its own React Query entry
 * (live updates refresh one run's), but the lists asked for in the same tick go out as one
 * POST /api/v1/metric-keys/batch per project instead of one request per run (a browser opens at most six at a time).
 */
import { ApiError, apiFetch } from '../../lib/api';

export interface RunKeys { keys: string[]; lastStep: number | null }
type Item = RunKeys | { error: { code: string; message: string } };
export type PostKeyBatch = (body: { entity: string; project: string; runs: string[]; limit: number }, signal: AbortSignal) => Promise<{ runs: Record<string, Item> }>;

/** The server's bound on runs per request. */
export const MAX_BATCH_RUNS = 100;

interface Waiter { resolve(k: RunKeys): void; reject(e: unknown): void }
interface Pending { run: string; waiters: Waiter[]; sent: { items: Pending[]; controller: AbortController } | null }

const abortError = () => new DOMException('The request was aborted', 'AbortError');

export function createKeysBatcher(post: PostKeyBatch, schedule: (flush: () => void) => void = queueMicrotask) {
  /** Per project and limit: the runs asked for since the last flush. */
  let queued = new Map<string, Map<string, Pending>>();
  let scheduled = false;

  const send = (entity: string, project: string, limit: number, items: Pending[]) => {
    const sent = { items, controller: new AbortController() };
    for (const p of items) p.sent = sent;
    const settle = (fn: (w: Waiter, p: Pending) => void) => items.forEach((p) => p.waiters.splice(0).forEach((w) => fn(w, p)));
    post({ entity, project, limit, runs: items.map((p) => p.run) }, sent.controller.signal).then(({ runs }) => {
      settle((w, p) => {
        const a = runs[p.run];
        if (!a) w.reject(new ApiError(500, null, 'key batch: missing answer'));
        else if ('error' in a) w.reject(new ApiError(404, a.error.code, a.error.message));
        else w.resolve(a);
      });
    }, (e: unknown) => settle((w) => w.reject(e)));
  };

  const flush = () => {
    scheduled = false;
    const batches = queued;
    queued = new Map();
    for (const [id, byRun] of batches) {
      const [entity, project, limit] = JSON.parse(id) as [string, string, number];
      const live = [...byRun.values()].filter((p) => p.waiters.length > 0);
      for (let i = 0; i < live.length; i += MAX_BATCH_RUNS) send(entity, project, limit, live.slice(i, i + MAX_BATCH_RUNS));
    }
  };

  /** One run's first `limit` keys, sent with the other runs asked for in this tick. */
  return function fetchRunKeys(entity: string, project: string, run: string, limit: number, signal?: AbortSignal): Promise<RunKeys> {
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<RunKeys>((resolve, reject) => {
      const id = JSON.stringify([entity, project, limit]);
      let byRun = queued.get(id);
      if (!byRun) queued.set(id, (byRun = new Map()));
      let pending = byRun.get(run);
      if (!pending) byRun.set(run, (pending = { run, waiters: [], sent: null }));
      const p = pending;
      const waiter: Waiter = { resolve, reject };
      p.waiters.push(waiter);
      // One caller giving up is answered at once; the request is cancelled only when nobody in it waits.
      signal?.addEventListener('abort', () => {
        const at = p.waiters.indexOf(waiter);
        if (at < 0) return;
        p.waiters.splice(at, 1);
        reject(abortError());
        if (p.sent && p.sent.items.every((q) => q.waiters.length === 0)) p.sent.controller.abort();
      }, { once: true });
      if (!scheduled) {
        scheduled = true;
        schedule(flush);
      }
    });
  };
}

/** The app's batcher: same-origin, with the session (apiFetch). */
export const fetchRunKeys = createKeysBatcher((body, signal) => apiFetch('/api/v1/metric-keys/batch', { body, signal }));
