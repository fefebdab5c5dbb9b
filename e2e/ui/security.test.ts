/**
 * Browser security of the web UI, in real headless Chromium against a real `cairn serve`: the session cookie's
 * flags, CSRF from other origins (an attacker page served by a second local HTTP server), and sign-in throttling
 * as the sign-in form shows it. Every test leaves a screenshot in e2e/.out/ui/.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, ADMIN_PASSWORD, cairnCli, launchChromium, screenshot, signIn, startCairn, watchedPage, type Cairn } from './harness.js';

const CAROL_PASSWORD = 'carol keeps a long passphrase';
/** Failed sign-ins per username before throttling: small, so the test needs few slow scrypt checks. */
const MAX_FAILURES = 3;
const API = { authorization: `Basic ${Buffer.from(`api:${ADMIN_KEY}`).toString('base64')}` };

let cairn: Cairn;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageErrors: string[] = [];
let attacker: http.Server;
let attackerPort: number;

/**
 * The attacker's page. It tries every write a page on another origin can make with the victim's cookies:
 * text/plain form posts (the body is valid JSON) into hidden iframes, and credentialed fetches; it also tries to
 * read the session (and its CSRF token) and to send a JSON request, which need CORS that Cairn never grants.
 */
const attackPage = (target: string) => `<!doctype html>
<title>Free GPUs</title>
<h1>Totally unrelated page</h1>
<iframe name="sink1"></iframe><iframe name="sink2"></iframe>
<form id="keyForm" method="POST" action="${target}/api/v1/keys" enctype="text/plain" target="sink1">
  <input name='{"name":"csrf-form","x":"' value='"}'></form>
<form id="gqlForm" method="POST" action="${target}/graphql" enctype="text/plain" target="sink2">
  <input name='{"query":"mutation { upsertModel(input: {name: \\"csrf-form-project\\"}) { project { id } } }","x":"' value='"}'></form>
<script>
const T = ${JSON.stringify(target)};
const loaded = (name) => new Promise((r) => { document.querySelector('iframe[name=' + name + ']').onload = r; setTimeout(r, 15000); });
window.results = (async () => {
  const out = {};
  const attempt = async (name, fn) => { try { out[name] = await fn(); } catch (e) { out[name] = 'blocked: ' + e.name; } };
  const sink1 = loaded('sink1'), sink2 = loaded('sink2');
  document.getElementById('keyForm').submit();
  document.getElementById('gqlForm').submit();
  await Promise.all([sink1, sink2]);
  await attempt('keyFetch', async () => (await fetch(T + '/api/v1/keys', { method: 'POST', mode: 'no-cors', credentials: 'include',
    headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ name: 'csrf-fetch' }) })).type);
  await attempt('gqlFetch', async () => (await fetch(T + '/graphql', { method: 'POST', mode: 'no-cors', credentials: 'include',
    headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: 'mutation { upsertModel(input: {name: "csrf-fetch-project"}) { project { id } } }' }) })).type);
  await attempt('keyJson', async () => (await fetch(T + '/api/v1/keys', { method: 'POST', credentials: 'include',
    headers: { 'content-type': 'application/json', 'x-csrf-token': 'guess' }, body: JSON.stringify({ name: 'csrf-json' }) })).status);
  await attempt('readSession', async () => (await (await fetch(T + '/api/v1/session', { credentials: 'include' })).json()).csrfToken);
  document.body.dataset.done = 'yes';
  return out;
})();
</script>`;

beforeAll(async () => {
  cairn = await startCairn({ CAIRN_TRUST_PROXY: '1', CAIRN_LOGIN_MAX_FAILURES_PER_USER: String(MAX_FAILURES) });
  cairnCli(cairn, ['users', 'set-password', 'admin'], ADMIN_PASSWORD);
  cairnCli(cairn, ['users', 'create', 'carol', '--password-stdin'], CAROL_PASSWORD);
  attacker = http.createServer((req, res) => {
    const target = new URL(req.url ?? '/', 'http://x').searchParams.get('target') ?? '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(attackPage(target));
  });
  await new Promise<void>((resolve) => attacker.listen(0, '0.0.0.0', resolve));
  attackerPort = (attacker.address() as AddressInfo).port;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (attacker ? attacker.close(r) : r(undefined)));
  await cairn?.stop();
});

