// Benchmarks of the web UI issue, part 2 (artifacts), in real headless Chromium (playwright-core + Debian chromium):
// (1) registry search over VERSIONS linked versions: the search bar's GraphQL query timed from Node (server time), and
//     submit → results drawn in the browser; (2) a lineage graph of NODES nodes (one version used by NODES-1 runs):
//     click on the Lineage tab → every node laid out by ELK in the Worker and painted (next animation frame).
// Usage: npm run build && npm run build -w @cairn/web && node bench/ui-artifacts.mjs [--versions 10000] [--nodes 500] [--repeat 5]
// Starts its own Cairn (SQLite) on a free port. Linked versions are written through the stores (the SDK would take
// hours to log 10,000); the lineage's runs and their use of the version go through GraphQL (upsertBucket, useArtifact).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { signedInPage, fmtMs } from './browser.mjs';
import { encodeGqlId } from '../packages/shared/dist/index.js';
import { KyselyArtifactStore } from '../packages/server/dist/store/artifact-store.js';
import { KyselyMetaStore } from '../packages/server/dist/store/meta-store.js';
import { KyselyRegistryStore } from '../packages/server/dist/store/registry-store.js';
import { openSqliteDatabase } from '../packages/server/dist/store/sqlite.js';

const arg = (name, dflt) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : dflt);
const VERSIONS = Number(arg('versions', 10_000));
const NODES = Number(arg('nodes', 500));
const REPEAT = Number(arg('repeat', 5));
const PER_COLLECTION = 100;
const KEY = 'local-' + 'b'.repeat(40);
const PASSWORD = 'benchmark password 123';
const ORG = 'benchorg';
const SRC = 'bench-src';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-artifacts-bench-'));
const CAIRN = 'packages/server/bin/cairn.js';
const env = { ...process.env, CAIRN_ADMIN_KEY: KEY, CAIRN_LOG_LEVEL: 'warn' };
const cli = (...args) => {
  const r = spawnSync('node', [CAIRN, ...args, '--data-dir', dir], { input: PASSWORD, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cairn ${args.join(' ')}: ${r.stderr}`);
};
const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

let server = null;
let url = '';
async function startServer() {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawn('node', [CAIRN, 'serve', '--port', String(port), '--data-dir', dir], { env, stdio: 'ignore' });
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${url}/ready`)).ok) break; } catch { /* not yet */ }
    if (i > 300) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}
const stopServer = () => new Promise((resolve) => { server.once('exit', resolve); server.kill('SIGTERM'); });
process.on('exit', () => { server?.kill('SIGKILL'); fs.rmSync(dir, { recursive: true, force: true }); });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(1));

const headers = { authorization: `Basic ${Buffer.from(`api:${KEY}`).toString('base64')}`, 'content-type': 'application/json' };
async function gql(query, variables) {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (!res.ok || body.errors) throw new Error(JSON.stringify(body).slice(0, 500));
  return body.data;
}

// 1. The org, its model registry (made on first read) and a source project.
await startServer();
cli('users', 'set-password', 'admin');
cli('orgs', 'create', ORG, '--admin', 'admin');
await gql('query($o: String!) { entity(name: $o) { projects(first: 10) { edges { node { name } } } } }', { o: ORG });
await gql('mutation { upsertBucket(input: { modelName: "bench-src", name: "seed" }) { bucket { name } } }', {});
await stopServer();

