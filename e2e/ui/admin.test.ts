/**
 * Administration pages and TTL editing in real headless Chromium against a real `cairn serve`: a site admin
 * changes a team member's role and creates a service-account key (shown once, then usable by the SDK's API);
 * a non-admin reaching /site-admin gets the not-allowed page with no organization names; a version's TTL is
 * previewed, then applied, and the page shows the new expiry. Each test leaves a screenshot in e2e/.out/ui/.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, ADMIN_PASSWORD, cairnCli, launchChromium, runSdk, screenshot, signIn, startCairn, watchedPage, type Cairn } from './harness.js';

const DAN_PASSWORD = 'dan has a long passphrase too';
const API = { authorization: `Basic ${Buffer.from(`api:${ADMIN_KEY}`).toString('base64')}` };

let cairn: Cairn;
let browser: Browser;

beforeAll(async () => {
  cairn = await startCairn();
  cairnCli(cairn, ['users', 'set-password', 'admin'], ADMIN_PASSWORD);
  cairnCli(cairn, ['users', 'create', 'dan', '--password-stdin'], DAN_PASSWORD);
  cairnCli(cairn, ['orgs', 'create', 'hidden-corp', '--admin', 'admin']);
  cairnCli(cairn, ['teams', 'create', 'vision', '--org', 'hidden-corp', '--admin', 'admin']);
  cairnCli(cairn, ['members', 'add', 'vision', 'dan', '--role', 'member']);
  runSdk(cairn, new URL('./admin_populate.py', import.meta.url).pathname, ['admin', 'ttl-proj']);
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await cairn?.stop();
});

describe('administration', () => {
  it('an admin changes a member role and creates a service-account key', async () => {
    const { page, pageErrors, context } = await watchedPage(browser);
    await signIn(page, cairn.url, 'admin', ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByTestId('admin-page').waitFor();
    await expect.poll(() => page.getByTestId('users-table').textContent()).toContain('dan');

    // A new user, then made site admin.
    await page.getByTestId('new-user-email').fill('erin@example.com');
    await page.getByRole('button', { name: 'Create user' }).click();
    const erin = page.locator('[data-user="erin"]');
    await erin.getByRole('button', { name: 'Make admin' }).click();
    await erin.getByRole('button', { name: 'Remove admin' }).waitFor();
    const erinNow = await fetch(`${cairn.url}/api/v1/admin/users?q=erin`, { headers: API });
    expect(((await erinNow.json()) as { users: unknown[] }).users).toContainEqual(expect.objectContaining({ username: 'erin', admin: true }));

    await page.getByRole('link', { name: 'Teams & roles' }).click();
    await page.getByTestId('member-target').selectOption('vision');
    const danRole = page.getByLabel('Role of dan');
    await expect.poll(() => danRole.inputValue()).toBe('member');
    await danRole.selectOption('viewer');
    // The server's answer, not the select's own state.
    await expect.poll(() => cairnCli(cairn, ['members', 'list', 'vision'])).toMatch(/dan\s+viewer/);

    await page.getByRole('link', { name: 'Service accounts' }).click();
    await page.getByTestId('sa-team').selectOption('vision');
    await page.getByLabel('Name').fill('vision-ci');
    await page.getByRole('button', { name: 'Create service account' }).click();
    const account = page.locator('[data-account="vision-ci"]');
    await account.waitFor();
    await account.getByLabel('Key name').fill('ci');
    await account.getByRole('button', { name: 'Create API key' }).click();
    const key = (await page.getByTestId('new-sa-key').textContent())!.trim();
    expect(key.length).toBeGreaterThan(20);
    // The new key signs in as the service account.
    const res = await fetch(`${cairn.url}/graphql`, {
      method: 'POST', headers: { authorization: `Basic ${Buffer.from(`api:${key}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { username } }' }),
    });
    expect(((await res.json()) as { data: { viewer: { username: string } } }).data.viewer.username).toBe('vision-ci');
    await screenshot(page, 'admin-service-account-key');
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('a non-admin gets the not-allowed page, without names', async () => {
    const { page, pageErrors, context } = await watchedPage(browser);
    await signIn(page, cairn.url, 'dan', DAN_PASSWORD);
    expect(await page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    await page.goto(`${cairn.url}/site-admin?tab=teams`);
    await page.getByTestId('not-allowed').waitFor();
    const text = await page.locator('body').textContent();
    expect(text).not.toContain('hidden-corp');
    expect(text).not.toContain('vision');
    // The API answers like a missing page too.
    const status = await page.evaluate(async () => (await fetch('/api/v1/admin/orgs')).status);
    expect(status).toBe(404);
    await screenshot(page, 'admin-not-allowed');
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});

describe('registry members', () => {
  it('a registry admin gives an organization member a role on the registry', async () => {
    const made = await fetch(`${cairn.url}/graphql`, {
      method: 'POST', headers: { ...API, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { upsertModel(input: { entityName: "hidden-corp", name: "wandb-registry-models" }) { project { id } } }' }),
    });
    expect(((await made.json()) as { data?: { upsertModel: { project: { id: string } } } }).data?.upsertModel.project.id).toBeTruthy();
    const { page, pageErrors, context } = await watchedPage(browser);
    await signIn(page, cairn.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${cairn.url}/registry/hidden-corp/models`);
    const section = page.getByTestId('registry-members');
    await section.getByLabel('New registry member').selectOption({ label: 'dan' });
    await section.getByLabel('Role', { exact: true }).selectOption('member');
    await section.getByRole('button', { name: 'Add member' }).click();
    await expect.poll(() => section.getByLabel('Registry role of dan').inputValue()).toBe('member');
    const members = await fetch(`${cairn.url}/graphql`, {
      method: 'POST', headers: { ...API, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ project(entityName: "hidden-corp", name: "wandb-registry-models") { members { username role { name } } } }' }),
    });
    expect(((await members.json()) as { data: { project: { members: unknown[] } } }).data.project.members).toContainEqual({ username: 'dan', role: { name: 'member' } });
    await screenshot(page, 'registry-members');
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});

describe('TTL editing', () => {
  it('previews then applies a TTL on a version and shows the new expiry', async () => {
    const { page, pageErrors, context } = await watchedPage(browser);
    await signIn(page, cairn.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${cairn.url}/admin/ttl-proj/artifacts/dataset/ttl-data/v0`);
    await expect.poll(() => page.getByTestId('version-expires').textContent()).toBe('never');
    await page.getByTestId('ttl-mode').selectOption('set');
    await page.getByTestId('ttl-duration').fill('7d');
    await page.getByRole('button', { name: 'Preview' }).first().click();
    const preview = page.getByTestId('ttl-preview');
    await preview.waitFor();
    const said = (await preview.textContent())!;
    const expiry = /Would expire (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/.exec(said)?.[1];
    expect(expiry, said).toBeTruthy();
    // Nothing changed yet.
    expect(await page.getByTestId('version-expires').textContent()).toBe('never');
    await screenshot(page, 'ttl-preview');

    // Dry run of a project default: the version inherits, so it would expire (and nothing is changed).
    const dry = async () => (await (await fetch(`${cairn.url}/api/v1/projects/admin/ttl-proj/ttl-default-preview?value=86400`, { headers: API })).json()) as Record<string, unknown>;
    expect(await dry()).toMatchObject({ inheriting: 1, wouldExpire: 1, changed: 1, pastDue: 0 });
    await preview.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.getByTestId('version-expires').textContent()).toBe(`${expiry} UTC`);
    // The SDK-facing field agrees: 7 days in seconds.
    const gql = await fetch(`${cairn.url}/graphql`, {
      method: 'POST', headers: { ...API, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ project(entityName: "admin", name: "ttl-proj") { artifact(name: "ttl-data:v0") { ttlDurationSeconds ttlIsInherited } } }' }),
    });
    expect(((await gql.json()) as { data: { project: { artifact: unknown } } }).data.project.artifact).toEqual({ ttlDurationSeconds: 7 * 86_400, ttlIsInherited: false });
    // Its own TTL now wins over any project default.
    expect(await dry()).toMatchObject({ inheriting: 0, wouldExpire: 0, changed: 0 });
    await screenshot(page, 'ttl-applied');
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
