/**
 * Live charts and chart settings end to end: server push (SSE) of a live run's new points into an open page,
 * smoothing / log scale / x axis changing the drawing, synced cursors, and metric keys with unusual characters.
 * Real `cairn serve`, real wandb SDK (live_charts.py), headless Chromium; a screenshot per test in e2e/.out/ui/.
 */
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, cairnCli, launchChromium, runSdk, screenshot, signIn, startCairn, startSdk, watchedPage, type Cairn } from './harness.js';

const PROJECT = 'live-charts';
const SCRIPT = path.join(import.meta.dirname, 'live_charts.py');
const ODD_KEYS = ['weird key/with space', 'ünïcode/σ-metric', 'dots.in.key', 'a/b.c d/ü'];

let cairn: Cairn;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageErrors: string[] = [];

beforeAll(async () => {
  cairn = await startCairn();
  cairnCli(cairn, ['users', 'set-password', 'admin'], ADMIN_PASSWORD);
  runSdk(cairn, SCRIPT, ['static', PROJECT, 'static-run']);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await cairn?.stop();
});

async function freshPage() {
  ({ context, page, pageErrors } = await watchedPage(browser, { width: 1440, height: 1000 }));
  return page;
}
afterEach(async () => {
  await context?.close();
  expect(pageErrors).toEqual([]);
});

const panel = (key: string) => page.locator(`.panel[data-panel="${key.replace(/"/g, '\\"')}"] .metric-panel`);
const numberAttr = async (l: Locator, name: string) => Number(await l.getAttribute(name));
/** The chart's pixels, to tell whether a setting changed the drawing. */
const pixels = (l: Locator) => l.locator('canvas').screenshot();

describe('live charts', () => {
  it('draws new points of a live run as the server pushes them, without a reload or polling', async () => {
    const live = startSdk(cairn, SCRIPT, ['live', PROJECT, 'live-run', '240']);
    try {
      await freshPage();
      const streams: string[] = [];
      const seriesBodies: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('/api/live/projects/')) streams.push(r.url());
        if (/\/api\/v1\/series(\/batch)?$/.test(r.url())) seriesBodies.push(r.postData() ?? '');
      });
      let navigations = 0;
      page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });
      await signIn(page, `${cairn.url}/admin/${PROJECT}`, 'admin', ADMIN_PASSWORD);
      await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();
      // The new run appears (pushed "run created"), then its panel with points.
      const chart = panel('live/value');
      await chart.locator('canvas').waitFor({ timeout: 90_000 });
      const navigated = navigations;
      const lastX = await numberAttr(chart, 'data-last-x');
      await expect.poll(() => numberAttr(chart, 'data-last-x'), { timeout: 30_000 }).toBeGreaterThan(lastX);
      expect(navigations).toBe(navigated);
      expect(streams.some((u) => u.endsWith(`/api/live/projects/admin/${PROJECT}`))).toBe(true);
      // New points came as a delta: only buckets from the last drawn one, in the drawn width.
      expect(seriesBodies.some((b) => b.includes('"bucketWidth"') && b.includes('live/value'))).toBe(true);
      // System metrics (the events stream, sampled every second here) get a System section of their own.
      const system = page.locator('.panel-section[data-section="system-metrics"]');
      await system.locator('[data-system-panel] canvas').first().waitFor({ timeout: 60_000 });
      expect(await system.locator('[data-system-panel]').evaluateAll((ps) => ps.map((p) => p.getAttribute('data-system-panel'))))
        .toContainEqual(expect.stringMatching(/^system\./));
      await system.scrollIntoViewIfNeeded();
      await screenshot(page, 'live-charts-01-pushed-points');
    } finally {
      live.kill();
      await live.done.catch(() => undefined); // killed on purpose
    }
  }, 180_000);

  it('changes the drawing with smoothing, log scale and the x axis; cursors move together', async () => {
    await freshPage();
    await signIn(page, `${cairn.url}/admin/${PROJECT}/runs/static-run?tab=charts`, 'admin', ADMIN_PASSWORD);
    const loss = panel('loss');
    await loss.locator('canvas').waitFor();
    const raw = await pixels(loss);

    await page.getByLabel('Smoothing').fill('0.9');
    await expect.poll(() => loss.getAttribute('data-smoothing')).toBe('0.9');
    await expect.poll(async () => (await pixels(loss)).equals(raw)).toBe(false);
    const smoothed = await pixels(loss);

    await page.getByLabel('Log y').check();
    await expect.poll(() => loss.getAttribute('data-log-y')).toBe('true');
    await expect.poll(async () => (await pixels(loss)).equals(smoothed)).toBe(false);
    await screenshot(page, 'live-charts-02-smoothing-log');

    // Synced cursors: hovering one chart shows the x value in another chart's legend.
    const other = panel('dots.in.key');
    await other.locator('canvas').waitFor();
    const over = loss.locator('.u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(() => other.locator('.legend-x').textContent()).toMatch(/_step \d+/);

    await page.getByLabel('X axis', { exact: true }).selectOption('_runtime');
    await expect.poll(() => loss.getAttribute('data-x-key')).toBe('_runtime');
    await expect.poll(() => numberAttr(loss, 'data-points')).toBeGreaterThan(0);
    await loss.locator('canvas').waitFor();
    await screenshot(page, 'live-charts-03-relative-time');
  });

  it('draws a grouped workspace as one mean line with a min/max band per group', async () => {
    await freshPage();
    await signIn(page, `${cairn.url}/admin/${PROJECT}`, 'admin', ADMIN_PASSWORD);
    await page.getByLabel('Group runs by').selectOption('state');
    const finished = page.locator('.group-row[data-group="state: finished"]');
    await finished.locator('.group-toggle').click();
    const loss = panel('loss');
    // The legend names the group and how many of its runs are drawn.
    await expect.poll(() => loss.locator('.legend-item').allTextContents(), { timeout: 30_000 })
      .toEqual([expect.stringMatching(/^state: finished \(1\) /)]);
    await loss.locator('canvas').waitFor();
    await screenshot(page, 'live-charts-05-grouped');
  });

  it('charts metric keys with slashes, spaces, unicode and dots, and finds them by search', async () => {
    await freshPage();
    await signIn(page, `${cairn.url}/admin/${PROJECT}/runs/static-run?tab=charts`, 'admin', ADMIN_PASSWORD);
    for (const key of ODD_KEYS) {
      const chart = panel(key);
      await chart.locator('canvas').waitFor();
      expect(await numberAttr(chart, 'data-points')).toBeGreaterThan(0);
    }
    await screenshot(page, 'live-charts-04-odd-keys');
    await page.getByLabel('Search metric keys').fill('σ-metric');
    await expect.poll(() => page.locator('.panel[data-panel]').count()).toBe(1);
    await panel('ünïcode/σ-metric').locator('canvas').waitFor();
  });
});