// 2. VERSIONS versions in VERSIONS/PER_COLLECTION sequences, each linked into its own registry collection.
const t0 = performance.now();
const db = openSqliteDatabase(path.join(dir, 'cairn.sqlite'));
const meta = new KyselyMetaStore(db);
const artifacts = new KyselyArtifactStore(db);
const registries = new KyselyRegistryStore(db);
const admin = await meta.findUserByUsername('admin');
const project = await meta.findProject(admin.entityId, SRC);
const orgEntity = await meta.findEntityByName(ORG);
const registry = await meta.findProject(orgEntity.id, 'wandb-registry-model');
const type = await artifacts.ensureType(project.id, 'model');
const actor = { userId: admin.id, username: 'admin' };
let firstArtifact = null;
for (let i = 0; i < VERSIONS; i++) {
  const c = Math.floor(i / PER_COLLECTION);
  const seq = await artifacts.ensureSequence(project.id, type.id, `model-${c}`, null);
  const a = await artifacts.insertArtifact({
    projectId: project.id, sequenceId: seq.id, typeId: type.id, digest: `d${i}`.padEnd(32, '0'), description: null,
    metadata: JSON.stringify({ accuracy: (i % 97) / 97 }), ttlSeconds: null, ttlInherited: true, historyStep: null, createdByRunId: null,
    clientId: null, distributedId: null, requestedAliases: [], tags: i % 10 === 0 ? ['golden'] : [],
  });
  await artifacts.commit(a.id, [], `h${i}`);
  firstArtifact ??= a;
  const aliases = i % PER_COLLECTION === 7 ? ['production'] : i % 25 === 3 ? [`candidate-${i}`] : [];
  await registries.link({ projectId: registry.id, collectionName: `coll-${c}`, typeName: 'model', artifactId: a.id, aliases, actor });
}
await db.close();
console.log(`linked ${VERSIONS} versions into ${Math.ceil(VERSIONS / PER_COLLECTION)} registry collections in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// 3. NODES-1 runs that use the first version: its lineage has NODES nodes.
await startServer();
const artifactId = encodeGqlId('Artifact', firstArtifact.id);
const t1 = performance.now();
let next = 0;
await Promise.all(Array.from({ length: 16 }, async () => {
  while (next < NODES - 1) {
    const r = next++;
    await gql('mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { name } } }', { i: { modelName: SRC, name: `user-${r}` } });
    await gql('mutation($i: UseArtifactInput!) { useArtifact(input: $i) { artifact { id } } }',
      { i: { entityName: 'admin', projectName: SRC, runName: `user-${r}`, artifactID: artifactId } });
  }
}));
console.log(`${NODES - 1} runs using one version in ${((performance.now() - t1) / 1000).toFixed(1)} s`);

const fmt = fmtMs;

// The registry search bar's query (features/registry/queries.ts SEARCH + search.ts filters), timed from Node.
const SEARCH = `query($org: String!, $registries: JSONString, $collections: JSONString, $versions: JSONString) {
  entity(name: $org) {
    projects(first: 20, filters: $registries) { edges { node { name description } } }
    artifactCollections(first: 20, filters: $collections) { totalCount edges { node { name project { name entityName } defaultArtifactType { name }
      tags { edges { node { name } } } } } }
    artifactMemberships(first: 30, filters: $versions) { totalCount edges { node { versionIndex aliases { alias }
      artifactCollection { name project { name entityName } } artifact { tags { name } } } } }
  }
}`;
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const filtersOf = (term) => ({
  registries: JSON.stringify({ name: { $regex: esc(term), $options: 'i' } }),
  collections: JSON.stringify({ $or: [{ name: { $regex: esc(term), $options: 'i' } }, { tag: term }] }),
  versions: JSON.stringify({ $or: [{ alias: term }, { tag: term }, ...(/^v(\d+)$/.test(term) ? [{ version: Number(term.slice(1)) }] : [])] }),
});
for (const term of ['production', 'golden', 'coll-42', 'v7', 'nothing-matches']) {
  const times = [];
  let found = null;
  for (let i = 0; i < REPEAT + 1; i++) {
    const s = performance.now();
    const d = await gql(SEARCH, { org: ORG, ...filtersOf(term) });
    if (i > 0) times.push(performance.now() - s); // the first warms caches
    found = `${d.entity.artifactCollections.totalCount} collections, ${d.entity.artifactMemberships.totalCount} versions`;
  }
  console.log(`search "${term}" over ${VERSIONS} versions (GraphQL, server): ${fmt(times)}; ${found}`);
}

const { browser, context, page } = await signedInPage(url, 'admin', PASSWORD);

// Browser: type a term, submit, until the version results are drawn.
await page.goto(`${url}/registry/${ORG}`);
const box = page.getByRole('searchbox', { name: 'Search the registry' });
await box.waitFor();
const uiTimes = [];
for (let i = 0; i < REPEAT; i++) {
  const term = i % 2 ? 'golden' : 'production';
  await box.fill(`${term}-${i}`); // a term with no results first, so each submit is a new query
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByTestId('search-results').getByText('Versions (0)').waitFor();
  await box.fill(term);
  const s = performance.now();
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-result="version"]').length > 0);
  uiTimes.push(performance.now() - s);
}
console.log(`registry search in the browser (submit → results drawn), ${VERSIONS} versions: ${fmt(uiTimes)}`);

// Browser: the lineage tab of the version used by NODES-1 runs.
const lineageTimes = [];
let engine = '';
for (let i = 0; i < REPEAT; i++) {
  await page.goto(`${url}/admin/${SRC}/artifacts/model/model-0/v0`);
  await page.getByTestId('version-name').waitFor();
  const s = performance.now();
  // BENCH_DEBUG=1: when each GraphQL answer of the lineage arrived, relative to the click.
  const answered = [];
  const onResponse = (r) => { if (r.url().endsWith('/graphql')) answered.push(`${Math.round(performance.now() - s)} (${(r.request().postData() ?? '').slice(0, 40).replace(/\s+/g, ' ')})`); };
  const onRequest = (r) => { if (r.url().endsWith('/graphql')) answered.push(`sent ${Math.round(performance.now() - s)}`); };
  if (process.env.BENCH_DEBUG) { page.on('response', onResponse); page.on('request', onRequest); }
  const cdp = process.env.BENCH_PROFILE && i === REPEAT - 1 ? await context.newCDPSession(page) : null;
  if (cdp) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 200 }); await cdp.send('Profiler.start'); }
  await page.getByRole('link', { name: 'Lineage' }).click();
  await page.waitForFunction((n) => {
    const g = document.querySelector('[data-testid="lineage"]');
    return g?.getAttribute('data-laid-out') === 'yes' && g.getAttribute('data-nodes') === String(n) && document.querySelectorAll('.react-flow__node').length > 0;
  }, NODES, { timeout: 60_000 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  lineageTimes.push(performance.now() - s);
  if (cdp) {
    // BENCH_PROFILE=1: self time per function in the last load, the top 25.
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map();
    const dt = new Map(profile.nodes.map((n) => [n.id, n]));
    profile.samples.forEach((id, k) => {
      const n = dt.get(id);
      const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
      self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[k] ?? 0) / 1000);
    });
    for (const [k, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${ms.toFixed(0).padStart(5)} ms  ${k}`);
  }
  if (process.env.BENCH_DEBUG) {
    page.off('response', onResponse);
    page.off('request', onRequest);
    console.log(`  graphql answers at ${answered.join(', ')} ms; painted at ${Math.round(lineageTimes.at(-1))} ms`);
  }
  engine = await page.evaluate(() => document.querySelector('[data-testid="lineage"]')?.getAttribute('data-engine') ?? '?');
}
console.log(`lineage of ${NODES} nodes (click → fetched, laid out by ${engine}, painted): ${fmt(lineageTimes)}`);
if (process.env.BENCH_DEBUG) await page.screenshot({ path: path.join(os.tmpdir(), 'cairn-bench-lineage.png') });
await browser.close();
await stopServer();
