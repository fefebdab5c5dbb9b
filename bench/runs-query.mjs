// Benchmark (d) of the history issue: the runs table query at 10,000 runs — filter + sort on a summary
// metric, first page. Usage: npm run build && node bench/runs-query.mjs [--postgres postgres://…]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KyselyMetaStore } from '../packages/server/dist/store/meta-store.js';
import { migrateToLatest } from '../packages/server/dist/store/sql-database.js';
import { openSqliteDatabase } from '../packages/server/dist/store/sqlite.js';
import { openPostgresDatabase } from '../packages/server/dist/store/postgres.js';
import { parseRunFilter, parseRunOrder } from '../packages/server/dist/core/run-filter.js';

const pgUrl = process.argv.includes('--postgres') ? process.argv[process.argv.indexOf('--postgres') + 1] : null;
const RUNS = Number(process.env.RUNS ?? 10_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-bench-'));
const sqlDb = pgUrl ? openPostgresDatabase(pgUrl) : openSqliteDatabase(path.join(dir, 'bench.sqlite'));
await migrateToLatest(sqlDb);
const meta = new KyselyMetaStore(sqlDb);
const user = await meta.createUser({ username: `bench${Date.now()}`, email: null, admin: false });
const project = await meta.ensureProject(user.entityId, 'bench');

let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const t0 = performance.now();
for (let i = 0; i < RUNS; i++) {
  const summary = { loss: rand(), acc: rand(), _step: 1000, val: { loss: rand() } };
  const config = { lr: { value: 10 ** -(1 + Math.floor(rand() * 4)) }, batch: { value: 32 * (1 + (i % 4)) } };
  await meta.insertRun({
    projectId: project.id, name: `run${i}`, userId: user.id, state: i % 10 === 0 ? 'crashed' : 'finished',
    summary: JSON.stringify(summary), config: JSON.stringify(config), tags: i % 3 === 0 ? ['baseline'] : [],
  }, (n) => `run-${n}`);
}
console.log(`inserted ${RUNS} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

async function timeIt(fn, repeat = 15) {
  const times = [];
  for (let i = 0; i < repeat; i++) {
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const cases = [
  ['no filter, newest first', '{}', '-created_at'],
  ['filter summary loss < 0.5, sort by summary loss', '{"summary_metrics.loss": {"$lt": 0.5}}', '+summary_metrics.loss'],
  ['state + tag + config filter, sort by nested summary', '{"state": "finished", "tags": "baseline", "config.lr": {"$lte": 0.01}}', '-summary_metrics.val.loss'],
  ['regex on name, sort by config', '{"name": {"$regex": "^run1"}}', '+config.batch'],
];
for (const [label, filter, order] of cases) {
  const q = { filter: parseRunFilter(filter), order: parseRunOrder(order), offset: 0, limit: 50 };
  const page = await timeIt(() => meta.queryRuns(project.id, q));
  const count = await timeIt(() => meta.countRuns(project.id, q.filter));
  console.log(`${RUNS} runs, ${label}: first page ${page.toFixed(1)} ms, count ${count.toFixed(1)} ms`);
}
await sqlDb.close();
fs.rmSync(dir, { recursive: true, force: true });
