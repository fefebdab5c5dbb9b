/**
 * The runs table, layouts, compare and run pages in the browser, on runs logged by the real SDK
 * (workspace_populate.py): filter and sort on the server, group by a config key, find one key among 300 in the
 * column picker, hide a run from the charts (kept after a reload), save a panel layout and run colour and see them after a reload,
 * compare two runs with "diff only", edit notes and tags on a run page, preview a file, and not-found deep links.
 */
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, cairnCli, launchChromium, runSdk, screenshot, signIn, startCairn, type Cairn } from './harness.js';

const PROJECT = 'ui-table';
let cairn: Cairn;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let ids: Record<string, string>;
let pageErrors: string[] = [];

beforeAll(async () => {
  cairn = await startCairn();
  cairnCli(cairn, ['users', 'set-password', 'admin'], ADMIN_PASSWORD);
  ids = JSON.parse(runSdk(cairn, path.join(import.meta.dirname, 'workspace_populate.py'), [PROJECT]).stdout.trim().split('\n').pop()!);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await cairn?.stop();
});

async function open(pathname: string) {
  context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  page = await context.newPage();
  pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await signIn(page, `${cairn.url}${pathname}`, 'admin', ADMIN_PASSWORD);
  return page;
}
afterEach(async () => {
  await context?.close();
  expect(pageErrors).toEqual([]);
});

/** Run display names of the table's run rows, top to bottom. */
const tableRuns = (p: Page) => p.locator('.runs-table [data-run] [data-column="name"]').allTextContents();
const workspace = `/admin/${PROJECT}`;
/** A server round trip and a render can take seconds on a busy CI machine (expect.poll waits 1 s by default). */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 });
/** Columns are virtualised: scroll the table to its right end so the last columns are rendered. */
const scrollTableRight = (p: Page) => p.locator('.runs-table-scroll').evaluate((el) => { el.scrollLeft = el.scrollWidth; });