async function freshPage() {
  ({ context, page, pageErrors } = await watchedPage(browser, { width: 1280, height: 800 }));
  return page;
}
afterEach(async () => {
  await context?.close();
  expect(pageErrors).toEqual([]);
});

async function apiGet<T>(path: string): Promise<T> {
  const r = await fetch(`${cairn.url}${path}`, { headers: API });
  expect(r.status).toBe(200);
  return (await r.json()) as T;
}
async function adminKeyNames(): Promise<(string | null)[]> {
  return (await apiGet<{ keys: { name: string | null }[] }>('/api/v1/keys')).keys.map((k) => k.name);
}
async function projectExists(name: string): Promise<boolean> {
  const r = await fetch(`${cairn.url}/graphql`, {
    method: 'POST', headers: { ...API, 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'query($n: String) { project(name: $n, entityName: "admin") { id } }', variables: { n: name } }),
  });
  const body = (await r.json()) as { data?: { project: unknown } };
  expect(r.status).toBe(200);
  return body.data?.project != null;
}
const cookieFlags = (setCookie: string | null) => (setCookie ?? '').split(';').map((s) => s.trim());

describe('web UI security', () => {
  it('keeps the session in an HttpOnly, SameSite=Lax cookie that page scripts cannot read; Secure behind a TLS proxy', async () => {
    await freshPage();
    await signIn(page, cairn.url, 'admin', ADMIN_PASSWORD);
    const session = (await context.cookies(cairn.url)).find((c) => c.name === 'cairn_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', secure: false });
    expect(session!.value.length).toBeGreaterThanOrEqual(40);
    // The page's own scripts see no session cookie, yet their same-origin requests are signed in.
    expect(await page.evaluate(() => document.cookie)).not.toContain('cairn_session');
    expect(await page.evaluate(async () => (await fetch('/api/v1/session')).status)).toBe(200);
    await screenshot(page, 'security-01-signed-in');

    // Chromium here reaches Cairn over plain http only, so the TLS case is checked from Node: with
    // CAIRN_TRUST_PROXY on, a proxy's `X-Forwarded-Proto: https` makes the cookie Secure; plain http does not.
    const login = (headers: Record<string, string>) => fetch(`${cairn.url}/api/v1/session`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const viaProxy = await login({ 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' });
    expect(viaProxy.status).toBe(200);
    const proxied = cookieFlags(viaProxy.headers.get('set-cookie'));
    expect(proxied[0]).toMatch(/^cairn_session=[\w-]{40,}$/);
    expect(proxied).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Secure']));
    const direct = cookieFlags((await login({})).headers.get('set-cookie'));
    expect(direct).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax']));
    expect(direct).not.toContain('Secure');
  });

  it('refuses writes from pages on other origins (CSRF) and changes nothing; the UI itself still writes', async () => {
    await freshPage();
    await signIn(page, `${cairn.url}/settings`, 'admin', ADMIN_PASSWORD);
    const keysBefore = await adminKeyNames();
    const cairnPort = new URL(cairn.url).port;
    // Every response the browser got from Cairn, by the page that asked (the origin of the request's Referer: the
    // settings page's own late requests must not count as the attacker's; Playwright shows no Origin header for the
    // fetches). Playwright does not reliably show the Cookie header of these requests either; the status tells: no
    // live session 401, a session without its token 403.
    const seen: { method: string; path: string; status: number; from: string }[] = [];
    page.on('response', (r: Response) => {
      const u = new URL(r.url());
      const referer = r.request().headers().referer;
      if (u.port === cairnPort) seen.push({ method: r.request().method(), path: u.pathname, status: r.status(), from: referer ? new URL(referer).origin : '' });
    });

    // localhost:<other port> is the same *site* as Cairn (ports do not count), so SameSite=Lax lets the cookie go
    // and only the CSRF token stops the write: 403. 127.0.0.1:<other port> is another site: no cookie at all, 401.
    for (const [host, status, why] of [['localhost', 403, 'X-CSRF-Token'], ['127.0.0.1', 401, 'authentication required']] as const) {
      const attackerOrigin = `http://${host}:${attackerPort}`;
      await page.goto(`${attackerOrigin}/attack.html?target=${encodeURIComponent(cairn.url)}`);
      const results = await page.evaluate(() => (window as unknown as { results: Promise<Record<string, unknown>> }).results);
      // Credentialed no-cors posts go out but their answer is opaque; JSON posts and reading the session need CORS.
      expect(results).toEqual({ keyFetch: 'opaque', gqlFetch: 'opaque', keyJson: 'blocked: TypeError', readSession: 'blocked: TypeError' });
      await expect.poll(() => seen.filter((s) => s.from === attackerOrigin && s.method === 'POST').length).toBe(4);
      const writes = seen.filter((s) => s.from === attackerOrigin && s.method === 'POST');
      expect(writes.map((s) => s.path).sort()).toEqual(['/api/v1/keys', '/api/v1/keys', '/graphql', '/graphql']);
      expect(writes.map((w) => w.status)).toEqual([status, status, status, status]);
      // The form posts' answers, shown in the attacker's iframes, say why.
      for (const sink of ['sink1', 'sink2']) expect(await page.frame({ name: sink })!.textContent('body')).toContain(why);
      await screenshot(page, `security-02-attacker-${host}`);
    }

    // Nothing changed: no key, no project.
    expect(await adminKeyNames()).toEqual(keysBefore);
    for (const name of ['csrf-form-project', 'csrf-fetch-project']) expect(await projectExists(name)).toBe(false);

    // The same write from Cairn's own page (same origin, with the session's CSRF token) works.
    await page.goto(`${cairn.url}/settings`);
    await page.getByLabel('Name').fill('made-in-the-ui');
    await page.getByRole('button', { name: 'Create API key' }).click();
    await page.getByTestId('new-key').waitFor();
    const keysAfter = await adminKeyNames();
    expect(keysAfter).toHaveLength(keysBefore.length + 1);
    expect(keysAfter).toEqual(expect.arrayContaining([...keysBefore, 'made-in-the-ui']));
    await screenshot(page, 'security-02-same-origin-key');
  });

  it('throttles repeated wrong passwords in the sign-in form; the right one waits too', async () => {
    await freshPage();
    await page.goto(cairn.url);
    const attempt = async (password: string) => {
      await page.getByLabel('Username').fill('carol');
      await page.getByLabel('Password').fill(password);
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const status = (await answer).status();
      await page.getByRole('button', { name: 'Sign in' }).waitFor(); // the form is idle again and shows its message
      return { status, message: await page.getByRole('alert').textContent() };
    };
    for (let i = 0; i < MAX_FAILURES; i++) {
      expect(await attempt(`wrong guess ${i}`)).toEqual({ status: 401, message: 'wrong username or password' });
    }
    const throttled = await attempt('yet another guess');
    expect(throttled.status).toBe(429);
    expect(throttled.message).toMatch(/^too many failed sign-ins for this user or address: sign-in is paused, try again in \d+ minutes$/);
    // The right password is refused while throttled: same message, no session.
    expect(await attempt(CAROL_PASSWORD)).toEqual(throttled);
    expect(await page.getByTestId('whoami').count()).toBe(0);
    expect((await context.cookies(cairn.url)).map((c) => c.name)).not.toContain('cairn_session');
    await screenshot(page, 'security-03-sign-in-throttled');
  });
});
