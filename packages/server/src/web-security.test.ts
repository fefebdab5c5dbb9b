import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { openRuntime, type Runtime } from './cli/runtime.js';
import { loadConfig } from './config.js';
import { InMemoryQuotaCounter } from './core/quota.js';

/** The real app (SQLite + fs in a temp dir) with web sessions, low throttles and an optional request budget. */
const ADMIN_KEY = `local-${'a'.repeat(40)}`;
const PASSWORD = 'admin-password-1';
const VIEWER = '{ viewer { username } }';

let dataDir: string;
let runtime: Runtime;
let app: FastifyInstance;

async function open(opts: { requestBudget?: number } = {}) {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-websec-'));
  const config = loadConfig({ dataDir, adminKey: ADMIN_KEY, logLevel: 'silent' }, {
    CAIRN_LOGIN_MAX_FAILURES_PER_USER: '3', CAIRN_LOGIN_WINDOW_SECONDS: '120',
  });
  runtime = await openRuntime(config);
  await runtime.services.auth.bootstrapAdmin(config.adminUsername, config.adminKey);
  await runtime.services.webAuth.setPassword('admin', PASSWORD, 'test');
  app = await buildApp({
    // As deployed behind a TLS-terminating proxy (CAIRN_TRUST_PROXY): X-Forwarded-Proto is believed.
    services: runtime.services, fileStreamBodyLimit: config.fileStreamBodyLimit, trustProxy: true,
    limits: opts.requestBudget ? { rateLimit: new InMemoryQuotaCounter(opts.requestBudget, 60_000) } : {},
  });
}