describe('runs table', () => {
  it('filters with an operator and sorts by a summary column on the server', async () => {
    await open(workspace);
    await poll(() => page.getByTestId('runs-total').textContent()).toMatch(/^4 runs/);
    await page.getByRole('button', { name: '+ Filter' }).click();
    await page.getByLabel('Filter field').fill('config.optimizer');
    await page.getByLabel('Filter value').fill('sgd');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await poll(() => page.getByTestId('runs-total').textContent()).toMatch(/^2 runs/);
    await scrollTableRight(page);
    await page.getByRole('button', { name: 'Sort by summary: best_acc' }).click();
    await poll(() => tableRuns(page)).toEqual(['delta', 'charlie']);
    await page.getByRole('button', { name: 'Sort by summary: best_acc' }).click();
    await poll(() => tableRuns(page)).toEqual(['charlie', 'delta']);
    // An operator over a list: the state is one of these.
    await page.getByLabel('Operator').selectOption('in');
    await page.getByLabel('Filter field').fill('group');
    await page.getByLabel('Filter value').fill('sweep-a, nothing');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await poll(() => tableRuns(page)).toEqual(['alpha', 'bravo']);
    await screenshot(page, 'workspace-table-filter-sort');
  });

  it('groups by a config key with counts, and expands a group', async () => {
    await open(workspace);
    await page.getByLabel('Group runs by').selectOption('config.optimizer');
    const adam = page.locator('.group-row[data-group="config.optimizer: adam"]');
    await poll(() => adam.getByTestId('group-count').textContent()).toBe('2 runs');
    await poll(() => page.locator('.group-row[data-group="config.optimizer: sgd"]').getByTestId('group-count').textContent()).toBe('2 runs');
    expect(await tableRuns(page)).toEqual([]);
    await adam.getByRole('button').click();
    await poll(async () => (await tableRuns(page)).sort()).toEqual(['alpha', 'bravo']);
    // Keyboard: the group row collapses with ←.
    await adam.focus();
    await page.keyboard.press('ArrowLeft');
    await poll(() => tableRuns(page)).toEqual([]);
    await screenshot(page, 'workspace-table-group');
  });

  it('finds one key among hundreds in the column picker and shows it as a column', async () => {
    await open(workspace);
    await page.getByRole('button', { name: /^Columns/ }).click();
    const search = page.getByLabel('Search columns');
    await search.fill('hp_217');
    await poll(() => page.locator('[data-column-option]').count()).toBe(1);
    await search.press('Enter');
    await scrollTableRight(page);
    const cell = page.locator(`[data-run="${ids.alpha}"] [data-column="config:hp_217"]`);
    await poll(() => cell.textContent()).toBe('217');
    await screenshot(page, 'workspace-table-column-picker');
    // A standard column hidden from the picker is gone from the table (then shown again for the other tests).
    const tagsHeader = page.locator('.runs-th[data-column="tags"]');
    await page.locator('.runs-table-scroll').evaluate((el) => { el.scrollLeft = 0; });
    await tagsHeader.waitFor();
    await page.getByRole('checkbox', { name: 'Tags' }).uncheck();
    await poll(() => tagsHeader.count()).toBe(0);
    await page.getByRole('checkbox', { name: 'Tags' }).check();
    await tagsHeader.waitFor();
    await poll(() => page.getByTestId('layout-saved').textContent()).toBe('saved');
    // Columns resize by dragging the header's edge (the picker, over the header, closed first).
    await scrollTableRight(page);
    await search.press('Escape');
    const width = async () => (await cell.boundingBox())!.width;
    const before = await width();
    const edge = (await page.getByRole('separator', { name: 'Resize config: hp_217' }).boundingBox())!;
    await page.mouse.move(edge.x + edge.width / 2, edge.y + edge.height / 2);
    await page.mouse.down();
    await page.mouse.move(edge.x + edge.width / 2 + 80, edge.y + edge.height / 2, { steps: 4 });
    await page.mouse.up();
    await poll(width).toBeGreaterThan(before + 60);
  });

  it('hides a run from the charts with its eye, keeps it hidden after a reload, and shows it from the keyboard', async () => {
    await open(workspace);
    const runsInCharts = () => page.locator('.panel-grid-bar').first().textContent();
    await poll(runsInCharts).toContain('4 runs');
    await page.getByRole('button', { name: 'Hide alpha in charts' }).click();
    await poll(runsInCharts).toContain('3 runs');
    await poll(() => page.getByRole('button', { name: 'Show alpha in charts' }).getAttribute('aria-pressed')).toBe('false');
    // Hidden runs are saved in the workspace layout.
    await poll(() => page.getByTestId('layout-saved').textContent()).toBe('saved');
    await page.reload();
    await poll(() => page.getByRole('button', { name: 'Show alpha in charts' }).getAttribute('aria-pressed')).toBe('false');
    await poll(runsInCharts).toContain('3 runs');
    await screenshot(page, 'workspace-table-hide');
    // Space on a focused row toggles it back (and that is saved too, for the other tests).
    await page.locator(`[data-run="${ids.alpha}"]`).focus();
    await page.keyboard.press(' ');
    await poll(runsInCharts).toContain('4 runs');
    await poll(() => page.getByTestId('layout-saved').textContent()).toBe('saved');
  });
});

describe('layout', () => {
  it('saves removed and resized panels and a run colour, and shows them after a reload', async () => {
    await open(workspace);
    await page.locator('[data-panel="loss"]').waitFor();
    await page.getByRole('button', { name: 'Remove panel loss' }).click();
    await page.getByRole('button', { name: /^Resize panel val\/acc/ }).click();
    await page.getByRole('button', { name: /^Colour of bravo/ }).click();
    await page.getByRole('menuitemradio', { name: 'wine' }).click();
    await poll(() => page.getByTestId('layout-saved').textContent()).toBe('saved');
    await page.reload();
    await page.locator('[data-panel="val/acc"]').waitFor();
    expect(await page.locator('[data-panel="loss"]').count()).toBe(0);
    expect(await page.locator('[data-panel="val/acc"]').getAttribute('data-span')).toBe('2');
    await poll(() => page.getByRole('button', { name: 'Colour of bravo: wine' }).count()).toBe(1);
    await screenshot(page, 'workspace-layout-after-reload');
    // Back to the automatic layout for the other tests.
    await page.getByRole('button', { name: /^Restore 1 removed/ }).click();
    await poll(() => page.getByTestId('layout-saved').textContent()).toBe('saved');
  });
});

