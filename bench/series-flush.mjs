// The series-index flush of many new keys must not hold the server: a run logs 100,000 new keys (3 rows), a key
// listing of it forces the flush, and meanwhile series reads of another project are timed.
// Usage: npm run build && node bench/series-flush.mjs [--keys 100000]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
const KEYS = Number(process.argv.includes('--keys') ? process.argv[process.argv.indexOf('--keys') + 1] : 100_000);
const port = await new Promise((resolve) => { const s = net.createServer().listen(0, () => { const p = s.address().port; s.close(() => resolve(p)); }); });
const url = `http://127.0.0.1:${port}`; const KEY = 'local-' + 'u'.repeat(40);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-flush-bench-'));
const server = spawn('node', ['packages/server/bin/cairn.js', 'serve', '--port', String(port), '--data-dir', dir], { env: { ...process.env, CAIRN_ADMIN_KEY: KEY, CAIRN_LOG_LEVEL: 'warn' }, stdio: 'ignore' });
process.on('exit', () => { server.kill('SIGTERM'); fs.rmSync(dir, { recursive: true, force: true }); });
for (;;) { try { if ((await fetch(`${url}/ready`)).ok) break; } catch {} await new Promise((r) => setTimeout(r, 100)); }
const headers = { authorization: `Basic ${Buffer.from(`api:${KEY}`).toString('base64')}`, 'content-type': 'application/json' };
const gql = (q, v) => fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: q, variables: v }) }).then((r) => r.json());
const mk = (p, n) => gql('mutation($p: String, $n: String) { upsertBucket(input: {modelName: $p, name: $n}) { bucket { name } } }', { p, n });
await mk('other', 'small'); await mk('keys', 'wide');
const post = (p, r, off, rows) => fetch(`${url}/files/admin/${p}/${r}/file_stream`, { method: 'POST', headers, body: JSON.stringify({ files: { 'wandb-history.jsonl': { offset: off, content: rows.map((x) => JSON.stringify(x)) } } }) }).then((r) => r.arrayBuffer());
await post('other', 'small', 0, Array.from({ length: 100 }, (_, s) => ({ _step: s, loss: s })));
const t0 = performance.now();
for (let step = 0; step < 3; step++) { const row = { _step: step }; for (let k = 0; k < KEYS; k++) row[`layer_${Math.floor(k / 100)}/param_${k % 100}`] = Math.sin(k + step); await post('keys', 'wide', step, [row]); }
console.log(`ingested ${KEYS.toLocaleString('en')} keys × 3 rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
// Force the flush now (a keys listing waits for it), and meanwhile time series reads of another project.
const t1 = performance.now();
const keysDone = fetch(`${url}/api/v1/runs/admin/keys/wide/keys?limit=1`, { headers }).then((r) => r.json()).then(() => performance.now() - t1);
const lat = []; let done = false; keysDone.then(() => { done = true; });
while (!done) {
  const s = performance.now();
  await fetch(`${url}/api/v1/series`, { method: 'POST', headers, body: JSON.stringify({ entity: 'admin', project: 'other', runs: ['small'], keys: ['loss'], buckets: 50 }) }).then((r) => r.json());
  lat.push(performance.now() - s);
  await new Promise((r) => setTimeout(r, 50));
}
lat.sort((a, b) => a - b);
console.log(`flush (keys listing waited) ${((await keysDone) / 1000).toFixed(1)} s; meanwhile ${lat.length} series reads of another project: median ${lat[lat.length >> 1].toFixed(0)} ms, max ${lat.at(-1).toFixed(0)} ms`);
process.exit(0);
