/**
 * Run media in the browser: a run logged by the real SDK (media_populate.py) with an image over steps, a
 * histogram and tables. The step slider changes the image, a table is sorted and paged on the server with its
 * image cells shown, and a corrupt table file is reported with the server's message (not a blank page).
 */
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, cairnCli, launchChromium, runSdk, screenshot, signIn, startCairn, watchedPage, type Cairn } from './harness.js';

const PROJECT = 'ui-media';
let cairn: Cairn;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let runId: string;
let pageErrors: string[] = [];

beforeAll(async () => {
  cairn = await startCairn();
  cairnCli(cairn, ['users', 'set-password', 'admin'], ADMIN_PASSWORD);
  runId = runSdk(cairn, path.join(import.meta.dirname, 'media_populate.py'), [PROJECT]).stdout.trim().split('\n').pop()!;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await cairn?.stop();
});

async function openMedia() {
  ({ context, page, pageErrors } = await watchedPage(browser, { width: 1440, height: 1000 }));
  await signIn(page, `${cairn.url}/admin/${PROJECT}/runs/${runId}?tab=media`, 'admin', ADMIN_PASSWORD);
  return page;
}
afterEach(async () => {
  await context?.close();
  expect(pageErrors).toEqual([]);
});

/** Whether an <img> has loaded real pixels. */
const loaded = (p: Page, selector: string) => p.locator(selector).first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0);

describe('run media', () => {
  it('moves the step slider and shows each step\'s image; draws the histogram', async () => {
    await openMedia();
    const panel = page.locator('[data-testid="image-panel"][data-key="examples/digit"]');
    const image = panel.getByTestId('media-image');
    await image.waitFor();
    expect(await panel.getByTestId('media-step').textContent()).toBe('3');
    const last = await image.getAttribute('src');
    await expect.poll(() => loaded(page, '[data-key="examples/digit"] [data-testid="media-image"]')).toBe(true);

    const slider = panel.getByRole('slider', { name: 'Step of examples/digit' });
    await slider.focus();
    await slider.press('Home');
    await expect.poll(() => panel.getByTestId('media-step').textContent()).toBe('0');
    await expect.poll(() => image.getAttribute('src')).not.toBe(last);
    const first = await image.getAttribute('src');
    expect(await image.getAttribute('alt')).toBe('step 0');
    await slider.press('ArrowRight');
    await expect.poll(() => image.getAttribute('alt')).toBe('step 1');
    expect(new Set([last, first, await image.getAttribute('src')]).size).toBe(3);

    const hist = page.locator('[data-testid="histogram-panel"][data-key="grad"]');
    await expect.poll(() => hist.getByTestId('histogram-bars').getAttribute('aria-label')).toBe('Histogram at step 3: 4 bins, 16 values');
    await hist.getByTestId('histogram-heatmap').waitFor();
    await screenshot(page, 'media-01-images-histograms');
  });

  it('sorts and pages a table on the server, with image cells and a version per step', async () => {
    await openMedia();
    await page.getByTestId('open-table').filter({ hasText: 'predictions' }).click();
    const viewer = page.locator('[data-testid="table-viewer"][data-key="predictions"]');
    await expect.poll(() => viewer.getByTestId('table-page').textContent()).toBe('Rows 1–50 of 120');
    await expect.poll(() => loaded(page, '[data-testid="table-image"]')).toBe(true);
    expect(await viewer.getByTestId('table-image').count()).toBe(50);

    const firstLabels = () => viewer.getByTestId('table-row').evaluateAll((rows) => rows.slice(0, 3).map((r) => r.children[2]!.textContent));
    const sorted = page.waitForRequest((r) => r.url().includes('/table?') && r.url().includes('sort=score') && r.url().includes('desc=1'));
    await viewer.getByTestId('sort-score').click();
    await viewer.getByTestId('sort-score').click();
    await sorted;
    // score = (i*37 mod 120)/10: 11.9 at i = 107 (37 × 107 ≡ 119), then 11.8 at 94, 11.7 at 81.
    await expect.poll(firstLabels).toEqual(['sample-107', 'sample-94', 'sample-81']);
    await viewer.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => viewer.getByTestId('table-page').textContent()).toBe('Rows 51–100 of 120');
    expect(await viewer.locator('th[aria-sort="descending"]').textContent()).toMatch(/score/);
    await screenshot(page, 'media-02-table-sorted-page-2');

    await viewer.getByLabel('Table version').selectOption('4');
    await expect.poll(() => viewer.getByTestId('table-page').textContent()).toBe('Rows 1–1 of 1');
    expect(await firstLabels()).toEqual(['draft']);
  });

  it('shows a project\'s images run by run from the workspace\'s Media link', async () => {
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await signIn(page, `${cairn.url}/admin/${PROJECT}`, 'admin', ADMIN_PASSWORD);
    await page.locator('.page-head').getByRole('link', { name: 'Media', exact: true }).click();
    const panel = page.getByTestId('project-media').locator('[data-testid="image-panel"][data-key="examples/digit"]');
    await expect.poll(() => panel.locator('h4').textContent()).toBe('media-run');
    await expect.poll(() => loaded(page, '[data-testid="project-media"] [data-testid="media-image"]')).toBe(true);
    expect(await page.getByTestId('project-media').getByRole('link', { name: 'media-run' }).getAttribute('href')).toMatch(/\?tab=media$/);
    await screenshot(page, 'media-04-project-media');
  });

  it('says what is wrong with a corrupt table file', async () => {
    await openMedia();
    await page.getByTestId('open-table').filter({ hasText: 'broken' }).click();
    const viewer = page.locator('[data-testid="table-viewer"][data-key="broken"]');
    // Polls the whole viewer (not just its alert) so that a failure shows what the page said instead.
    await expect.poll(() => viewer.textContent({ timeout: 5_000 }).catch((e: unknown) => String(e))).toMatch(/broken\.table\.json is not valid JSON/);
    expect(await viewer.getByRole('alert').textContent()).toMatch(/not valid JSON/);
    await screenshot(page, 'media-03-corrupt-table');
  });
});
