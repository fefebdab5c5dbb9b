/**
 * Alerts in the browser: an admin adds a signed webhook destination on the settings page, a run made by the real
 * SDK calls run.alert, the local receiver gets it, and the run page lists the alert with its delivery. Bad input:
 * a destination on a private address is refused with the server's message (nothing is added).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, cairnCli, launchChromium, runSdk, screenshot, signIn, startCairn, type Cairn } from './harness.js';

let cairn: Cairn;
let browser: Browser;
let receiver: http.Server;
let receiverUrl: string;
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  // Loopback is refused by default; this server allows it so the test's receiver can be called.
  cairn = await startCairn({ CAIRN_WEBHOOK_ALLOW_CIDRS: '127.0.0.0/8', CAIRN_WEBHOOK_POLL_SECONDS: '0.2' });
  cairnCli(cairn, ['users', 'set-password', 'admin'], ADMIN_PASSWORD);
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += String(d); });
    req.on('end', () => { received.push({ headers: req.headers, body }); res.writeHead(204).end(); });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await cairn?.stop();
  receiver?.close();
});

describe('alerts', () => {
  it('a destination added in settings receives run.alert, and the run page lists it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page: Page = await context.newPage();
    await signIn(page, cairn.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${cairn.url}/settings`);
    const admin = page.locator('.alert-entity[data-entity="admin"]');

    // Bad input first: a private address is refused, with the reason, and nothing is added.
    await admin.getByLabel('Kind').selectOption('webhook');
    await admin.getByLabel('Signing secret').fill('ui-alert-secret-0123456789');
    await admin.getByLabel('URL').fill('http://10.1.2.3/hook');
    await admin.getByRole('button', { name: 'Add destination' }).click();
    await expect.poll(() => admin.getByRole('alert').textContent()).toMatch(/private|not allowed|refused|address/i);
    expect(await admin.locator('tr[data-destination-id]').count()).toBe(0);

    await admin.getByLabel('URL').fill(receiverUrl);
    await admin.getByRole('button', { name: 'Add destination' }).click();
    await admin.locator('tr[data-destination-id]').first().waitFor();
    await admin.getByLabel('Run failed').click(); // the box follows the server's answer
    await expect.poll(() => admin.getByLabel('Run failed').isChecked()).toBe(true);
    await screenshot(page, 'alerts-settings');

    const runId = runSdk(cairn, path.join(import.meta.dirname, 'alert_run.py'), ['ui-alerts', 'Loss diverged']).stdout.trim().split('\n').pop()!;
    await expect.poll(() => received.length, { timeout: 30_000 }).toBeGreaterThan(0);
    const body = JSON.parse(received[0]!.body) as Record<string, unknown>;
    expect(JSON.stringify(body)).toContain('Loss diverged');
    expect(received[0]!.headers['x-cairn-signature-256']).toMatch(/^sha256=/);

    await page.goto(`${cairn.url}/admin/ui-alerts/runs/${runId}`);
    const alert = page.locator('.run-alerts li').first();
    await expect.poll(() => alert.textContent(), { timeout: 20_000 }).toMatch(/\[WARN\] Loss diverged.*delivered/s);
    await screenshot(page, 'alerts-run-page');
    await context.close();
  });
});
