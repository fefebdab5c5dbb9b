// Benchmark (b) of the history issue: file_stream ingest from many concurrent runs.
// Usage: npm run build && node bench/ingest.mjs [--runs 100] [--metrics 100] [--steps 1000] [--rows 100]
//        [--url http://host:port --key KEY]   (default: starts its own Cairn on a free port, SQLite)
// Speaks the SDK's wire format (protocol §4): each request carries `rows` history lines at the next offset.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const arg = (name, dflt) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : dflt);
const RUNS = Number(arg('runs', 100));
const METRICS = Number(arg('metrics', 100));
const STEPS = Number(arg('steps', 1000));
const ROWS = Number(arg('rows', 100));
let url = arg('url', null);
let key = arg('key', 'local-' + 'b'.repeat(40));
let server = null;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-ingest-'));

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

if (!url) {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawn('node', ['packages/server/bin/cairn.js', 'serve', '--port', String(port), '--data-dir', dir],
    { env: { ...process.env, CAIRN_ADMIN_KEY: key, CAIRN_LOG_LEVEL: 'warn' }, stdio: 'ignore' });
  // The server we started never outlives us, whatever way we end (errors, a closed pipe, Ctrl-C).
  process.on('exit', () => server.kill('SIGTERM'));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGPIPE']) process.on(signal, () => process.exit(1));
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${url}/ready`)).ok) break; } catch { /* not yet */ }
    if (i > 200) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}
const auth = `Basic ${Buffer.from(`api:${key}`).toString('base64')}`;
const project = `ingest-${Date.now()}`;

async function gql(query, variables) {
  const r = await fetch(`${url}/graphql`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = await r.json();
  if (!r.ok || body.errors) throw new Error(JSON.stringify(body));
  return body.data;
}

const runIds = [];
for (let r = 0; r < RUNS; r++) {
  const d = await gql('mutation($p: String, $n: String) { upsertBucket(input: {modelName: $p, name: $n}) { bucket { name project { entity { name } } } } }', { p: project, n: `run${r}` });
  runIds.push([d.upsertBucket.bucket.project.entity.name, d.upsertBucket.bucket.name]);
}

const latencies = [];
const metricNames = Array.from({ length: METRICS }, (_, i) => `train/metric_${i}`);
async function driveRun([entity, run]) {
  for (let offset = 0; offset < STEPS; offset += ROWS) {
    const lines = [];
    for (let step = offset; step < Math.min(offset + ROWS, STEPS); step++) {
      const row = { _step: step, _runtime: step * 0.1, _timestamp: 1.7e9 + step * 0.1 };
      for (let m = 0; m < METRICS; m++) row[metricNames[m]] = Math.sin(step / 100 + m);
      lines.push(JSON.stringify(row));
    }
    const body = JSON.stringify({ files: { 'wandb-history.jsonl': { offset, content: lines } } });
    const t0 = performance.now();
    const r = await fetch(`${url}/files/${entity}/${project}/${run}/file_stream`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body });
    await r.arrayBuffer();
    latencies.push(performance.now() - t0);
    if (!r.ok) throw new Error(`file_stream ${r.status}`);
  }
}

const t0 = performance.now();
await Promise.all(runIds.map(driveRun));
const seconds = (performance.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(1);
const values = RUNS * STEPS * METRICS;
console.log(`${RUNS} runs x ${STEPS} steps x ${METRICS} metrics, ${ROWS} rows/request: ${values.toLocaleString('en')} values in ${seconds.toFixed(1)} s`);
console.log(`ingest: ${Math.round(values / seconds).toLocaleString('en')} values/s, ${Math.round((RUNS * STEPS) / seconds).toLocaleString('en')} rows/s`);
console.log(`request latency: p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${latencies.at(-1).toFixed(1)} ms (${latencies.length} requests)`);

// Every row landed exactly once.
const check = await gql('query($e: String, $p: String, $n: String!) { project(name: $p, entityName: $e) { run(name: $n) { historyLineCount } } }', { e: runIds[0][0], p: project, n: runIds[0][1] });
console.log(`run0 historyLineCount: ${check.project.run.historyLineCount} (expected ${STEPS})`);

// History read of one metric of one run, as a client would fetch it: the public API's sampled history
// (every point), and on Cairn also the chart endpoint (1,000 buckets).
const t1 = performance.now();
const hist = await gql('query($e: String, $p: String, $n: String!, $s: [JSONString!]!) { project(name: $p, entityName: $e) { run(name: $n) { sampledHistory(specs: $s) } } }',
  { e: runIds[0][0], p: project, n: runIds[0][1], s: [JSON.stringify({ keys: ['_step', 'train/metric_0'], samples: STEPS })] });
const rows = hist.project.run.sampledHistory[0];
console.log(`history read (sampledHistory, all ${rows.length} points of one metric): ${(performance.now() - t1).toFixed(1)} ms`);
const t2 = performance.now();
const series = await fetch(`${url}/api/v1/series`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' },
  body: JSON.stringify({ entity: runIds[0][0], project, runs: [runIds[0][1]], keys: ['train/metric_0'], buckets: 1000 }) });
if (series.ok) {
  await series.json();
  console.log(`chart read (/api/v1/series, 1,000 buckets of one metric): ${(performance.now() - t2).toFixed(1)} ms`);
}
if (server) server.kill('SIGTERM');
fs.rmSync(dir, { recursive: true, force: true });
