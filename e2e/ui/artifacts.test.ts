/**
 * Artifacts, lineage and the registry in the web UI, end to end: a real Cairn server, data logged by the real
 * wandb SDK (artifacts_populate.py), driven in headless Chromium. Every test leaves a screenshot in e2e/.out/ui/.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, ADMIN_PASSWORD, cairnCli, launchChromium, runSdk, screenshot, signIn, startCairn, type Cairn } from './harness.js';

const PROJECT = 'art-project';
const ORG = 'acme';
const MEMBER = 'mel';
const MEMBER_PASSWORD = 'mel has a long enough password';
const BIG_FILES = 100_000;

let cairn: Cairn;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageErrors: string[] = [];
let memberKey: string;

async function gqlAs(key: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${cairn.url}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`api:${key}`).toString('base64')}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: Record<string, any>; errors?: { message: string }[] } };
}

beforeAll(async () => {
  cairn = await startCairn();
  cairnCli(cairn, ['users', 'set-password', 'admin'], ADMIN_PASSWORD);
  memberKey = /API key: (\S+)/.exec(cairnCli(cairn, ['users', 'create', MEMBER, '--password-stdin'], MEMBER_PASSWORD))![1]!;
  cairnCli(cairn, ['orgs', 'create', ORG, '--admin', 'admin']);
  cairnCli(cairn, ['members', 'add', ORG, MEMBER, '--role', 'member']);
  const memberId = (await gqlAs(memberKey, '{ viewer { id } }')).body.data!.viewer.id as string;
  runSdk(cairn, path.join(import.meta.dirname, 'artifacts_populate.py'), [PROJECT, ORG, memberId, String(BIG_FILES)]);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await cairn?.stop();
});

/** A fresh browser profile per test, signed in; uncaught page errors fail the test. */
async function signedIn(user: 'admin' | typeof MEMBER, at: string) {
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await signIn(page, `${cairn.url}${at}`, user, user === 'admin' ? ADMIN_PASSWORD : MEMBER_PASSWORD);
  return page;
}
afterEach(async () => {
  await context?.close();
  expect(pageErrors).toEqual([]);
});