afterEach(async () => {
  await app.close();
  await runtime.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const inject = (o: InjectOptions) => app.inject(o);
const basic = (key: string) => `Basic ${Buffer.from(`api:${key}`).toString('base64')}`;

async function signIn(extraHeaders: Record<string, string> = {}) {
  const res = await inject({
    method: 'POST', url: '/api/v1/session', headers: { 'content-type': 'application/json', ...extraHeaders },
    payload: { username: 'admin', password: PASSWORD },
  });
  expect(res.statusCode).toBe(200);
  const setCookie = String(res.headers['set-cookie']);
  const cookie = setCookie.split(';')[0]!;
  return { res, setCookie, cookie, csrf: (res.json() as { csrfToken: string }).csrfToken };
}

const gqlWith = (headers: Record<string, string>, query = VIEWER) =>
  inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', ...headers }, payload: { query } });

describe('web sessions over HTTP', () => {
  beforeEach(() => open());

  it('sets an HttpOnly, SameSite=Lax, Path=/ cookie; Secure only when the request came over TLS', async () => {
    const plain = await signIn();
    expect(plain.setCookie).toMatch(/^cairn_session=[A-Za-z0-9_-]{43}; /);
    expect(plain.setCookie).toContain('HttpOnly');
    expect(plain.setCookie).toContain('SameSite=Lax');
    expect(plain.setCookie).toContain('Path=/');
    expect(plain.setCookie).not.toContain('Secure');
    expect(plain.res.json()).toMatchObject({ user: { username: 'admin', admin: true } });
    const tls = await signIn({ 'x-forwarded-proto': 'https' });
    expect(tls.setCookie).toContain('; Secure');
  });

  it('GET /api/v1/session tells who is signed in, with the CSRF token; 401 without a session', async () => {
    const { cookie, csrf } = await signIn();
    const me = await inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { username: 'admin' }, csrfToken: csrf });
    expect((await inject({ method: 'GET', url: '/api/v1/session' })).statusCode).toBe(401);
    expect((await inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: 'cairn_session=forged' } })).statusCode).toBe(401);
  });

  it('wrong password is 401 with one message for every cause', async () => {
    for (const username of ['admin', 'nobody']) {
      const res = await inject({ method: 'POST', url: '/api/v1/session', payload: { username, password: 'wrong-password' } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('wrong username or password');
    }
    const bad = await inject({ method: 'POST', url: '/api/v1/session', payload: { user: 'admin' } });
    expect(bad.statusCode).toBe(400);
  });

  it('refuses a cookie-authenticated state change without the right X-CSRF-Token; API keys need none', async () => {
    const { cookie, csrf } = await signIn();
    const noToken = await inject({ method: 'POST', url: '/api/v1/keys', headers: { cookie }, payload: { name: 'x' } });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().error).toMatch(/X-CSRF-Token/);
    const wrong = await inject({ method: 'POST', url: '/api/v1/keys', headers: { cookie, 'x-csrf-token': `${csrf}x` }, payload: { name: 'x' } });
    expect(wrong.statusCode).toBe(403);
    expect((await gqlWith({ cookie })).statusCode).toBe(403);
    expect((await runtime.services.meta.listApiKeys((await runtime.services.auth.getUser('admin')).id))).toHaveLength(1);
    // With the token: allowed. Reads need none.
    expect((await gqlWith({ cookie, 'x-csrf-token': csrf })).json()).toEqual({ data: { viewer: { username: 'admin' } } });
    expect((await inject({ method: 'GET', url: '/api/v1/keys', headers: { cookie } })).statusCode).toBe(200);
    expect((await gqlWith({ authorization: basic(ADMIN_KEY) })).statusCode).toBe(200);
  });

  it('keys: created once, listed without the secret, revoked at once; the next request with it is refused', async () => {
    const { cookie, csrf } = await signIn();
    const created = await inject({ method: 'POST', url: '/api/v1/keys', headers: { cookie, 'x-csrf-token': csrf }, payload: { name: 'laptop' } });
    expect(created.statusCode).toBe(201);
    const { id, key, prefix } = created.json() as { id: number; key: string; prefix: string };
    expect(key.startsWith(prefix)).toBe(true);
    expect((await gqlWith({ authorization: basic(key) })).statusCode).toBe(200);
    const listed = await inject({ method: 'GET', url: '/api/v1/keys', headers: { cookie } });
    expect(listed.body).not.toContain(key);
    expect(listed.json().keys).toContainEqual(expect.objectContaining({ id, name: 'laptop', prefix, revokedAt: null }));
    // The key itself may manage keys too (no CSRF for API keys).
    const revoked = await inject({ method: 'DELETE', url: `/api/v1/keys/${id}`, headers: { authorization: basic(key) } });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revokedAt).not.toBeNull();
    expect((await gqlWith({ authorization: basic(key) })).statusCode).toBe(401);
    expect((await inject({ method: 'DELETE', url: '/api/v1/keys/999999', headers: { cookie, 'x-csrf-token': csrf } })).statusCode).toBe(404);
    expect((await inject({ method: 'DELETE', url: '/api/v1/keys/abc', headers: { cookie, 'x-csrf-token': csrf } })).statusCode).toBe(404);
  });

  it('logout needs the CSRF token, ends the session and clears the cookie', async () => {
    const { cookie, csrf } = await signIn();
    expect((await inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie } })).statusCode).toBe(403);
    const out = await inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^cairn_session=; .*Max-Age=0/);
    expect((await inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } })).statusCode).toBe(401);
    expect((await gqlWith({ cookie, 'x-csrf-token': csrf })).statusCode).toBe(401);
  });

  it('throttles sign-in after 3 failures: 429 with Retry-After, even for the right password', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'admin', password: `wrong-${i}-pw` } })).statusCode).toBe(401);
    }
    const res = await inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'admin', password: PASSWORD } });
    expect(res.statusCode).toBe(429);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(120);
    expect(res.json().code).toBe('RATE_LIMITED');
    // Audited: every failure (with the client IP) and the earlier success of setPassword.
    const actions = (await runtime.services.audit.list(10)).map((e) => e.action);
    expect(actions.filter((a) => a === 'login.failure')).toHaveLength(3);
  });

  it('bodies over the small JSON limit of the session route are refused with 413', async () => {
    const res = await inject({
      method: 'POST', url: '/api/v1/session', headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'admin', password: 'x'.repeat(20_000) }),
    });
    expect(res.statusCode).toBe(413);
  });
});

describe('per-credential request budget', () => {
  beforeEach(() => open({ requestBudget: 3 }));

  it('answers with RateLimit-* headers and, once used up, 429 + Retry-After; other keys are unaffected', async () => {
    const auth = { authorization: basic(ADMIN_KEY) };
    for (let i = 0; i < 3; i++) {
      const res = await gqlWith(auth);
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-remaining']).toBe(String(2 - i));
      expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThan(0);
    }
    const limited = await gqlWith(auth);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['ratelimit-remaining']).toBe('0');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.headers['retry-after']).toBe(limited.headers['ratelimit-reset']);
    // The file_stream route shares the key's budget (before auth or body parsing).
    const fs429 = await inject({ method: 'POST', url: '/files/admin/p/r/file_stream', headers: { ...auth, 'content-type': 'application/json' }, payload: {} });
    expect(fs429.statusCode).toBe(429);
    const other = await runtime.services.auth.createApiKey((await runtime.services.auth.getUser('admin')).id);
    expect((await gqlWith({ authorization: basic(other) })).statusCode).toBe(200);
    // Routes outside the API (health, signed storage URLs) are not counted.
    expect((await inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
  });
});
