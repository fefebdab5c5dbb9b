import { addPoint, emptySummary, planStepBuckets, type RunId, type Summary } from '@cairn/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlHistoryStore } from './history-store.js';
import { SeriesIndex } from './series-index.js';
import { sqlBackends } from './sql-backends.test-support.js';
import type { SqlDatabase } from './sql-database.js';

const RUN = 7 as RunId;

/** Deterministic noisy series with spikes, NaNs and a gap, to compare against brute force. */
function points(n: number, every = 1): [number, number][] {
  const out: [number, number][] = [];
  for (let step = 0; step < n; step += every) {
    if (step > n / 3 && step < n / 3 + 50) continue; // a gap
    let v = Math.sin(step / 37) * 10 + ((step * 7919) % 13);
    if (step % 997 === 0) v = 1000; // a spike
    if (step % 1231 === 0) v = NaN;
    out.push([step, v]);
  }
  return out;
}

function bruteForce(pts: [number, number][], plan: ReturnType<typeof planStepBuckets>): Summary[] {
  const out = Array.from({ length: plan.count }, emptySummary);
  for (const [step, v] of pts) {
    const b = Math.floor((step - plan.start) / plan.width);
    if (b >= 0 && b < plan.count) addPoint(out[b]!, step, v);
  }
  return out;
}

const same = (a: Summary[], b: Summary[]) => {
  expect(a.length).toBe(b.length);
  a.forEach((s, i) => {
    expect({ ...s, last: String(s.last) }).toEqual({ ...b[i]!, last: String(b[i]!.last) });
  });
};

