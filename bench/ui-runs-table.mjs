// Benchmark (c) of the web UI issue, in real headless Chromium (playwright-core + Debian chromium): a runs table
// of RUNS runs. (1) Sort by a summary column: click on the header → the table's first row is the run the server
// says is first (server-side sort of all RUNS runs, one page fetched, rows re-rendered). (2) Scrolling: the table
// scrolled by SCROLL_PX every animation frame for SCROLL_MS (pages load as it goes); frame times and long tasks.
// Usage: npm run build && npm run build -w @cairn/web && node bench/ui-runs-table.mjs [--runs 10000] [--repeat 5]
//   [--data-dir DIR]: keep the data in DIR and reuse it on the next run (population, ~3 min for 10,000 runs, is
//   skipped when DIR already holds RUNS runs); without it a temporary directory is used and removed.
// Starts its own Cairn (SQLite) on a free port; populates through upsertBucket (the SDK's run mutation), 16 at a time.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { signedInPage, fmtMs, median, percentile } from './browser.mjs';

const arg = (name, dflt) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : dflt);
const RUNS = Number(arg('runs', 10_000));
const REPEAT = Number(arg('repeat', 5));
const SCROLL_MS = Number(arg('scroll-ms', 4000));
const SCROLL_PX = Number(arg('scroll-px', 120));
const KEY = 'local-' + 't'.repeat(40);
const PASSWORD = 'benchmark password 123';
const PROJECT = 'table-bench';
const keptDir = arg('data-dir', null);
const dir = keptDir ? path.resolve(keptDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-table-bench-'));
fs.mkdirSync(dir, { recursive: true });
// Written after a complete population only, so an interrupted one is redone.
const populatedMarker = path.join(dir, `.bench-populated-${RUNS}`);
const reuse = keptDir != null && fs.existsSync(populatedMarker);
const CAIRN = 'packages/server/bin/cairn.js';

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const server = spawn('node', [CAIRN, 'serve', '--port', String(port), '--data-dir', dir],
  { env: { ...process.env, CAIRN_ADMIN_KEY: KEY, CAIRN_LOG_LEVEL: 'warn' }, stdio: 'ignore' });
process.on('exit', () => { server.kill('SIGTERM'); if (!keptDir) fs.rmSync(dir, { recursive: true, force: true }); });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(1));
for (let i = 0; ; i++) {
  try { if ((await fetch(`${url}/ready`)).ok) break; } catch { /* not yet */ }
  if (i > 300) throw new Error('server did not start');
  await new Promise((r) => setTimeout(r, 100));
}
const pw = spawnSync('node', [CAIRN, 'users', 'set-password', 'admin', '--data-dir', dir], { input: PASSWORD, env: { ...process.env, CAIRN_LOG_LEVEL: 'warn' } });
if (pw.status !== 0) throw new Error(`set-password failed: ${pw.stderr}`);

