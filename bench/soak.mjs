// Soak benchmark: many concurrent SDK-like runs against one freshly started `cairn serve` (SQLite) for a long time.
// Usage: npx tsc -b packages/server && node bench/soak.mjs [--minutes 30] [--runs 100] [--interval 1] [--metrics 20]
//        [--url http://host:port --key KEY [--pid PID]]   (default: starts its own Cairn on a free port; --pid for RSS)
// Each run speaks the wire protocol like wandb-core does (protocol §3.2, §4): upsertBucket, then a file_stream
// request about every --interval seconds with new history rows, the whole summary, a system-metrics line and console
// lines, an empty heartbeat `{}` every 30 s, and `complete` at the end. A refused or failed request is re-sent at the
// same offsets on the next tick, as the SDK does. Every minute it prints server RSS, request latency p50/p99, requests,
// errors (non-2xx or network), history rows acknowledged, server CPU seconds and the machine's 1-min load average (shared machines are noisy); at the end it checks that every acknowledged row is stored.
// Exits 1 on any error or lost row.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const arg = (name, dflt) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : dflt);
const MINUTES = Number(arg('minutes', 30));
const RUNS = Number(arg('runs', 100));
const INTERVAL_MS = Number(arg('interval', 1)) * 1000;
const METRICS = Number(arg('metrics', 20));
const HEARTBEAT_MS = 30_000;
let url = arg('url', null);
const key = arg('key', 'local-' + 's'.repeat(40));
let serverPid = arg('pid', null);
let server = null;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-soak-'));

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (!url) {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const log = fs.openSync(path.join(dir, 'server.log'), 'a');
  // `node bin/cairn.js` runs the server in this very process, so its pid is the one whose RSS we read.
  server = spawn(process.execPath, ['packages/server/bin/cairn.js', 'serve', '--port', String(port), '--data-dir', path.join(dir, 'data')],
    { env: { ...process.env, CAIRN_ADMIN_KEY: key, CAIRN_LOG_LEVEL: 'warn' }, stdio: ['ignore', log, log] });
  serverPid = server.pid;
  process.on('exit', () => server.kill('SIGTERM'));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGPIPE']) process.on(signal, () => process.exit(1));
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${url}/ready`)).ok) break; } catch { /* not yet */ }
    if (server.exitCode !== null || i > 300) throw new Error(`server did not start; log: ${path.join(dir, 'server.log')}`);
    await sleep(100);
  }
}

/** Resident set size of the server in MiB (Linux), or null when unknown. */
function rssMiB() {
  if (!serverPid) return null;
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${serverPid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch { return null; }
}

/** CPU seconds (user + system) the server has used so far (Linux), or null. Robust to other load, unlike latency. */
function cpuSeconds() {
  if (!serverPid) return null;
  try {
    // Fields after "pid (comm) ": utime and stime are the 12th and 13th, in clock ticks (100 per second on Linux).
    const f = fs.readFileSync(`/proc/${serverPid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch { return null; }
}

const auth = `Basic ${Buffer.from(`api:${key}`).toString('base64')}`;
const project = `soak-${Date.now()}`;

async function gql(query, variables) {
  const r = await fetch(`${url}/graphql`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = await r.json();
  if (!r.ok || body.errors) throw new Error(`graphql ${r.status}: ${JSON.stringify(body).slice(0, 500)}`);
  return body.data;
}

// --- per-minute accounting: a request counts in the minute it completed in -------------------------------------
let minute = { latencies: [], requests: 0, errors: 0, rows: 0 };
const minutes = [];
const errorSamples = [];
function record(ms, ok, rows, what) {
  minute.latencies.push(ms);
  minute.requests++;
  if (ok) minute.rows += rows;
  else {
    minute.errors++;
    if (errorSamples.length < 20) errorSamples.push(what);
  }
}
const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : NaN);
let lastCpu = cpuSeconds();
let minuteStart = Date.now();
function closeMinute() {
  const seconds = (Date.now() - minuteStart) / 1000;
  minuteStart = Date.now();
  const lat = minute.latencies.sort((a, b) => a - b);
  const cpuNow = cpuSeconds();
  const cpu = cpuNow !== null && lastCpu !== null ? cpuNow - lastCpu : null;
  lastCpu = cpuNow;
  const m = { n: minutes.length + 1, partial: seconds < 55, rss: rssMiB(), cpu, p50: pct(lat, 0.5), p99: pct(lat, 0.99), max: lat.at(-1) ?? NaN, requests: minute.requests, errors: minute.errors, rows: minute.rows };
  minutes.push(m);
  minute = { latencies: [], requests: 0, errors: 0, rows: 0 };
  console.log(`min ${String(m.n).padStart(3)}${m.partial ? ` (last ${seconds.toFixed(0)} s, finishing)` : ''}  rss ${m.rss?.toFixed(1) ?? '?'} MiB  p50 ${m.p50.toFixed(1)} ms  p99 ${m.p99.toFixed(1)} ms  max ${m.max.toFixed(1)} ms  requests ${m.requests}  errors ${m.errors}  rows acked ${m.rows}  server cpu ${m.cpu?.toFixed(1) ?? '?'} s (${m.cpu === null ? '?' : ((m.cpu * 1000) / Math.max(1, m.requests)).toFixed(1)} ms/request)  load ${os.loadavg()[0].toFixed(1)}`);
}

// --- one run, as wandb-core drives it ----------------------------------------------------------------------------
const metricNames = Array.from({ length: METRICS }, (_, i) => `train/metric_${i}`);
const t0 = Date.now();
const endAt = t0 + MINUTES * 60_000;

async function timed(fn, rows, what) {
  const start = performance.now();
  try {
    const r = await fn();
    const body = await r.text();
    const ok = r.status >= 200 && r.status < 300;
    record(performance.now() - start, ok, rows, ok ? null : `${what}: HTTP ${r.status} ${body.slice(0, 200)}`);
    return ok;
  } catch (e) {
    record(performance.now() - start, false, 0, `${what}: ${e?.cause?.code ?? e?.message ?? e}`);
    return false;
  }
}

async function driveRun(index) {
  const name = `run${index}`;
  const created = await gql('mutation($p: String, $n: String, $c: JSONString) { upsertBucket(input: {modelName: $p, name: $n, config: $c}) { bucket { name project { entity { name } } } } }',
    { p: project, n: name, c: JSON.stringify({ lr: { value: 0.001 * (index + 1) }, batch: { value: 64 } }) });
  const entity = created.upsertBucket.bucket.project.entity.name;
  const fsUrl = `${url}/files/${entity}/${project}/${name}/file_stream`;
  const post = (payload) => () => fetch(fsUrl, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(payload) });
  const state = { index, entity, name, acked: 0, history: 0, events: 0, output: 0 };
  const started = Date.now();
  let lastRequest = Date.now();
  // Spread the runs over the first interval so they do not all tick together.
  await sleep(Math.random() * INTERVAL_MS);
  while (Date.now() < endAt) {
    const tick = Date.now();
    const runtime = (tick - started) / 1000;
    if (tick - lastRequest >= HEARTBEAT_MS || Math.random() < 0.02) {
      // Heartbeat: the SDK sends `{}` when nothing else went out for a while; a few extra keep them in the mix.
      await timed(post({}), 0, 'heartbeat');
    }
    const rows = [];
    const nRows = 1 + Math.floor(Math.random() * 3);
    let summary = null;
    for (let i = 0; i < nRows; i++) {
      const step = state.history + i;
      const row = { _step: step, _runtime: runtime, _timestamp: tick / 1000 };
      for (let m = 0; m < METRICS; m++) row[metricNames[m]] = Math.sin(step / 50 + m) + index;
      rows.push(JSON.stringify(row));
      summary = row;
    }
    const files = {
      'wandb-history.jsonl': { offset: state.history, content: rows },
      'wandb-summary.json': { offset: 0, content: [JSON.stringify({ ...summary, _wandb: { runtime: Math.floor(runtime) } })] },
      'output.log': { offset: state.output, content: [`${new Date(tick).toISOString().replace('Z', '000')} step ${summary._step} loss ${summary[metricNames[0]].toFixed(4)}`] },
    };
    if (state.history % 10 < nRows) {
      files['wandb-events.jsonl'] = { offset: state.events, content: [JSON.stringify({ _wandb: true, _timestamp: tick / 1000, _runtime: runtime, 'system.cpu': 20 + Math.random() * 60, 'system.memory': 40 + Math.random() * 5 })] };
    }
    // Offsets advance only once the server said 2xx: a refused chunk is sent again, as wandb-core retries it.
    if (await timed(post({ files }), rows.length, 'file_stream')) {
      state.history += rows.length;
      state.acked += rows.length;
      state.output += 1;
      if (files['wandb-events.jsonl']) state.events += 1;
    }
    lastRequest = Date.now();
    await sleep(Math.max(0, INTERVAL_MS - (Date.now() - tick)) * (0.8 + Math.random() * 0.4));
  }
  // Finish: the last request carries `complete` and the exit code.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await timed(post({ complete: true, exitcode: 0 }), 0, 'finish')) break;
    await sleep(2000);
  }
  return state;
}

