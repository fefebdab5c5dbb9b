// Populates the chart benchmark's workspace (RUNS runs × METRICS metrics × STEPS steps) into a Cairn data dir,
// fast enough for 100 × 20 × 100,000 (200M values) on a small machine.
//
// It goes through the real ingest path: the server's own Fastify app (packages/server/dist, built as `cairn serve`
// builds it) in this process, fed with `app.inject` — the same routes, auth, body parsing, zod schema, FileStream
// service, HistoryStore group commit and series index as over the network, minus the sockets and a second
// process. Runs are created with upsertBucket (GraphQL), rows go to file_stream in the SDK's wire format
// (`wandb-history.jsonl` lines with _step, _runtime, _timestamp and the metric values), many requests in flight
// so that the store's group commit writes several runs per transaction.
//
// Usage: npm run build && node bench/populate-workspace.mjs --data-dir DIR [--runs 100] [--metrics 20]
//        [--steps 100000] [--rows 1000] [--inflight 16] [--project ws-bench]
// Writes DIR/bench-workspace.json when done; ui-charts.mjs --data-dir DIR reuses a matching one.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ADMIN_KEY = 'local-' + 'u'.repeat(40);
export const MARKER = 'bench-workspace.json';

export const metricNamesFor = (metrics) => Array.from({ length: metrics }, (_, i) => `${['train', 'val'][i % 2]}/metric_${i}`);
/** One history row as the SDK sends it: a smooth curve per metric with a spike every 997 steps (the band shows it). */
export function rowAt(step, run, metricNames) {
  const row = { _step: step, _runtime: step * 0.05, _timestamp: 1.7e9 + step * 0.05 };
  for (let m = 0; m < metricNames.length; m++) row[metricNames[m]] = Math.sin(step / 500 + m + run) + (step % 997 === 0 ? 5 : 0);
  return row;
}
export const runName = (r) => `run${String(r).padStart(3, '0')}`;

/** The marker of a finished populate of this shape in `dataDir`, or null. */
export function populatedShape(dataDir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, MARKER), 'utf8'));
  } catch {
    return null;
  }
}

export async function populate({ dataDir, runs, metrics, steps, rows = 1000, inflight = 16, project = 'ws-bench', log = console.log }) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { loadConfig } = await import(path.join(root, 'packages/server/dist/config.js'));
  const { startServer } = await import(path.join(root, 'packages/server/dist/main.js'));
  fs.mkdirSync(dataDir, { recursive: true });
  fs.rmSync(path.join(dataDir, MARKER), { force: true });
  const config = loadConfig({ dataDir, adminKey: ADMIN_KEY, port: 0, host: '127.0.0.1', logLevel: 'warn' }, {});
  const server = await startServer(config);
  const { app } = server;
  const headers = { authorization: `Basic ${Buffer.from(`api:${ADMIN_KEY}`).toString('base64')}`, 'content-type': 'application/json' };
  const inject = async (url, body) => {
    const r = await app.inject({ method: 'POST', url, headers, payload: JSON.stringify(body) });
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body.slice(0, 300)}`);
    return r.json();
  };
  const names = metricNamesFor(metrics);
  const t0 = performance.now();
  for (let r = 0; r < runs; r++) {
    const body = await inject('/graphql', {
      query: 'mutation($p: String, $n: String) { upsertBucket(input: {modelName: $p, name: $n}) { bucket { name } } }',
      variables: { p: project, n: runName(r) },
    });
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  }
  // Runs interleaved (chunk c of every run before chunk c+1), as a workspace of concurrent runs logs.
  const jobs = [];
  for (let off = 0; off < steps; off += rows) for (let r = 0; r < runs; r++) jobs.push([r, off]);
  let next = 0;
  let done = 0;
  let lastLog = performance.now();
  const worker = async () => {
    while (next < jobs.length) {
      const [r, off] = jobs[next++];
      const content = [];
      for (let s = off; s < Math.min(off + rows, steps); s++) content.push(JSON.stringify(rowAt(s, r, names)));
      await inject(`/files/admin/${project}/${runName(r)}/file_stream`, { files: { 'wandb-history.jsonl': { offset: off, content } } });
      done++;
      if (performance.now() - lastLog > 30_000) {
        lastLog = performance.now();
        log(`  populate: ${(100 * done / jobs.length).toFixed(0)} % after ${((lastLog - t0) / 1000).toFixed(0)} s`);
      }
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  await server.close(); // flushes the series index
  const seconds = (performance.now() - t0) / 1000;
  const shape = { project, runs, metrics, steps, seconds: Math.round(seconds) };
  fs.writeFileSync(path.join(dataDir, MARKER), JSON.stringify(shape));
  log(`populated ${runs} runs × ${metrics} metrics × ${steps.toLocaleString('en')} steps (${(runs * metrics * steps).toLocaleString('en')} values) in ${seconds.toFixed(0)} s (in-process file_stream, ${rows} rows a request, ${inflight} in flight)`);
  return shape;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, dflt) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : dflt);
  const dataDir = arg('data-dir');
  if (!dataDir) throw new Error('--data-dir DIR is required');
  await populate({
    dataDir, runs: Number(arg('runs', 100)), metrics: Number(arg('metrics', 20)), steps: Number(arg('steps', 100_000)),
    rows: Number(arg('rows', 1000)), inflight: Number(arg('inflight', 16)), project: arg('project', 'ws-bench'),
  });
  process.exit(0);
}
