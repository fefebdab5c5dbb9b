// Benchmarks (a), (b), (d) of the web UI issue, in real headless Chromium (playwright-core + Debian chromium):
//  (a) workspace of RUNS runs × METRICS metrics × STEPS steps: navigation → every chart in the viewport drawn;
//  (b) zoom: drag-select on a chart → every chart in the viewport re-bucketed from the server and drawn;
//  (d) live: a history row posted to file_stream → the open chart showing it (server push, SSE).
// Usage: npm run build && node bench/ui-charts.mjs [--runs 100] [--metrics 20] [--steps 100000] [--skip-a] [--data-dir DIR]
// Starts its own Cairn (SQLite) on a free port; populates through file_stream (the SDK's wire format), not the SDK:
// the big workspace of (a) in-process before the server starts (populate-workspace.mjs), the rest over HTTP.
// --data-dir DIR keeps the data dir and reuses a workspace of the same shape already populated there.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { signedInPage, fmtMs } from './browser.mjs';
import { ADMIN_KEY, metricNamesFor, populate, populatedShape, rowAt as workspaceRow, runName } from './populate-workspace.mjs';

const arg = (name, dflt) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : dflt);
const RUNS = Number(arg('runs', 100));
const METRICS = Number(arg('metrics', 20));
const STEPS = Number(arg('steps', 100_000));
const ROWS = Number(arg('rows', 2000));
const DATA_DIR = arg('data-dir');
const SKIP_A = process.argv.includes('--skip-a');
const REPEAT = Number(arg('repeat', 5));
const KEY = ADMIN_KEY;
const PASSWORD = 'benchmark password 123';
const dir = DATA_DIR ? path.resolve(DATA_DIR) : fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-ui-bench-'));
// Projects written over HTTP below get a fresh name on a reused data dir (re-sent steps would be dropped as replays).
const suffix = DATA_DIR ? `-${Date.now().toString(36)}` : '';
const CAIRN = 'packages/server/bin/cairn.js';

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
// ---------- populate the big workspace (in-process, before the server starts) ----------
const project = 'ws-bench';
if (!SKIP_A) {
  const have = populatedShape(dir);
  if (have && have.project === project && have.runs === RUNS && have.metrics === METRICS && have.steps === STEPS) {
    console.log(`reusing ${dir}: ${RUNS} runs × ${METRICS} metrics × ${STEPS.toLocaleString('en')} steps (populated in ${have.seconds} s)`);
  } else {
    await populate({ dataDir: dir, runs: RUNS, metrics: METRICS, steps: STEPS, rows: ROWS, project });
  }
}
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const server = spawn('node', [CAIRN, 'serve', '--port', String(port), '--data-dir', dir],
  { env: { ...process.env, CAIRN_ADMIN_KEY: KEY, CAIRN_LOG_LEVEL: 'warn' }, stdio: 'ignore' });
process.on('exit', () => { server.kill('SIGTERM'); });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(1));
for (let i = 0; ; i++) {
  try { if ((await fetch(`${url}/ready`)).ok) break; } catch { /* not yet */ }
  if (i > 300) throw new Error('server did not start');
  await new Promise((r) => setTimeout(r, 100));
}
const pw = spawnSync('node', [CAIRN, 'users', 'set-password', 'admin', '--data-dir', dir], { input: PASSWORD, env: { ...process.env, CAIRN_LOG_LEVEL: 'warn' } });
if (pw.status !== 0) throw new Error(`set-password failed: ${pw.stderr}`);

const auth = `Basic ${Buffer.from(`api:${KEY}`).toString('base64')}`;
const headers = { authorization: auth, 'content-type': 'application/json' };
async function gql(query, variables) {
  const r = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await r.json();
  if (!r.ok || body.errors) throw new Error(JSON.stringify(body));
  return body.data;
}
const createRun = (project, name) => gql('mutation($p: String, $n: String) { upsertBucket(input: {modelName: $p, name: $n}) { bucket { name } } }', { p: project, n: name });
async function postRows(project, run, offset, rows) {
  const r = await fetch(`${url}/files/admin/${project}/${run}/file_stream`, {
    method: 'POST', headers, body: JSON.stringify({ files: { 'wandb-history.jsonl': { offset, content: rows.map((row) => JSON.stringify(row)) } } }),
  });
  await r.arrayBuffer();
  if (!r.ok) throw new Error(`file_stream ${r.status}`);
}
const metricNames = metricNamesFor(METRICS);
const rowAt = (step, r) => workspaceRow(step, r, metricNames);

