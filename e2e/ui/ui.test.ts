/**
 * The web UI end to end: a real Cairn server populated by the real wandb SDK (populate.py), driven in headless
 * Chromium. Every test leaves a screenshot in e2e/.out/ui/ for a person to look at.
 */
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_KEY, ADMIN_PASSWORD, cairnCli, launchChromium, runSdk, screenshot, signIn, startCairn, startSdk, watchedPage, type Cairn,
} from './harness.js';

const PROJECT = 'ui-project';
const OTHER = 'ui-other';
const BOB_PASSWORD = 'bob has a long password';

let cairn: Cairn;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageErrors: string[] = [];

beforeAll(async () => {
  cairn = await startCairn();
  cairnCli(cairn, ['users', 'set-password', 'admin'], ADMIN_PASSWORD);
  cairnCli(cairn, ['users', 'create', 'bob', '--password-stdin'], BOB_PASSWORD);
  runSdk(cairn, path.join(import.meta.dirname, 'populate.py'), [PROJECT, OTHER]);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await cairn?.stop();
});

/** A fresh browser profile (no cookies) per test; uncaught page errors fail the test. */
async function freshPage() {
  ({ context, page, pageErrors } = await watchedPage(browser, { width: 1440, height: 900 }));
  return page;
}
afterEach(async () => {
  await context?.close();
  expect(pageErrors).toEqual([]);
});

const runOrder = (p: Page) => p.locator('.runs-table [role="row"][data-run]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')));

