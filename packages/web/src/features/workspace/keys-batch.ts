/**
 * One key-list request for all the runs a workspace charts: each run's key list is its own React Query entry
 * (live updates refresh one run's), but the lists asked for in the same tick go out as one
 * POST /api/v1/metric-keys/batch per project instead of one request per run (a browser opens at most six at a time).
 */
import { ApiError, apiFetch } from '../../lib/api';
import { createMicroBatcher } from '../../lib/micro-batch';

export interface RunKeys { keys: string[]; lastStep: number | null }
type Item = RunKeys | { error: { code: string; message: string } };
export type PostKeyBatch = (body: { entity: string; project: string; runs: string[]; limit: number }, signal: AbortSignal) => Promise<{ runs: Record<string, Item> }>;

/** The server's bound on runs per request. */
export const MAX_BATCH_RUNS = 100;

interface KeysAsk { entity: string; project: string; run: string; limit: number }

export function createKeysBatcher(post: PostKeyBatch, schedule?: (flush: () => void) => void) {
  const ask = createMicroBatcher<KeysAsk, RunKeys>({
    groupOf: (a) => JSON.stringify([a.entity, a.project, a.limit]),
    idOf: (a) => a.run,
    split: (items) => Array.from({ length: Math.ceil(items.length / MAX_BATCH_RUNS) }, (_, i) => items.slice(i * MAX_BATCH_RUNS, (i + 1) * MAX_BATCH_RUNS)),
    async send(items, signal) {
      const { entity, project, limit } = items[0]!;
      const { runs } = await post({ entity, project, limit, runs: items.map((a) => a.run) }, signal);
      return items.map(({ run }): RunKeys | Error => {
        const a = runs[run];
        if (!a) return new ApiError(500, null, 'key batch: missing answer');
        return 'error' in a ? new ApiError(404, a.error.code, a.error.message) : a;
      });
    },
  }, schedule);
  /** One run's first `limit` keys, sent with the other runs asked for in this tick. */
  return (entity: string, project: string, run: string, limit: number, signal?: AbortSignal): Promise<RunKeys> =>
    ask({ entity, project, run, limit }, signal);
}

/** The app's batcher: same-origin, with the session (apiFetch). */
export const fetchRunKeys = createKeysBatcher((body, signal) => apiFetch('/api/v1/metric-keys/batch', { body, signal }));