for (const backend of sqlBackends()) {
  describe(`SeriesIndex: ${backend.name}`, () => {
    let sqlDb: SqlDatabase;
    let dispose: () => Promise<void>;
    beforeEach(async () => {
      ({ sqlDb, dispose } = await backend.open());
    });
    afterEach(() => dispose());

    const ingest = (index: SeriesIndex, pts: [number, number][], key = 'loss') =>
      index.ingest(RUN, pts.map(([step, v], i) => ({ seq: i, step, row: { _step: step, [key]: v } })));

    it('answers every bucket width exactly, flushed or still in memory', async () => {
      const pts = points(20_000);
      const index = new SeriesIndex(sqlDb);
      ingest(index, pts.slice(0, 15_000));
      await index.flush();
      ingest(index, pts.slice(15_000)); // the tail stays in memory
      for (const [lo, hi, n] of [[0, 19_999, 1000], [0, 19_999, 10], [0, 19_999, 3], [5_000, 5_300, 100], [123, 17_777, 50], [19_000, 19_999, 2000]]) {
        const plan = planStepBuckets(lo!, hi!, n!);
        same(await index.buckets(RUN, 'loss', plan), bruteForce(pts, plan));
      }
    });

    it('uses rollups for wide buckets, exactly, also over chunks still in memory', async () => {
      const pts = points(300_000, 3);
      const index = new SeriesIndex(sqlDb);
      ingest(index, pts.slice(0, 90_000));
      await index.flush();
      ingest(index, pts.slice(90_000)); // in memory: rollups below them must not be trusted
      for (const n of [1, 2, 3, 9, 40]) {
        const plan = planStepBuckets(0, 299_999, n);
        same(await index.buckets(RUN, 'loss', plan), bruteForce(pts, plan));
      }
      await index.flush();
      for (const n of [1, 3, 9]) {
        const plan = planStepBuckets(0, 299_999, n);
        same(await index.buckets(RUN, 'loss', plan), bruteForce(pts, plan));
      }
    });

    it('answers several runs in one call on one plan', async () => {
      const index = new SeriesIndex(sqlDb);
      const a = points(5000);
      const b = points(8000, 2);
      index.ingest(RUN, a.map(([step, v], i) => ({ seq: i, step, row: { loss: v } })));
      index.ingest(8 as RunId, b.map(([step, v], i) => ({ seq: i, step, row: { loss: v } })));
      await index.flush();
      const plan = planStepBuckets(0, 7999, 100);
      const got = await index.bucketsMany([RUN, 8 as RunId, 9 as RunId], 'loss', plan);
      same(got.get(RUN)!, bruteForce(a, plan));
      same(got.get(8 as RunId)!, bruteForce(b, plan));
      expect(got.get(9 as RunId)!.every((s) => s.count === 0)).toBe(true);
    });

    it('keeps the spike in the band at any zoom', async () => {
      const index = new SeriesIndex(sqlDb);
      ingest(index, points(50_000));
      await index.flush();
      const plan = planStepBuckets(0, 49_999, 20);
      const max = Math.max(...(await index.buckets(RUN, 'loss', plan)).map((s) => s.max));
      expect(max).toBe(1000);
    });

    it('sparse keys and nested keys are indexed under their dotted names', async () => {
      const index = new SeriesIndex(sqlDb);
      index.ingest(RUN, [
        { seq: 0, step: 0, row: { _step: 0, train: { loss: 1 }, img: { _type: 'image-file', path: 'x' }, tag: 'a' } },
        { seq: 1, step: 5000, row: { _step: 5000, train: { loss: 2 } } },
      ]);
      const keys = await index.listKeys(RUN, { limit: 100 });
      expect(keys.map((k) => k.key)).toEqual(['_step', 'img', 'tag', 'train', 'train.loss']);
      expect(keys.find((k) => k.key === 'train.loss')).toMatchObject({ stepLo: 0, stepHi: 5000, count: 2 });
      expect((await index.listKeys(RUN, { limit: 100, numericOnly: true })).map((k) => k.key)).toEqual(['train.loss']);
      expect((await index.listKeys(RUN, { limit: 100, search: 'LOSS' })).map((k) => k.key)).toEqual(['train.loss']);
      expect((await index.listKeys(RUN, { limit: 2, after: 'img' })).map((k) => k.key)).toEqual(['tag', 'train']);
      expect(await index.stepRange([RUN], 'train.loss')).toEqual({ lo: 0, hi: 5000 });
    });

    it('rebuilds from raw rows after a restart (nothing was flushed)', async () => {
      const history = new SqlHistoryStore(sqlDb);
      const pts = points(3000);
      await history.append(RUN, 'history', '', 0, pts.map(([step, v]) => JSON.stringify({ _step: step, loss: Number.isNaN(v) ? null : v })));
      const fresh = new SeriesIndex(sqlDb);
      const plan = planStepBuckets(0, 2999, 100);
      const expected = bruteForce(pts.map(([s, v]) => [s, Number.isNaN(v) ? NaN : v]).filter(([, v]) => !Number.isNaN(v)) as [number, number][], plan);
      same(await fresh.buckets(RUN, 'loss', plan), expected);
    });

    it('holds 100,000 keys in one run: listing is paged and searchable, one key reads alone', async () => {
      const history = new SqlHistoryStore(sqlDb);
      const keysPerRow = 10_000;
      for (let r = 0; r < 10; r++) {
        const row: Record<string, number> = { _step: r };
        for (let k = 0; k < keysPerRow; k++) row[`m/${String(r * keysPerRow + k).padStart(6, '0')}`] = r + k;
        await history.append(RUN, 'history', '', r, [JSON.stringify(row)]);
      }
      await history.flush();
      const first = await history.keys(RUN, { limit: 100 });
      expect(first.keys).toHaveLength(100);
      expect(first.lastStep).toBe(9);
      const next = await history.keys(RUN, { limit: 100, after: first.keys.at(-1)! });
      expect(next.keys[0]! > first.keys.at(-1)!).toBe(true);
      expect((await history.keys(RUN, { search: '099999', limit: 10 })).keys).toEqual(['m/099999']);
      const [b] = await history.buckets(RUN, 'm/054321', planStepBuckets(0, 9, 1));
      expect(b).toMatchObject({ count: 1, last: 5 + 4321 });
      await history.close();
    }, 180_000);

    it('a re-logged step replaces its value instead of counting twice', async () => {
      const index = new SeriesIndex(sqlDb);
      ingest(index, [[0, 1], [1, 2]]);
      await index.flush();
      ingest(index, [[1, 5]]);
      await index.flush();
      const [b] = await index.buckets(RUN, 'loss', planStepBuckets(0, 1, 1));
      expect(b).toMatchObject({ count: 2, max: 5, last: 5 });
    });

    it('flushes many keys a slice at a time: reads are answered between slices, and every key ends up exact', async () => {
      const index = new SeriesIndex(sqlDb, 2_000_000, 3); // 3 keys per transaction
      const keys = Array.from({ length: 20 }, (_, k) => `k${String(k).padStart(2, '0')}`);
      const pts = points(3000);
      index.ingest(RUN, pts.map(([step, v], i) => ({ seq: i, step, row: Object.fromEntries([['_step', step], ...keys.map((k, j) => [k, v + j])]) })));
      let flushed = false;
      const flushing = index.flush().then(() => {
        flushed = true;
      });
      // A read of the last key (its slice not written yet) is answered while the flush is still going on.
      const plan = planStepBuckets(0, 2999, 50);
      const early = await index.buckets(RUN, 'k19', plan);
      expect(flushed).toBe(false);
      same(early, bruteForce(pts.map(([step, v]) => [step, v + 19]), plan));
      await flushing;
      const stored = await sqlDb.db.selectFrom('series_state').select('indexed_seq').where('run_id', '=', RUN).executeTakeFirst();
      expect(stored?.indexed_seq).toBe(pts.length - 1);
      expect((await index.listKeys(RUN, { limit: 100 })).map((k) => k.key)).toEqual(['_step', ...keys]);
      // A fresh index (another process, or after a restart) reads every key from what was written.
      const fresh = new SeriesIndex(sqlDb);
      for (const k of [0, 7, 19]) same(await fresh.buckets(RUN, keys[k]!, plan), bruteForce(pts.map(([step, v]) => [step, v + k]), plan));
    });
  });
}
