/**
 * Artifacts UI, part 2, end to end against a real `cairn serve` with data logged by the real wandb SDK
 * (artifacts_extra_populate.py): a whole version downloaded as one zip, the storage growth chart before and
 * after a version expires, the registry's version metadata filter (and its message for a bad filter), and an
 * organization default TTL set in /site-admin that a version logged afterwards by the SDK inherits.
 * Every test leaves a screenshot in e2e/.out/ui/.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { ADMIN_KEY, ADMIN_PASSWORD, cairnCli, launchChromium, runSdk, screenshot, signIn, startCairn, type Cairn } from './harness.js';

const ORG = 'acme';
const TEAM = 'vision';
const DAY = 86_400;

let cairn: Cairn;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageErrors: string[] = [];

async function gql(query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${cairn.url}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`api:${ADMIN_KEY}`).toString('base64')}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, any>; errors?: { message: string }[] };
}

/** Every entry of a zip file: name → bytes. */
function unzip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, s) => {
          if (e || !s) return reject(e);
          const chunks: Buffer[] = [];
          s.on('data', (c: Buffer) => chunks.push(c));
          s.on('end', () => { out.set(entry.fileName, Buffer.concat(chunks)); zip.readEntry(); });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

beforeAll(async () => {
  cairn = await startCairn();
  cairnCli(cairn, ['users', 'set-password', 'admin'], ADMIN_PASSWORD);
  cairnCli(cairn, ['orgs', 'create', ORG, '--admin', 'admin']);
  cairnCli(cairn, ['teams', 'create', TEAM, '--org', ORG, '--admin', 'admin']);
  runSdk(cairn, path.join(import.meta.dirname, 'artifacts_extra_populate.py'), [ORG, TEAM]);
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await cairn?.stop();
});

async function signedIn(at: string) {
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await signIn(page, `${cairn.url}${at}`, 'admin', ADMIN_PASSWORD);
  return page;
}
afterEach(async () => {
  await context?.close();
  expect(pageErrors).toEqual([]);
});

describe('artifacts UI, part 2', () => {
  it('downloads a whole version as one zip whose files match the manifest digests; references are listed, not fetched', async () => {
    await signedIn('/admin/zip-proj/artifacts/dataset/bundle/v0');
    await page.getByTestId('version-name').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-version').click()]);
    expect(download.suggestedFilename()).toBe('bundle-v0.zip');
    const zip = await unzip((await download.path())!);

    const listed = await gql('{ project(name: "zip-proj", entityName: "admin") { artifact(name: "bundle:v0") { files(first: 100) { edges { node { name digest } } } } } }');
    const files = (listed.data!.project.artifact.files.edges as { node: { name: string; digest: string } }[]).map((e) => e.node)
      .filter((f) => !f.name.startsWith('remote/'));
    expect(files.map((f) => f.name).sort()).toEqual(['a.txt', 'bin/blob.bin', 'nested/deeper/b.csv']);
    for (const f of files) {
      const bytes = zip.get(`bundle-v0/${f.name}`);
      expect(bytes, f.name).toBeDefined();
      expect(createHash('md5').update(bytes!).digest('base64'), f.name).toBe(f.digest);
    }
    expect(zip.get('bundle-v0/a.txt')!.toString()).toBe('alpha\n');
    expect([...zip.keys()].some((k) => k.includes('remote/big.bin'))).toBe(false);
    const manifest = JSON.parse(zip.get('bundle-v0.references.json')!.toString()) as { references: { path: string; ref: string }[] };
    expect(manifest.references).toEqual([expect.objectContaining({ path: 'remote/big.bin', ref: 'https://example.invalid/remote/big.bin' })]);
    await screenshot(page, 'artifacts-extra-01-download-version');
  });

  it('charts storage over time and shows the drop after a version expires', async () => {
    await signedIn('/admin/grow-proj/storage');
    const chart = page.getByTestId('storage-growth');
    await expect.poll(() => chart.getAttribute('data-last-stored')).toBe('5000');
    expect(await chart.getAttribute('data-last-logical')).toBe('5000');
    await chart.locator('canvas').first().waitFor();
    await screenshot(page, 'artifacts-extra-02-growth-before');

    // growth:v0 has a 1-day TTL: a retention pass two days on expires it.
    const asOf = new Date(Date.now() + 2 * DAY * 1000).toISOString();
    expect(cairnCli(cairn, ['gc', '--as-of', asOf])).toMatch(/expired [1-9]\d* version/);
    await page.reload();
    await expect.poll(() => chart.getAttribute('data-last-stored')).toBe('1000');
    expect(await chart.getAttribute('data-last-logical')).toBe('1000');
    expect(await chart.getAttribute('data-peak-stored')).toBe('5000');
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
    expect(await page.getByTestId('stored-bytes').textContent()).toBe('1.0 kB');
    await screenshot(page, 'artifacts-extra-03-growth-after-expiry');
  });

  it('filters a registry collection by version metadata on the server', async () => {
    await signedIn(`/registry/${ORG}/model/metrics-cls`);
    await page.locator('tr[data-version="v2"]').waitFor();
    expect(await page.locator('table.registry-versions tbody tr').count()).toBe(3);
    const requests: string[] = [];
    page.on('request', (r) => { if (r.url().endsWith('/graphql')) requests.push(r.postData() ?? ''); });

    await page.getByLabel('Version metadata filter').fill('accuracy > 0.9, framework = torch');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.getByTestId('filter-count').textContent()).toBe('1 of 3 versions match');
    expect(await page.locator('table.registry-versions tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-version')))).toEqual(['v1']);
    // The server got the filter (not a page filtered in the browser).
    expect(requests.some((b) => b.includes('metadata.accuracy') && b.includes('$gt'))).toBe(true);
    await screenshot(page, 'artifacts-extra-04-registry-filter');

    await page.getByLabel('Version metadata filter').fill('framework = jax');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.locator('table.registry-versions tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-version')))).toEqual(['v2']);

    // The registry search takes the same expressions, across collections (the server's SQL filter compiler).
    await page.goto(`${cairn.url}/registry`);
    await page.getByRole('searchbox', { name: 'Search the registry' }).fill('accuracy >= 0.95');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('[data-result="version"]').allTextContents())
      .toEqual([expect.stringContaining('model / metrics-cls:v1'), expect.stringContaining('model / metrics-cls:v2')]);
  });

  it('explains a bad filter and keeps showing every version', async () => {
    await signedIn(`/registry/${ORG}/model/metrics-cls`);
    await page.locator('tr[data-version="v2"]').waitFor();
    const box = page.getByLabel('Version metadata filter');
    await box.fill('accuracy >> 0.9');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.getByTestId('filter-error').textContent()).toMatch(/Filter not applied: .*accuracy >> 0.9/);
    expect(await page.locator('table.registry-versions tbody tr').count()).toBe(3);

    // Well-formed JSON with an operator the server does not know: its message, not a crash.
    await box.fill('{"metadata.accuracy": {"$near": 1}}');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.getByTestId('filter-error').textContent()).toMatch(/Filter not applied: .*\$near/);
    expect(await page.locator('table.registry-versions tbody tr').count()).toBe(3);
    await screenshot(page, 'artifacts-extra-05-bad-filter');
  });

  it('creates a team, gives it a registry role, and sets an organization default TTL (previewed first) that a version logged later by the SDK inherits', async () => {
    await signedIn('/site-admin?tab=teams');
    await page.getByTestId('new-team-org').selectOption(ORG);
    await page.getByTestId('new-team-name').fill('nlp');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByTestId('team-created').waitFor();
    await expect.poll(async () => page.getByTestId('member-target').locator('option').allTextContents()).toContain('nlp');

    // The new team gets a role on the org's model registry, as the server then reports it.
    await page.goto(`${cairn.url}/registry/${ORG}/model`);
    const members = page.getByTestId('registry-members');
    await members.getByLabel('Team name').fill('nlp');
    await members.getByLabel('Team role').selectOption('member');
    await members.getByRole('button', { name: 'Add team' }).click();
    await expect.poll(() => members.getByLabel('Registry role of team nlp').inputValue()).toBe('member');
    const teams = await gql(`{ project(name: "wandb-registry-model", entityName: "${ORG}") { teamMembers { team { name } role { name } } } }`);
    expect(teams.data!.project.teamMembers).toEqual([{ team: { name: 'nlp' }, role: { name: 'member' } }]);
    await screenshot(page, 'artifacts-extra-06-registry-team-role');
    await page.goto(`${cairn.url}/site-admin?tab=teams`);

    await page.getByRole('link', { name: 'Organization settings' }).click();
    await page.getByTestId('settings-org').selectOption(ORG);
    await expect.poll(() => page.getByTestId('org-ttl-now').textContent()).toBe('unset');
    await page.getByLabel('Organization default TTL').fill('1d');
    await page.getByRole('button', { name: 'Preview' }).click();
    // The team project's early:v0 inherits: it would now expire (registry links never do, and are not counted).
    await expect.poll(() => page.getByTestId('org-ttl-preview').textContent()).toMatch(/^1 version follows defaults in this organization; 1 would change\. 1 would expire, from /);
    await screenshot(page, 'artifacts-extra-07-org-ttl-preview');
    // Previewing changes nothing.
    expect(await page.getByTestId('org-ttl-now').textContent()).toBe('unset');
    expect((await gql(`{ project(name: "team-proj", entityName: "${TEAM}") { artifact(name: "early:v0") { ttlDurationSeconds } } }`)).data!.project.artifact.ttlDurationSeconds).toBe(-2);
    await page.getByRole('button', { name: `Apply 1d to ${ORG}` }).click();
    await expect.poll(() => page.getByTestId('org-ttl-now').textContent()).toBe('1 day');
    await expect.poll(async () => (await gql(`{ project(name: "team-proj", entityName: "${TEAM}") { artifact(name: "early:v0") { ttlDurationSeconds } } }`)).data!.project.artifact.ttlDurationSeconds).toBe(DAY);
    await screenshot(page, 'artifacts-extra-08-org-ttl-applied');

    const out = runSdk(cairn, path.join(import.meta.dirname, 'artifacts_extra_ttl.py'), [TEAM, 'team-proj']);
    expect(out.stdout).toContain(`ttl_seconds=${DAY}`);
    const v = await gql(`{ project(name: "team-proj", entityName: "${TEAM}") { artifact(name: "fresh:v0") { ttlDurationSeconds ttlIsInherited } } }`);
    expect(v.data!.project.artifact).toEqual({ ttlDurationSeconds: DAY, ttlIsInherited: true });
    await page.goto(`${cairn.url}/${TEAM}/team-proj/artifacts/dataset/fresh/v0`);
    await expect.poll(() => page.getByTestId('version-expires').textContent()).not.toBe('never');
    expect(await page.locator('.facts').textContent()).toContain('1 day (inherited)');
    await screenshot(page, 'artifacts-extra-09-inherited-ttl');
    // Personal projects are outside the organization default.
    const personal = await gql('{ project(name: "zip-proj", entityName: "admin") { artifact(name: "bundle:v0") { ttlDurationSeconds } } }');
    expect(personal.data!.project.artifact.ttlDurationSeconds).toBe(-2);
  });
});