describe('compare', () => {
  it('compares two selected runs side by side, diff only', async () => {
    await open(workspace);
    await page.getByLabel('Select alpha for comparing').check();
    await page.getByLabel('Select charlie for comparing').check();
    await page.getByRole('button', { name: 'Compare (2)' }).click();
    const config = page.getByTestId('compare-config');
    await config.locator('[data-key="optimizer"]').waitFor();
    expect(await config.locator('[data-key="lr"]').count()).toBe(1);
    await page.getByLabel('Diff only').check();
    await poll(() => config.locator('[data-key="lr"]').count()).toBe(0);
    expect(await config.locator('[data-key="optimizer"] td').allTextContents()).toEqual(['adam', 'sgd']);
    expect(await config.locator('[data-key="batch_size"]').count()).toBe(0);
    await page.locator('.compare-page [data-panel="loss"]').waitFor();
    await screenshot(page, 'compare-diff-only');
  });
});

describe('run page', () => {
  it('edits notes and tags, which stay after a reload; shows the metadata facts', async () => {
    await open(`${workspace}/runs/${ids.bravo}`);
    await page.getByRole('button', { name: 'Edit notes' }).click();
    await page.getByRole('textbox', { name: 'Notes' }).fill('lr 0.01 looks promising');
    await page.getByRole('button', { name: 'Save notes' }).click();
    await poll(() => page.getByTestId('run-notes').textContent()).toBe('lr 0.01 looks promising');
    await page.getByLabel('New tag').fill('keep');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('[data-tag="keep"]').waitFor();
    await page.getByRole('button', { name: 'Remove tag tuned' }).click();
    await poll(() => page.locator('[data-tag="tuned"]').count()).toBe(0);
    await page.reload();
    await poll(() => page.getByTestId('run-notes').textContent()).toBe('lr 0.01 looks promising');
    expect(await page.locator('[data-tag]').evaluateAll((els) => els.map((e) => e.getAttribute('data-tag')))).toEqual(['keep']);
    await poll(() => page.locator('[data-fact="W&B SDK"]').textContent()).toMatch(/^\d+\.\d+/);
    await poll(() => page.locator('[data-fact="Python"]').textContent()).not.toBe('—');
    await screenshot(page, 'run-page-notes-tags');
  });

  it('previews a text file from the files tab and links the artifacts used', async () => {
    await open(`${workspace}/runs/${ids.alpha}?tab=files`);
    await page.locator('[data-file="notes/readme.txt"]').click();
    await poll(() => page.getByTestId('file-text').textContent()).toContain('hello from alpha');
    expect(await page.getByRole('link', { name: 'Download' }).getAttribute('href')).toBeTruthy();
    await screenshot(page, 'run-page-file-preview');
    await page.goto(`${cairn.url}${workspace}/runs/${ids.bravo}?tab=artifacts`);
    await page.getByTestId('artifacts-used').getByRole('link', { name: 'dataset:v0' }).waitFor();
  });

  it('shows a clear not-found page for a run or project that does not exist', async () => {
    await open(`${workspace}/runs/no-such-run`);
    await page.getByTestId('not-found').waitFor();
    await page.goto(`${cairn.url}/admin/no-such-project-here`);
    await poll(() => page.getByTestId('not-found').textContent()).toContain('does not exist');
    await screenshot(page, 'not-found');
  });
});
