/**
 * One series request for all the charts that ask in the same tick. Panels that scroll into view together (a
 * workspace opening, a zoom re-bucketing every panel) each call `fetchSeries`; the calls of one task are sent as
 * one POST /api/v1/series/batch per project, and each caller gets exactly the answer /api/v1/series would have
 * given it alone (the server answers every query with its own plan). Tested in series-batch.test.ts.
 */
import { ApiError, apiFetch } from '../lib/api';
import { createMicroBatcher } from '../lib/micro-batch';
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

/**
 * `schedule`: when to send what was asked so far (default: a microtask; see lib/micro-batch.ts). Queries of one
 * project are split so that no request holds more than MAX_BATCH_KEYS keys.
 */
export function createSeriesBatcher(post: PostBatch, schedule?: (flush: () => void) => void) {
  const ask = createMicroBatcher<SeriesRequest, SeriesAnswer>({
    groupOf: (r) => JSON.stringify([r.entity, r.project]),
    idOf: (r) => JSON.stringify(r),
    split(items) {
      const parts: SeriesRequest[][] = [];
      let keys = Infinity;
      for (const r of items) {
        if (keys + r.keys.length > MAX_BATCH_KEYS) {
          parts.push([]);
          keys = 0;
        }
        parts.at(-1)!.push(r);
        keys += r.keys.length;
      }
      return parts;
    },
    async send(items, signal) {
      const { entity, project } = items[0]!;
      const { answers } = await post({ entity, project, queries: items.map(({ entity: _e, project: _p, ...query }) => query) }, signal);
      return items.map((_, i): SeriesAnswer | Error => {
        const a = answers[i];
        if (!a) return new ApiError(500, null, 'series batch: missing answer');
        return 'error' in a ? new ApiError(400, a.error.code, a.error.message) : a;
      });
    },
  }, schedule);
  /** The answer to one chart's query, sent with the other queries of this tick. */
  return (req: SeriesRequest, signal?: AbortSignal): Promise<SeriesAnswer> => ask(req, signal);
}

/** The app's batcher: same-origin, with the session (apiFetch). */
export const fetchSeries = createSeriesBatcher((body, signal) => apiFetch('/api/v1/series/batch', { body, signal }));
