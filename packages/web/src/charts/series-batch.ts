/**
 * One series request for all the charts that ask in the same tick. Panels that scroll into view together (a
 * workspace opening, a zoom re-bucketing every panel) each call `fetchSeries`; the calls of one task are sent as
 * one POST /api/v1/series/batch per project, and each caller gets exactly the answer /api/v1/series would have
 * given it alone (the server answers every query with its own plan). Tested in series-batch.test.ts.
 */
import { ApiError, apiFetch } from '../lib/api';
import type { SeriesAnswer, XRange } from './series';

/** A chart's series query (the body of POST /api/v1/series). */
export interface SeriesRequest {
  entity: string;
  project: string;
  runs: string[];
  keys: string[];
  buckets?: number;
  xKey?: string;
  range?: XRange;
  bucketWidth?: number;
}

type Query = Omit<SeriesRequest, 'entity' | 'project'>;
export type BatchItem = SeriesAnswer | { error: { code: string; message: string } };
export type PostBatch = (body: { entity: string; project: string; queries: Query[] }, signal: AbortSignal) => Promise<{ answers: BatchItem[] }>;

/** The server's bound on keys per batch (and per series query): MAX_SERIES_KEYS. */
export const MAX_BATCH_KEYS = 100;

interface Waiter { resolve(a: SeriesAnswer): void; reject(e: unknown): void }
/** One distinct query: who waits for it, and the request it went out in (null until the flush). */
interface Pending { query: Query; waiters: Waiter[]; sent: { items: Pending[]; controller: AbortController } | null }

const abortError = () => new DOMException('The request was aborted', 'AbortError');

/**
 * `schedule`: when to send what was asked so far. Default: a microtask, i.e. once the code that is running now
 * is done. Panels ask from their effects, and React runs one commit's effects together, so one commit's panels
 * share a request; a microtask rather than a timer sends it before the charts' own queued redraws (a zoom
 * redraws every panel at once) instead of after them.
 */
export function createSeriesBatcher(post: PostBatch, schedule: (flush: () => void) => void = queueMicrotask) {
  /** Per project: queries asked since the last flush, identical ones merged. */
  let queued = new Map<string, Map<string, Pending>>();
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const batches = queued;
    queued = new Map();
    for (const [projectKey, byQuery] of batches) {
      const [entity, project] = JSON.parse(projectKey) as [string, string];
      // Queries whose callers all gave up before the flush are not sent.
      let chunk: Pending[] = [];
      let keys = 0;
      for (const p of byQuery.values()) {
        if (p.waiters.length === 0) continue;
        if (chunk.length > 0 && keys + p.query.keys.length > MAX_BATCH_KEYS) {
          send(entity, project, chunk);
          chunk = [];
          keys = 0;
        }
        chunk.push(p);
        keys += p.query.keys.length;
      }
      if (chunk.length > 0) send(entity, project, chunk);
    }
  };

  const send = (entity: string, project: string, items: Pending[]) => {
    const sent = { items, controller: new AbortController() };
    for (const p of items) p.sent = sent;
    const settle = (fn: (w: Waiter, i: number) => void) => items.forEach((p, i) => p.waiters.splice(0).forEach((w) => fn(w, i)));
    post({ entity, project, queries: items.map((p) => p.query) }, sent.controller.signal).then(({ answers }) => {
      settle((w, i) => {
        const a = answers[i];
        if (!a) w.reject(new ApiError(500, null, 'series batch: missing answer'));
        else if ('error' in a) w.reject(new ApiError(400, a.error.code, a.error.message));
        else w.resolve(a);
      });
    }, (e: unknown) => settle((w) => w.reject(e)));
  };

  /** The answer to one chart's query, sent with the other queries of this tick. */
  return function fetchSeries(req: SeriesRequest, signal?: AbortSignal): Promise<SeriesAnswer> {
    const { entity, project, ...query } = req;
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<SeriesAnswer>((resolve, reject) => {
      const projectKey = JSON.stringify([entity, project]);
      let byQuery = queued.get(projectKey);
      if (!byQuery) queued.set(projectKey, (byQuery = new Map()));
      const id = JSON.stringify(query);
      let pending = byQuery.get(id);
      if (!pending) byQuery.set(id, (pending = { query, waiters: [], sent: null }));
      const p = pending;
      const waiter: Waiter = { resolve, reject };
      p.waiters.push(waiter);
      // A caller that gives up is answered at once; the request itself is cancelled only when no one in it
      // still waits (one panel unmounting must not cancel the others').
      signal?.addEventListener('abort', () => {
        const at = p.waiters.indexOf(waiter);
        if (at < 0) return; // already answered
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
export const fetchSeries = createSeriesBatcher((body, signal) => apiFetch('/api/v1/series/batch', { body, signal }));