describe('web UI', () => {
  it('signs in with a password (a wrong one is refused) and lists projects with run counts', async () => {
    await freshPage();
    await page.goto(cairn.url);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/password|sign/i);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('whoami').waitFor();
    const row = page.locator(`tr[data-project="${PROJECT}"]`);
    await row.waitFor();
    expect(await row.getByTestId('run-count').textContent()).toBe('3');
    expect(await page.locator(`tr[data-project="${OTHER}"]`).getByTestId('run-count').textContent()).toBe('1');
    // Recent runs link to their pages; last activity is shown.
    expect(await row.locator('.recent-run').count()).toBe(3);
    expect(await row.locator('td').nth(2).textContent()).toMatch(/ago|now/);
    await screenshot(page, '01-projects');
  });

  it('sorts and filters the runs table on the server', async () => {
    await freshPage();
    await signIn(page, `${cairn.url}/admin/${PROJECT}`, 'admin', ADMIN_PASSWORD);
    await expect.poll(() => runOrder(page)).toHaveLength(3);
    expect(await page.getByTestId('runs-total').textContent()).toMatch(/^3 runs/);

    // Sort by a summary column: descending, then ascending; each is a server query with an order.
    // Columns are virtualised: scroll the summary column into view first.
    await page.locator('.runs-table-scroll').evaluate((el) => { el.scrollLeft = el.scrollWidth; });
    const header = page.getByRole('button', { name: 'Sort by summary: best_acc' });
    const sortDesc = page.waitForRequest((r) => r.url().endsWith('/api/v1/runs') && (r.postData() ?? '').includes('"order":"-summary_metrics.best_acc"'));
    await header.click();
    await sortDesc;
    await expect.poll(() => runOrder(page)).toEqual(['gamma-run', 'beta-run', 'alpha-run']);
    await header.click();
    await expect.poll(() => runOrder(page)).toEqual(['alpha-run', 'beta-run', 'gamma-run']);
    expect(await page.locator('.runs-th[data-column="summary:best_acc"]').getAttribute('aria-sort')).toBe('ascending');

    // A config filter with an operator.
    await page.getByRole('button', { name: '+ Filter' }).click();
    await page.getByLabel('Filter field').fill('config.lr');
    await page.getByLabel('Operator').selectOption('>');
    await page.getByLabel('Filter value').fill('0.005');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => runOrder(page)).toEqual(['alpha-run', 'beta-run']);
    await expect.poll(() => page.getByTestId('runs-total').textContent()).toMatch(/^2 runs/);
    await screenshot(page, '02-runs-table-filtered');

    // Name search on top of it, then a state with no runs.
    await page.getByLabel('Search runs').fill('BET');
    await expect.poll(() => runOrder(page)).toEqual(['beta-run']);
    await page.getByRole('button', { name: 'running', exact: true }).click();
    await expect.poll(() => runOrder(page)).toEqual([]);
    await page.getByText('No runs match.').waitFor();
  });

  /** One panel's query in a series batch request, and its answer (answers come in query order). */
  async function batchedQuery(res: { json(): Promise<any>; request(): { postData(): string | null } }, key: string) {
    const queries = JSON.parse(res.request().postData()!).queries as { keys: string[]; range?: unknown; buckets: number }[];
    const i = queries.findIndex((q) => q.keys.includes(key));
    return { request: queries[i]!, answer: (await res.json()).answers[i] };
  }

  it('draws a panel per metric in sections, keeps spikes in the band, and re-buckets a zoom on the server', async () => {
    await freshPage();
    // Panels that appear together share one batch request (POST /api/v1/series/batch, one query per panel).
    const firstSeries = page.waitForResponse((r) => r.url().endsWith('/api/v1/series/batch')
      && (r.request().postData() ?? '').includes('"keys":["train/loss"]'));
    await signIn(page, `${cairn.url}/admin/${PROJECT}`, 'admin', ADMIN_PASSWORD);
    await expect.poll(() => page.locator('.panel-section').evaluateAll((s) => s.map((e) => e.getAttribute('data-section'))))
      .toEqual(['Charts', 'train', 'ünïcode', 'val', 'weird key', 'system-metrics']);

    const panel = page.locator('.panel[data-panel="train/loss"] .metric-panel');
    await panel.locator('canvas').waitFor();
    const { request, answer } = await batchedQuery(await firstSeries, 'train/loss');
    // Buckets sized to the chart, all three runs on one plan; the spike (50 at step 150) survives in alpha's band.
    expect(request.buckets).toBeGreaterThanOrEqual(25);
    expect(request.buckets).toBeLessThanOrEqual(2000);
    expect(answer.runs).toHaveLength(3);
    const alpha = answer.runs.find((r: { name: string }) => r.name === 'alpha-run').series['train/loss'];
    expect(Math.max(...alpha.max)).toBe(50);

    // Drag across the middle of the plot: the zoomed range comes back from the server, bucketed again.
    const over = panel.locator('.u-over');
    const box = (await over.boundingBox())!;
    const zoomed = page.waitForResponse((r) => r.url().endsWith('/api/v1/series/batch') && (r.request().postData() ?? '').includes('"range"')
      && (r.request().postData() ?? '').includes('"keys":["train/loss"]'));
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const { request: zoomRequest, answer: zoomAnswer } = await batchedQuery(await zoomed, 'train/loss');
    const range = zoomRequest.range as { min: number; max: number };
    expect(range.min).toBeGreaterThan(50);
    expect(range.max).toBeLessThan(250);
    expect(zoomAnswer.plan.start).toBeLessThanOrEqual(range.min);
    expect(zoomAnswer.plan.start + zoomAnswer.plan.width * zoomAnswer.plan.count).toBeGreaterThan(range.max);
    // Narrower range, same bucket budget: finer buckets than before.
    expect(zoomAnswer.plan.width).toBeLessThanOrEqual(answer.plan.width);
    await expect.poll(() => panel.getAttribute('data-range')).toBe(`${range.min}-${range.max}`);
    // The x axis is shared: the other panels follow the zoom.
    const other = page.locator('.panel[data-panel="train/acc"] .metric-panel');
    await expect.poll(() => other.getAttribute('data-range')).toBe(`${range.min}-${range.max}`);
    expect(await page.getByTestId('zoom-state').textContent()).toContain(`Steps ${range.min}–${range.max}`);
    await screenshot(page, '03-chart-zoomed');
    await page.getByTestId('zoom-state').getByRole('button', { name: 'Reset zoom' }).click();
    await expect.poll(() => panel.getAttribute('data-range')).toBe('');
    await expect.poll(() => other.getAttribute('data-range')).toBe('');
  });

  it('charts metric keys with slashes, spaces, unicode and dots, and finds them by search', async () => {
    await freshPage();
    await signIn(page, `${cairn.url}/admin/${PROJECT}`, 'admin', ADMIN_PASSWORD);
    for (const key of ['weird key/with space', 'ünïcode/σ-metric', 'dots.in.key']) {
      const panel = page.locator(`.panel[data-panel="${key}"]`);
      await panel.scrollIntoViewIfNeeded();
      await panel.locator('canvas').waitFor();
      expect(Number(await panel.locator('.metric-panel').getAttribute('data-points'))).toBeGreaterThan(0);
      expect(await panel.getByRole('alert').count()).toBe(0);
    }
    await page.getByLabel('Search metric keys').fill('σ');
    await expect.poll(() => page.locator('.panel').evaluateAll((p) => p.map((e) => e.getAttribute('data-panel')))).toEqual(['ünïcode/σ-metric']);
    await screenshot(page, '04-unusual-keys');
  });

  it('shows a run: overview, charts, and console logs with colours and stderr marked', async () => {
    await freshPage();
    await signIn(page, `${cairn.url}/admin/${PROJECT}/runs/alpha-run`, 'admin', ADMIN_PASSWORD);
    const config = page.getByTestId('kv-config');
    await config.waitFor();
    expect(await config.locator('tr', { hasText: 'lr' }).locator('td').textContent()).toBe('0.1');
    expect(await config.locator('tr', { hasText: 'optimizer' }).locator('td').textContent()).toBe('adam');
    expect(await page.getByTestId('kv-summary').locator('tr', { hasText: 'best_acc' }).locator('td').textContent()).toBe('0.5');
    await page.getByText('alpha notes').waitFor();
    await page.locator('.editable-tags .tag[data-tag="base"]').waitFor();
    await screenshot(page, '05-run-overview');

    await page.getByRole('link', { name: 'Charts' }).click();
    await page.locator('.panel[data-panel="train/loss"] canvas').waitFor();

    await page.getByRole('link', { name: 'Logs' }).click();
    await expect.poll(() => page.getByTestId('log-count').textContent()).toMatch(/^3 lines/);
    const done = page.locator('.console-line', { hasText: 'training done' });
    expect(await done.locator('span', { hasText: 'training done' }).last().evaluate((e) => getComputedStyle(e).color)).toBe('rgb(16, 124, 16)');
    expect(await done.textContent()).not.toContain('\u001b');
    expect(await page.locator('.console-line.stderr').textContent()).toContain('warning from alpha on stderr');
    // The huge line (the SDK sends at most 4,096 characters of it) wraps inside the log instead of widening it.
    const huge = page.locator('.console-line', { hasText: 'HUGE:' });
    expect((await huge.textContent())!.length).toBeGreaterThanOrEqual(4096);
    expect((await huge.boundingBox())!.height).toBeGreaterThan(100);
    expect(await page.locator('.console-scroll').evaluate((e) => e.scrollWidth <= e.clientWidth + 1)).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await page.getByLabel('Search the log').fill('stderr');
    await expect.poll(() => page.getByTestId('log-count').textContent()).toMatch(/^1 of 3 lines/);
    await screenshot(page, '06-run-logs');
  });

  it('updates a live run without a reload: new console lines and new points', async () => {
    const live = startSdk(cairn, path.join(import.meta.dirname, 'live.py'), [PROJECT, 'live-run', '160']);
    try {
      await freshPage();
      await signIn(page, `${cairn.url}/admin/${PROJECT}`, 'admin', ADMIN_PASSWORD);
      // The live run shows up in the table (pushed over SSE).
      await expect.poll(() => runOrder(page), { timeout: 60_000 }).toContain('live-run');
      await page.goto(`${cairn.url}/admin/${PROJECT}/runs/live-run?tab=logs`);
      await page.locator('.console-line', { hasText: 'live line 2' }).first().waitFor({ timeout: 60_000 });
      const before = Number((await page.getByTestId('log-count').textContent())!.split(' ')[0]);
      // Later lines arrive in the open page: no navigation, no reload.
      const url = page.url();
      await expect.poll(async () => Number((await page.getByTestId('log-count').textContent())!.split(' ')[0]), { timeout: 60_000 })
        .toBeGreaterThan(before + 5);
      expect(page.url()).toBe(url);
      await screenshot(page, '07-live-logs');

      await page.getByRole('link', { name: 'Charts' }).click();
      const panel = page.locator('.panel[data-panel="live/value"] .metric-panel');
      await panel.locator('canvas').waitFor({ timeout: 60_000 });
      const points = Number(await panel.getAttribute('data-points'));
      await expect.poll(async () => Number(await panel.getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThan(points);
      await live.done;
      // Once finished, the page says so.
      await page.locator('.page-head [data-state="finished"]').waitFor({ timeout: 60_000 });
    } finally {
      live.kill();
    }
  }, 180_000);

  it('shows a clear not-found page for missing or invisible projects and runs', async () => {
    await freshPage();
    await signIn(page, `${cairn.url}/admin/no-such-project`, 'admin', ADMIN_PASSWORD);
    expect(await page.getByTestId('not-found').textContent()).toContain('Project admin/no-such-project does not exist');
    await page.goto(`${cairn.url}/admin/${PROJECT}/runs/no-such-run`);
    expect(await page.getByTestId('not-found').textContent()).toContain(`Run no-such-run in admin/${PROJECT} does not exist`);
    await page.goto(`${cairn.url}/nobody-entity/whatever/runs/x`);
    await page.getByTestId('not-found').waitFor();
    await screenshot(page, '08-not-found-missing');
    await context.close();

    // Bob is signed in but may not see admin's project: the same page, nothing about whether it exists.
    await freshPage();
    await signIn(page, `${cairn.url}/admin/${PROJECT}/runs/alpha-run`, 'bob', BOB_PASSWORD);
    expect(await page.getByTestId('not-found').textContent()).toContain('does not exist, or you do not have access to it');
    await page.goto(`${cairn.url}/admin/${PROJECT}`);
    await page.getByTestId('not-found').waitFor();
    expect(await page.content()).not.toContain('alpha');
    await screenshot(page, '09-not-found-invisible');
  });

  it('creates an API key shown once with its login line, revokes it, and signs out', async () => {
    await freshPage();
    await signIn(page, `${cairn.url}/settings`, 'admin', ADMIN_PASSWORD);
    await page.getByLabel('Name').fill('ui-key');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const key = (await page.getByTestId('new-key').textContent())!;
    expect(await page.getByTestId('login-line').textContent()).toBe(`wandb login --host ${cairn.url} ${key}`);
    const auth = { authorization: `Basic ${Buffer.from(`api:${key}`).toString('base64')}` };
    expect((await fetch(`${cairn.url}/api/v1/keys`, { headers: auth })).status).toBe(200);
    await screenshot(page, '10-api-key-created');

    const row = page.locator('tr', { hasText: 'ui-key' });
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByText(/^revoked/).waitFor();
    expect((await fetch(`${cairn.url}/api/v1/keys`, { headers: auth })).status).toBe(401);
    // The admin key used by the SDK still works.
    expect((await fetch(`${cairn.url}/api/v1/keys`, { headers: { authorization: `Basic ${Buffer.from(`api:${ADMIN_KEY}`).toString('base64')}` } })).status).toBe(200);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await screenshot(page, '11-signed-out');
  });
});
