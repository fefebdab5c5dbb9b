// Benchmark (c) of the history issue: bucketed reads cost O(buckets), not O(points).
// Usage: npm run build && node bench/history-reads.mjs [--postgres postgres://…]
// Prints ms per read (median of repeated reads) for 1 run × 1,000,000 steps and 100 runs × 100,000 steps.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { planStepBuckets } from '../packages/shared/dist/index.js';
import { SeriesIndex } from '../packages/server/dist/store/series-index.js';
import { migrateToLatest } from '../packages/server/dist/store/sql-database.js';
import { openSqliteDatabase } from '../packages/server/dist/store/sqlite.js';
import { openPostgresDatabase } from '../packages/server/dist/store/postgres.js';

const pgUrl = process.argv.includes('--postgres') ? process.argv[process.argv.indexOf('--postgres') + 1] : null;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-bench-'));
const sqlDb = pgUrl ? openPostgresDatabase(pgUrl) : openSqliteDatabase(path.join(dir, 'bench.sqlite'));
await migrateToLatest(sqlDb);
const index = new SeriesIndex(sqlDb);

async function fill(run, steps) {
  const batch = [];
  for (let step = 0; step < steps; step++) {
    batch.push({ seq: step, step, row: { loss: Math.sin(step / 100) + (step % 9973 === 0 ? 50 : 0) } });
    if (batch.length === 50_000) {
      index.ingest(run, batch.splice(0));
      await index.flush();
    }
  }
  index.ingest(run, batch.splice(0));
  await index.flush();
}

async function timeIt(fn, repeat = 15) {
  const times = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const t0 = performance.now();
await fill(1, 1_000_000);
console.log(`filled 1 run x 1,000,000 steps in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
for (const n of [10, 100, 1000, 5000]) {
  const plan = planStepBuckets(0, 999_999, n);
  const ms = await timeIt(() => index.buckets(1, 'loss', plan));
  console.log(`1 run x 1M steps, ${plan.count} buckets (width ${plan.width}): ${ms.toFixed(2)} ms`);
}
for (const [lo, hi] of [[0, 9_999], [500_000, 509_999]]) {
  const plan = planStepBuckets(lo, hi, 1000);
  const ms = await timeIt(() => index.buckets(1, 'loss', plan));
  console.log(`1 run, zoom to ${hi - lo + 1} steps, ${plan.count} buckets (width ${plan.width}): ${ms.toFixed(2)} ms`);
}

const t1 = performance.now();
for (let run = 100; run < 200; run++) await fill(run, 100_000);
console.log(`filled 100 runs x 100,000 steps in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
for (const n of [100, 1000]) {
  const plan = planStepBuckets(0, 99_999, n);
  const ms = await timeIt(async () => {
    for (let run = 100; run < 200; run++) await index.buckets(run, 'loss', plan);
  }, 5);
  console.log(`100 runs x 100k steps, ${plan.count} buckets each (width ${plan.width}): ${ms.toFixed(1)} ms`);
}
await sqlDb.close();
fs.rmSync(dir, { recursive: true, force: true });