const fmt = fmtMs;

const { browser, context, page } = await signedInPage(url, 'admin', PASSWORD);

/** In the page: every panel in the viewport has its chart drawn and satisfies `extra(panelEl)`. */
const allVisibleDrawn = (extraSrc) => page.waitForFunction((src) => {
  const extra = src ? new Function('p', src) : () => true;
  const panels = [...document.querySelectorAll('.panel[data-panel]')].filter((p) => {
    const r = p.getBoundingClientRect();
    return r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
  });
  return panels.length > 0 && panels.every((p) => {
    const m = p.querySelector('.metric-panel');
    return m && Number(m.dataset.points) > 0 && p.querySelector('canvas') && extra(m);
  }) ? panels.length : false;
}, extraSrc, { polling: 'raf', timeout: 120_000 });

// ---------- (d) live update latency: one live run, rows posted while the chart is open ----------
if (!process.argv.includes('--skip-d')) {
  const project = `live-bench${suffix}`;
  await createRun(project, 'live');
  await postRows(project, 'live', 0, Array.from({ length: 100 }, (_, s) => rowAt(s, 0)));
  await page.goto(`${url}/admin/${project}`);
  await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();
  await allVisibleDrawn(null);
  const lat = [];
  for (let i = 0; i < 20; i++) {
    const step = 100 + i;
    const t0 = performance.now();
    await postRows(project, 'live', step, [rowAt(step, 0)]);
    await page.waitForFunction((s) => [...document.querySelectorAll('.panel[data-panel="train/metric_0"] .metric-panel')]
      .some((m) => Number(m.dataset.lastX) >= s), step, { polling: 'raf', timeout: 30_000 });
    lat.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 150));
  }
  console.log(`(d) live update, file_stream POST sent → chart drawn with the new step: ${fmt(lat)}`);
}