describe('artifacts UI', () => {
  it("browses a collection's versions and downloads a file whose digest it shows", async () => {
    await signedIn('admin', `/admin/${PROJECT}`);
    await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Artifacts' }).click();
    await page.locator('tr[data-collection="mnist"] a').click();
    await page.locator('tr[data-version="v1"]').waitFor();
    expect(await page.getByTestId('version-count').textContent()).toMatch(/^2 versions/);
    const v1 = page.locator('tr[data-version="v1"]');
    expect(await v1.locator('.alias').allTextContents()).toEqual(['latest', 'cut-1']);
    expect(await v1.locator('td').nth(4).textContent()).toBe('4');
    expect(await v1.locator('td').nth(5).textContent()).toBe('prep-1');
    expect(await page.locator('tr[data-version="v0"] .alias').allTextContents()).toEqual(['cut-0']);

    await v1.locator('a').first().click();
    await page.getByTestId('version-name').waitFor();
    expect(await page.getByTestId('snippet-cli').textContent()).toBe(`wandb artifact get admin/${PROJECT}/mnist:v1`);
    expect(await page.getByTestId('snippet-python').textContent()).toContain(`run.use_artifact('admin/${PROJECT}/mnist:v1', type='dataset')`);
    expect(await page.getByTestId('metadata').textContent()).toContain('1001');
    await page.getByRole('link', { name: /^Files/ }).click();
    await page.getByRole('button', { name: '▸ data/' }).click();
    await page.getByRole('button', { name: 'train.csv' }).click();
    const digest = (await page.getByTestId('file-digest').textContent())!;
    expect(await page.getByTestId('preview-text').textContent()).toMatch(/^label,pixels\n0,0\n/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-file').click()]);
    const bytes = fs.readFileSync((await download.path())!);
    expect(download.suggestedFilename()).toBe('train.csv');
    expect(createHash('md5').update(bytes).digest('base64')).toBe(digest);
    expect(bytes.toString()).toMatch(/^label,pixels\n/);

    // An image and a W&B table preview in place.
    await page.getByRole('button', { name: 'root' }).click();
    await page.getByRole('button', { name: '▸ images/' }).click();
    await page.getByRole('button', { name: 'cat.png' }).click();
    await expect.poll(() => page.getByTestId('preview-image').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(24);
    await screenshot(page, 'artifacts-01-version-files');
  });

  it(`pages a folder of ${BIG_FILES} files from the server`, async () => {
    await signedIn('admin', `/admin/${PROJECT}/artifacts/dataset/shards/v0?tab=files`);
    const pages: string[] = [];
    page.on('request', (r) => { if (r.url().includes('/files?')) pages.push(new URL(r.url()).searchParams.get('offset')!); });
    await page.getByRole('button', { name: '▸ shards/' }).click();
    const list = page.getByRole('list', { name: 'Files' });
    await expect.poll(() => list.getAttribute('data-total')).toBe(String(BIG_FILES));
    expect(await page.getByTestId('folder-summary').textContent()).toContain(`${BIG_FILES} files`);
    // Jump to the end: only the pages in view are fetched, and the last file is there.
    await list.evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await page.locator(`[data-path="shards/${String(BIG_FILES - 1).padStart(6, '0')}.bin"]`).waitFor();
    expect(pages.length).toBeLessThan(6);
    expect(await page.locator('.file-row').count()).toBeLessThan(200);
    await screenshot(page, 'artifacts-02-big-folder');
  });

  it('walks lineage from a model back to the dataset it was trained on', async () => {
    await signedIn('admin', `/admin/${PROJECT}/artifacts/model/mnist-model/v1?tab=lineage`);
    const graph = page.getByTestId('lineage');
    await graph.locator('[data-kind="run"][data-label="train"]').waitFor();
    await page.getByRole('button', { name: 'Show inputs of train' }).click();
    const dataset = graph.locator('[data-kind="artifact"][data-label="mnist:v1"]');
    await dataset.waitFor();
    await expect.poll(() => graph.getAttribute('data-laid-out')).toBe('yes');
    await screenshot(page, 'artifacts-03-lineage');
    await dataset.getByRole('link', { name: 'mnist:v1' }).click();
    await page.waitForURL(`**/admin/${PROJECT}/artifacts/dataset/mnist/v1`);
    expect(await page.getByTestId('version-name').textContent()).toBe('v1');
  });

  it('promotes a model to production as an admin and reads the promotion timeline', async () => {
    await signedIn('admin', '/registry');
    await page.getByRole('searchbox', { name: 'Search the registry' }).fill('staging');
    await page.getByRole('button', { name: 'Search' }).click();
    const hit = page.locator('[data-result="version"]');
    await expect.poll(() => hit.allTextContents()).toEqual([expect.stringContaining('model / classifier:v0')]);
    await hit.getByRole('link').click();
    await page.locator('tr[data-version="v1"]').waitFor();

    const before = new Date(Date.now() - 1000);
    await page.locator('tr[data-version="v1"] [data-promote="production"]').click();
    await expect.poll(() => page.locator('tr[data-version="v1"] [data-alias]').evaluateAll((els) => els.map((e) => e.getAttribute('data-alias'))))
      .toContain('production');
    const timeline = page.getByTestId('timeline');
    await expect.poll(() => timeline.locator('li').first().textContent()).toMatch(/^admin set production on v1/);
    expect(await timeline.locator('li[data-action="alias_add"][data-alias="staging"]').textContent()).toMatch(/admin set staging on v0/);

    // What was in production: now v1; just before the promotion, nothing.
    const form = page.getByRole('form', { name: 'Alias at a date' });
    await form.getByRole('button', { name: 'What was there?' }).click();
    await expect.poll(() => page.getByTestId('alias-at-answer').textContent()).toMatch(/production was v1 \(since .* by admin\)/);
    const local = new Date(before.getTime() - before.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    await form.getByLabel('Date and time').fill(local);
    await form.getByRole('button', { name: 'What was there?' }).click();
    await expect.poll(() => page.getByTestId('alias-at-answer').textContent()).toMatch(/production pointed nowhere/);
    await screenshot(page, 'artifacts-04-promoted');
  });

  it('shows a registry member the promote control disabled with the reason, and the server refuses too', async () => {
    await signedIn(MEMBER, `/registry/${ORG}/model/classifier`);
    await page.locator('tr[data-version="v0"]').waitFor();
    const promote = page.locator('tr[data-version="v0"] [data-promote="production"]');
    await expect.poll(() => promote.isDisabled()).toBe(true);
    expect(await promote.getAttribute('title')).toMatch(/Only admins of registry model/);
    expect(await page.getByTestId('promote-refused').textContent()).toMatch(/Only admins of registry model .* staging, production/);
    // An unprotected alias is the member's to add.
    const row = page.locator('tr[data-version="v0"]');
    await row.getByLabel('New alias').fill('candidate');
    await row.getByRole('button', { name: 'Add alias' }).click();
    await row.locator('[data-alias="candidate"]').waitFor();
    await screenshot(page, 'artifacts-05-member-refused');

    // The control's state is the server's rule: the same change through the API is refused.
    const v0 = (await gqlAs(memberKey, `{ project(name: "wandb-registry-model", entityName: "${ORG}") { artifact(name: "classifier:v0") { id } } }`)).body.data!.project.artifact.id;
    const refused = await gqlAs(memberKey, `mutation($id: ID!) { addAliases(input: { artifactID: $id, aliases: [{ alias: "production", artifactCollectionName: "classifier", entityName: "${ORG}", projectName: "wandb-registry-model" }] }) { success } }`, { id: v0 });
    expect(refused.status).toBe(403);
    expect(refused.body.errors?.[0]?.message).toMatch(/protected alias/);
  });

  it('shows storage per collection and the versions scheduled to expire', async () => {
    await signedIn('admin', `/admin/${PROJECT}/storage`);
    await page.locator('tr[data-collection="mnist"]').waitFor();
    expect(await page.locator('tr[data-collection="mnist"] td').nth(1).textContent()).toBe('2');
    const expiring = page.getByTestId('expiring');
    await expiring.waitFor();
    // The two model versions were logged with a 30-day TTL; the datasets have none.
    expect(await expiring.locator('tbody tr td:first-child').allTextContents()).toEqual(expect.arrayContaining(['mnist-model:v0', 'mnist-model:v1']));
    expect(await expiring.locator('tbody tr').count()).toBe(2);
    expect(await expiring.locator('tbody tr').first().textContent()).toContain('30 days');
    await screenshot(page, 'artifacts-07-storage');
  });

  it('answers deep links to missing or private artifacts with a not-found page that names nothing', async () => {
    // The member may not read the admin's project: its dataset looks exactly like one that does not exist.
    await signedIn(MEMBER, `/admin/${PROJECT}/artifacts/dataset/mnist/v1?tab=files`);
    await page.getByTestId('not-found').waitFor();
    const privateText = await page.locator('main').textContent();
    for (const name of ['train.csv', 'prep-1', 'cut-1', 'digits', 'data/']) expect(privateText).not.toContain(name);
    await screenshot(page, 'artifacts-06-not-found');
    await page.goto(`${cairn.url}/admin/${PROJECT}/artifacts/dataset/no-such-thing/v0`);
    await page.getByTestId('not-found').waitFor();
    expect(await page.locator('main').textContent()).toBe(privateText);

    const ids = await gqlAs(ADMIN_KEY, `{ project(name: "${PROJECT}", entityName: "admin") { artifact(name: "mnist:v1") { id } } }`);
    const id = ids.body.data!.project.artifact.id as string;
    const res = await page.evaluate(async (u) => { const r = await fetch(u); return { status: r.status, text: await r.text() }; }, `/api/v1/artifacts/${id}/files`);
    expect(res.status).toBe(404);
    expect(res.text).not.toMatch(/mnist|train|admin/);

    // A type in the address that is not the version's own, and a registry collection that does not exist.
    await context.close();
    await signedIn('admin', `/admin/${PROJECT}/artifacts/model/mnist/v1`);
    await page.getByTestId('not-found').waitFor();
    await page.goto(`${cairn.url}/registry/${ORG}/model/no-such-collection`);
    await page.getByTestId('not-found').waitFor();
  });
});
