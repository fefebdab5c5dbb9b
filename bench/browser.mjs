/**
 * Headless Debian Chromium for the UI benchmarks (the same flags as the UI test harness, e2e/ui/harness.ts),
 * signed in to Cairn as `username`; plus the small statistics they print.
 */
import { chromium } from 'playwright-core';

const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/** Launches Chromium and signs in through the sign-in form; returns { browser, context, page }. */
export async function signedInPage(url, username, password, viewport = { width: 1440, height: 900 }) {
  const browser = await chromium.launch({
    executablePath: process.env.CAIRN_E2E_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS,
  });
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('whoami').waitFor();
  return { browser, context, page };
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
export const fmtMs = (xs) =>
  `median ${median(xs).toFixed(0)} ms, min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)} (n=${xs.length})`;