// ---------- many keys: a run with MANY_KEYS metric keys opens without freezing ----------
const MANY_KEYS = Number(arg('many-keys', 0));
if (MANY_KEYS > 0) {
  const project = `keys-bench${suffix}`;
  await createRun(project, 'wide');
  const t0 = performance.now();
  for (let step = 0; step < 3; step++) {
    const row = { _step: step };
    for (let k = 0; k < MANY_KEYS; k++) row[`layer_${Math.floor(k / 100)}/param_${k % 100}`] = Math.sin(k + step);
    await postRows(project, 'wide', step, [row]);
  }
  console.log(`populated one run with ${MANY_KEYS.toLocaleString('en')} keys × 3 steps in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await page.goto('about:blank');
  // The series index is flushed every 10 s; for 100k new series that flush holds the server for a while. Measured
  // after it, as a reader would meet the run later (`--no-settle` measures straight after ingest).
  if (!process.argv.includes('--no-settle')) {
    const t1 = performance.now();
    await fetch(`${url}/api/v1/runs/admin/${project}/wide/keys?limit=1`, { headers });
    await new Promise((r) => setTimeout(r, 11_000));
    await fetch(`${url}/api/v1/runs/admin/${project}/wide/keys?limit=1`, { headers });
    console.log(`waited ${((performance.now() - t1) / 1000).toFixed(1)} s for the index flush`);
  }
  await page.goto(`${url}/admin/${project}/runs/wide?tab=charts`, { waitUntil: 'commit' });
  await page.evaluate(() => {
    window.__longest = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longest = Math.max(window.__longest, e.duration); }).observe({ type: 'longtask', buffered: true });
  });
  await page.locator('.panel-section').first().waitFor({ timeout: 120_000 });
  const sections = await page.evaluate(() => performance.now());
  const slow = [];
  const onDone = (r) => { const t = r.timing(); slow.push([t.responseEnd, r.url().replace(url, ''), r.postData()?.slice(0, 120) ?? '']); };
  page.on('requestfinished', onDone);
  await page.getByLabel('Search metric keys').fill('layer_987/param_42');
  await page.locator('.panel[data-panel="layer_987/param_42"] canvas').waitFor({ timeout: 60_000 });
  const found = await page.evaluate(() => performance.now());
  const longest = await page.evaluate(() => window.__longest);
  page.off('requestfinished', onDone);
  if (process.env.BENCH_DEBUG) console.log(slow.sort((x, y) => y[0] - x[0]).slice(0, 8));
  console.log(`many keys: ${MANY_KEYS.toLocaleString('en')}-key run, navigation → sections shown ${sections.toFixed(0)} ms; search typed → a key past the first 10,000 charted at ${found.toFixed(0)} ms; longest main-thread task ${longest.toFixed(0)} ms`);
}

const zoomProject = SKIP_A ? `zoom-bench${suffix}` : project;
if (SKIP_A) {
  // (b) alone: a smaller workspace is enough to time a zoom (reads cost O(buckets), not O(points)).
  for (let r = 0; r < 10; r++) {
    await createRun(zoomProject, runName(r));
    for (let off = 0; off < STEPS; off += ROWS) await postRows(zoomProject, runName(r), off, Array.from({ length: Math.min(ROWS, STEPS - off) }, (_, i) => rowAt(off + i, r)));
  }
}

// ---------- (a) navigation → all visible charts drawn ----------
if (!SKIP_A) {
  const times = [];
  let panels = 0;
  if (process.env.BENCH_DEBUG) {
    await context.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push([Math.round(e.startTime), Math.round(e.duration)]); })
        .observe({ type: 'longtask', buffered: true });
    });
  }
  for (let i = 0; i < REPEAT; i++) {
    await page.goto('about:blank');
    await page.goto(`${url}/admin/${project}`, { waitUntil: 'commit' });
    panels = await (await allVisibleDrawn(null)).jsonValue();
    times.push(await page.evaluate(() => performance.now())); // ms since this navigation started
    if (process.env.BENCH_DEBUG) {
      console.log(await page.evaluate(() => performance.getEntriesByType('resource').map((e) => `${e.startTime.toFixed(0)}-${e.responseEnd.toFixed(0)} ${e.name.replace(location.origin, '')}`).join('\n')));
      console.log('long tasks [start, ms]:', JSON.stringify(await page.evaluate(() => window.__longTasks)));
    }
  }
  console.log(`(a) workspace ${RUNS} runs × ${METRICS} metrics × ${STEPS.toLocaleString('en')} steps, navigation → ${panels} visible charts drawn (10 runs each): ${fmt(times)}`);
}

// ---------- (b) zoom re-bucket ----------
{
  // The server's share: one zoomed series request as a chart makes it (10 runs, one key, ~300 buckets).
  const names = Array.from({ length: 10 }, (_, r) => runName(r));
  const server = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const r = await fetch(`${url}/api/v1/series`, { method: 'POST', headers, body: JSON.stringify({
      entity: 'admin', project: zoomProject, runs: names, keys: [metricNames[i % METRICS]], buckets: 300, range: { min: Math.floor(STEPS * 0.2), max: Math.floor(STEPS * 0.4) + i },
    }) });
    await r.json();
    server.push(performance.now() - t0);
  }
  console.log(`(b) server: one zoomed /api/v1/series request (10 runs × 1 key, 300 buckets): ${fmt(server)}`);
  await page.goto(`${url}/admin/${zoomProject}`);
  await allVisibleDrawn(null);
  const times = [];
  for (let i = 0; i < REPEAT; i++) {
    const over = page.locator('.panel[data-panel] .u-over').first();
    const box = await over.boundingBox();
    const a = 0.2 + 0.05 * i;
    await page.mouse.move(box.x + box.width * a, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * (a + 0.2), box.y + box.height / 2, { steps: 4 });
    const t0 = performance.now();
    await page.mouse.up();
    // Drawn from the new, zoomed answer: every visible chart's last bucket lies inside the zoomed range.
    await allVisibleDrawn(`const r = p.dataset.range; if (!r) return false; const [lo, hi] = r.split('-').map(Number);
      return Number(p.dataset.lastX) <= hi && Number(p.dataset.lastX) >= lo;`);
    times.push(performance.now() - t0);
    await page.getByRole('button', { name: 'Reset zoom' }).click();
    await allVisibleDrawn('return !p.dataset.range;');
  }
  console.log(`(b) zoom: mouse up → every visible chart re-bucketed and drawn: ${fmt(times)}`);
}

await browser.close();
server.kill('SIGTERM');
if (!DATA_DIR) fs.rmSync(dir, { recursive: true, force: true });