console.log(`soak: ${RUNS} runs, a request every ~${INTERVAL_MS / 1000} s each, ${METRICS} metrics/row, ${MINUTES} min against ${url} (server pid ${serverPid ?? '?'}, data ${dir})`);
console.log(`min   0  rss ${rssMiB()?.toFixed(1) ?? '?'} MiB (idle, before load)`);
const ticker = setInterval(closeMinute, 60_000);
const results = await Promise.all(Array.from({ length: RUNS }, (_, i) => driveRun(i)));
clearInterval(ticker);
if (minute.requests > 0) closeMinute();

// --- verification: every acknowledged history row is stored, every run finished -------------------------------
let lost = 0;
let unfinished = 0;
for (const s of results) {
  const d = await gql('query($e: String, $p: String, $n: String!) { project(name: $p, entityName: $e) { run(name: $n) { historyLineCount state } } }',
    { e: s.entity, p: project, n: s.name });
  // Read the rows themselves back (not only the line counter): one per acknowledged step, in order, with its value.
  const h = await gql('query($e: String, $p: String, $n: String!, $s: [JSONString!]!) { project(name: $p, entityName: $e) { run(name: $n) { sampledHistory(specs: $s) } } }',
    { e: s.entity, p: project, n: s.name, s: [JSON.stringify({ keys: ['_step', metricNames[0]], samples: s.acked + 100 })] });
  const rows = h.project.run.sampledHistory[0];
  const good = rows.filter((row, i) => row._step === i && row[metricNames[0]] === Math.sin(i / 50) + s.index).length;
  const stored = d.project.run.historyLineCount;
  if (stored !== s.acked || rows.length !== s.acked || good !== s.acked) {
    lost += Math.max(1, s.acked - good);
    console.log(`${s.name}: ${s.acked} rows acknowledged; line count ${stored}, rows read back ${rows.length}, of which ${good} match`);
  }
  if (d.project.run.state !== 'finished') {
    unfinished++;
    console.log(`${s.name}: state ${d.project.run.state}, expected finished`);
  }
}