const headers = { authorization: `Basic ${Buffer.from(`api:${KEY}`).toString('base64')}`, 'content-type': 'application/json' };
const UPSERT = 'mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { name } } }';
// A deterministic spread of values: the sort has real work and a known winner.
const accOf = (r) => ((r * 7919) % RUNS) / RUNS;
async function createRun(r) {
  const input = {
    modelName: PROJECT, name: `run${r}`, groupName: `g${r % 20}`, jobType: r % 3 ? 'train' : 'eval',
    config: JSON.stringify({ lr: { value: 10 ** -(1 + (r % 4)) }, batch: { value: 2 ** (4 + (r % 5)) }, seed: { value: r } }),
    summaryMetrics: JSON.stringify({ acc: accOf(r), loss: 1 - accOf(r) }),
  };
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: UPSERT, variables: { i: input } }) });
  const body = await res.json();
  if (!res.ok || body.errors) throw new Error(JSON.stringify(body));
}
if (reuse) console.log(`reusing ${RUNS} runs in ${dir}`);
else {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => { while (next < RUNS) await createRun(next++); }));
  console.log(`populated ${RUNS} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (keptDir) fs.writeFileSync(populatedMarker, '');
}

const pct = percentile;
const fmt = fmtMs;

const { browser, context, page } = await signedInPage(url, 'admin', PASSWORD);

const navStart = performance.now();
await page.goto(`${url}/admin/${PROJECT}`);
await page.waitForFunction((n) => document.querySelector('[data-testid="runs-total"]')?.textContent?.startsWith(`${n} runs`), RUNS);
await page.locator('.runs-table [data-run]').first().waitFor();
console.log(`workspace with ${RUNS} runs: first rows shown ${(performance.now() - navStart).toFixed(0)} ms after navigation`);

// The summary columns sit right of the pinned ones: scroll them into view (columns are virtualised).
await page.locator('.runs-table-scroll').evaluate((el) => { el.scrollLeft = el.scrollWidth; });
const sortButton = page.getByRole('button', { name: 'Sort by summary: acc' });
await sortButton.waitFor();
const best = `run${Array.from({ length: RUNS }, (_, r) => r).reduce((a, b) => (accOf(b) > accOf(a) ? b : a))}`;
const worst = `run${Array.from({ length: RUNS }, (_, r) => r).reduce((a, b) => (accOf(b) < accOf(a) ? b : a))}`;
const firstRow = () => document.querySelector('.runs-table [data-run]')?.getAttribute('data-run');
const sortTimes = [];
// Clicks cycle: descending (best first) → ascending (worst first) → unsorted; time the two sorted states.
for (let i = 0; i < REPEAT; i++) {
  for (const want of [best, worst]) {
    const start = await page.evaluate(() => performance.now());
    await sortButton.click();
    const end = await page.waitForFunction(([name, fn]) => (new Function(`return (${fn})()`)() === name ? performance.now() : false),
      [want, firstRow.toString()], { polling: 'raf' });
    sortTimes.push((await end.jsonValue()) - start);
  }
  await sortButton.click(); // back to unsorted
  await page.waitForFunction((names) => !names.includes(document.querySelector('.runs-table [data-run]')?.getAttribute('data-run')), [best, worst]);
}
console.log(`(c) sort ${RUNS} runs by a summary column (click → first row is the right run): ${fmt(sortTimes)}`);

// Reference: frame times of this browser on this machine with nothing moving (headless, software rendering).
const idle = await page.evaluate(() => new Promise((resolve) => {
  const frames = [];
  let last = performance.now();
  const step = (now) => { frames.push(now - last); last = now; if (frames.length < 60) requestAnimationFrame(step); else resolve(frames.slice(1)); };
  requestAnimationFrame(step);
}));
console.log(`idle frames (reference): median ${median(idle).toFixed(1)} ms, p95 ${pct(idle, 0.95).toFixed(1)} ms`);

// Scrolling: SCROLL_PX per frame, like a fast wheel/drag, while pages of rows load behind it.
// --cpu-profile FILE: also records a V8 CPU profile of the scroll (open it in Chrome DevTools) to find the cause.
const cpuProfile = arg('cpu-profile', null);
const cdp = cpuProfile ? await page.context().newCDPSession(page) : null;
// --trace FILE: a Chromium performance trace of the scroll (load it in DevTools' Performance panel).
const traceFile = arg('trace', null);
if (traceFile) await browser.startTracing(page, { path: traceFile, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'cc'] });
if (cdp) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 200 }); await cdp.send('Profiler.start'); }
const scroll = await page.locator('.runs-table-scroll').evaluate(async (el, [ms, px]) => {
  const longTasks = [];
  // Each long frame with where its time went: scripts (and the longest one's invoker), style+layout, the rest (paint).
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const scripts = e.scripts ?? [];
      const top = scripts.reduce((a, b) => (b.duration > (a?.duration ?? -1) ? b : a), null);
      const layout = e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0;
      longTasks.push({ duration: e.duration, script: scripts.reduce((n, x) => n + x.duration, 0), layout, top: top ? `${top.invoker} ${Math.round(top.duration)} ms` : '' });
    }
  });
  try { obs.observe({ type: 'long-animation-frame', buffered: false }); } catch { obs.observe({ type: 'longtask', buffered: false }); }
  el.scrollLeft = 0;
  const frames = [];
  await new Promise((resolve) => {
    const start = performance.now();
    let last = start;
    const step = (now) => {
      frames.push(now - last);
      last = now;
      el.scrollTop += px;
      if (now - start < ms) requestAnimationFrame(step); else resolve();
    };
    requestAnimationFrame(step);
  });
  obs.disconnect();
  return { frames, longTasks, rowsLoaded: el.querySelectorAll('[data-run]').length, scrollTop: el.scrollTop };
}, [SCROLL_MS, SCROLL_PX]);
if (traceFile) await browser.stopTracing();
if (cdp) fs.writeFileSync(cpuProfile, JSON.stringify((await cdp.send('Profiler.stop')).profile));
const frames = scroll.frames.slice(1);
console.log(`(c) scroll ${SCROLL_MS} ms at ${SCROLL_PX} px/frame: ${frames.length} frames, median ${median(frames).toFixed(1)} ms, p95 ${pct(frames, 0.95).toFixed(1)} ms, max ${Math.max(...frames).toFixed(1)} ms; frames over 50 ms: ${frames.filter((f) => f > 50).length}; long animation frames: ${scroll.longTasks.length}${scroll.longTasks.length ? ` (max ${Math.max(...scroll.longTasks.map((t) => t.duration)).toFixed(0)} ms)` : ''}; scrolled to ${Math.round(scroll.scrollTop / 32)} rows`);
for (const t of scroll.longTasks) console.log(`  long frame ${t.duration.toFixed(0)} ms: scripts ${t.script.toFixed(0)} ms${t.top ? ` (longest: ${t.top})` : ''}, style+layout ${t.layout.toFixed(0)} ms`);
console.log(`rows in the DOM while scrolling: ${scroll.rowsLoaded} (virtualised)`);
await browser.close();
// The spawned server keeps the event loop alive; exiting runs the clean-up above (stops it).
process.exit(0);
