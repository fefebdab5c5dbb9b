/**
 * Reports in the browser: a report saved from code with W&B's reports API (wandb-workspaces, real SDK) renders
 * with every block and its charts drawn from the run set's live data; unknown blocks and panels say what they
 * are. A report made in the UI (text blocks and a line plot on the project's runs) is saved as a draft, then
 * published, and reads back through GraphQL as a W&B-shaped spec.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, ADMIN_PASSWORD, cairnCli, launchChromium, runSdk, screenshot, signIn, startCairn, type Cairn } from './harness.js';

const PROJECT = 'ui-reports';
let cairn: Cairn;
let browser: Browser;
let saved: { id: string; url: string };

async function gql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${cairn.url}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`api:${ADMIN_KEY}`).toString('base64')}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data;
}

beforeAll(async () => {
  cairn = await startCairn();
  cairnCli(cairn, ['users', 'set-password', 'admin'], ADMIN_PASSWORD);
  const out = runSdk(cairn, path.join(import.meta.dirname, 'reports_populate.py'), [PROJECT]);
  const line = /^RESULT (.*)$/m.exec(out.stdout);
  expect(line, out.stdout + out.stderr).not.toBeNull();
  saved = JSON.parse(line![1]!) as { id: string; url: string };
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await cairn?.stop();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  await signIn(page, cairn.url, 'admin', ADMIN_PASSWORD);
  return page;
}

describe('reports', () => {
  it('renders a report saved with wandb-workspaces, its charts drawn from live data', async () => {
    const page = await newPage();
    // The project's report list links to it.
    await page.goto(`${cairn.url}/admin/${PROJECT}/reports`);
    await page.getByTestId('report-list').getByRole('link', { name: 'Training summary' }).click();
    await page.getByTestId('report-page').waitFor();
    // The SDK's own report URL is the page's address (same path scheme as W&B).
    expect(new URL(page.url()).pathname).toBe(new URL(saved.url).pathname.replace(/=+$/, ''));
    expect(await page.getByTestId('report-title').textContent()).toBe('Training summary');

    const block = (type: string) => page.locator(`.report-block[data-block-type="${type}"]`);
    expect(await block('heading').locator('h2').textContent()).toBe('Results');
    expect(await block('paragraph').first().textContent()).toBe('Loss went down for both runs.');
    expect(await block('paragraph').first().getByRole('link', { name: 'down' }).getAttribute('href')).toBe('https://example.com/loss');
    expect(await block('markdown-block').locator('strong').textContent()).toBe('bold');
    expect(await block('markdown-block').locator('li').allTextContents()).toEqual(['first point', 'second point']);
    expect(await block('code-block').locator('code').textContent()).toBe("print('hello report')");
    expect(await block('image').locator('img').getAttribute('alt')).toBe('a blue square');
    // Blocks and panels Cairn does not draw are named, never blank.
    expect(await block('table-of-contents').textContent()).toContain('block type "table-of-contents"');
    expect(await page.locator('.report-panel[data-view-type="Parallel Coordinates Plot"]').textContent()).toContain('panel type "Parallel Coordinates Plot"');

    // The line plot: the workspace's uPlot chart over the bucketed series, one line per run, with points.
    const line = block('panel-grid').first().locator('.report-panel[data-view-type="Run History Line Plot"] .metric-panel');
    await line.locator('canvas').waitFor({ timeout: 30_000 });
    await expect.poll(() => line.getAttribute('data-lines')).toBe('2');
    expect(Number(await line.getAttribute('data-points'))).toBeGreaterThan(10);
    // A run set with filters (config value and state) draws only the runs that pass them.
    const filtered = block('panel-grid').nth(1).locator('.metric-panel');
    await filtered.locator('canvas').waitFor({ timeout: 30_000 });
    await expect.poll(() => filtered.getAttribute('data-lines')).toBe('1');
    expect(await filtered.locator('.legend').textContent()).toContain('beta');
    expect(await filtered.locator('.legend').textContent()).not.toContain('alpha');
    expect(await line.locator('.legend').textContent()).toMatch(/alpha.*beta|beta.*alpha/s);
    // Bar chart and scalar: the runs' summary values (acc ends at 49/50 × scale).
    const bars = page.locator('.report-panel[data-view-type="Bar Chart"] .report-bar');
    await expect.poll(() => bars.count()).toBe(2);
    expect((await bars.allTextContents()).join(' ')).toMatch(/0\.98/);
    const scalar = page.locator('.report-panel[data-view-type="Scalar Chart"] .report-scalar');
    expect(Number(await scalar.getAttribute('data-value'))).toBeCloseTo((0.98 + 1.96) / 2, 6);
    await screenshot(page, 'report-from-sdk');
    await page.context().close();
  });

  it('creates a report in the UI: text and a line plot, saved as a draft, then published', async () => {
    const page = await newPage();
    await page.goto(`${cairn.url}/admin/${PROJECT}/reports/new`);
    await page.getByLabel('Report title').fill('Made in the UI');
    await page.getByLabel('Heading text').fill('Findings');
    await page.getByLabel('Paragraph text').fill('Beta learns faster.');
    await page.getByRole('button', { name: 'Add line plot' }).click();
    await page.getByLabel('Line plot metrics').fill('loss');
    await page.getByLabel('Line plot title').fill('Loss by step');
    await page.getByRole('button', { name: 'Save draft' }).click();

    await page.getByTestId('draft-badge').waitFor();
    expect(await page.getByTestId('report-page').getAttribute('data-report-type')).toBe('runs/draft');
    const line = page.locator('.report-panel[data-view-type="Run History Line Plot"] .metric-panel');
    await line.locator('canvas').waitFor({ timeout: 30_000 });
    await expect.poll(() => line.getAttribute('data-lines')).toBe('2');
    // A draft is not a published report yet.
    const listed = () => gql<{ project: { allViews: { edges: { node: { displayName: string } }[] } } }>(
      'query($p: String!) { project(entityName: "admin", name: $p) { allViews { edges { node { displayName } } } } }', { p: PROJECT },
    ).then((d) => d.project.allViews.edges.map((e) => e.node.displayName).sort());
    expect(await listed()).toEqual(['Training summary']);

    await page.getByRole('button', { name: 'Publish' }).click();
    await expect.poll(() => page.getByTestId('report-page').getAttribute('data-report-type')).toBe('runs');
    expect(await page.getByTestId('draft-badge').count()).toBe(0);
    expect(await page.locator('.report-block[data-block-type="heading"]').textContent()).toBe('Findings');
    expect(await page.locator('.report-block[data-block-type="paragraph"]').textContent()).toBe('Beta learns faster.');
    await line.locator('canvas').waitFor({ timeout: 30_000 });
    await screenshot(page, 'report-made-in-ui');
    expect(await listed()).toEqual(['Made in the UI', 'Training summary']);

    // Stored as a W&B-shaped spec: the SDK's public API reads its blocks.
    const id = /--([A-Za-z0-9+/]+)$/.exec(new URL(page.url()).pathname)![1]!;
    const view = await gql<{ view: { spec: string } }>('query($id: ID!) { view(id: $id) { spec } }', { id });
    const spec = JSON.parse(view.view.spec) as { blocks: { type: string; metadata?: { panelBankSectionConfig: { panels: { viewType: string; config: { metrics: string[] } }[] } } }[] };
    const grid = spec.blocks.find((b) => b.type === 'panel-grid')!;
    expect(grid.metadata!.panelBankSectionConfig.panels[0]).toMatchObject({ viewType: 'Run History Line Plot', config: { metrics: ['loss'] } });
    await page.context().close();
  });
});