// Totals count every request; the first/last comparisons use whole minutes (the tail is a few seconds of finishing).
const all = minutes.filter((m) => m.requests > 0);
const full = all.some((m) => !m.partial) ? all.filter((m) => !m.partial) : all;
const totalErrors = all.reduce((a, m) => a + m.errors, 0);
const totalRequests = all.reduce((a, m) => a + m.requests, 0);
const totalRows = results.reduce((a, s) => a + s.acked, 0);
const p99s = full.map((m) => m.p99);
console.log('--- summary ---');
console.log(`requests ${totalRequests}, errors ${totalErrors}, history rows acknowledged ${totalRows}, lost ${lost}, runs not finished ${unfinished}`);
console.log(`server RSS: first minute ${full[0]?.rss?.toFixed(1)} MiB, last minute ${full.at(-1)?.rss?.toFixed(1)} MiB, max ${Math.max(...full.map((m) => m.rss ?? 0)).toFixed(1)} MiB`);
const cpuPerRequest = full.filter((m) => m.cpu !== null).map((m) => (m.cpu * 1000) / Math.max(1, m.requests));
if (cpuPerRequest.length) console.log(`server CPU per request: first minute ${cpuPerRequest[0].toFixed(1)} ms, last minute ${cpuPerRequest.at(-1).toFixed(1)} ms`);
console.log(`per-minute p99: min ${Math.min(...p99s).toFixed(1)} ms, median ${[...p99s].sort((a, b) => a - b)[Math.floor(p99s.length / 2)]?.toFixed(1)} ms, max ${Math.max(...p99s).toFixed(1)} ms`);
if (errorSamples.length) console.log(`first errors:\n  ${errorSamples.join('\n  ')}`);
if (server) server.kill('SIGTERM');
const failed = totalErrors > 0 || lost > 0 || unfinished > 0;
if (!failed) fs.rmSync(dir, { recursive: true, force: true });
else console.log(`FAILED (server log and data kept in ${dir})`);
process.exit(failed ? 1 : 0);
