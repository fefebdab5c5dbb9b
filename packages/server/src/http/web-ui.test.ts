import Fastify, { type FastifyInstance } from 'fastify';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isClientRoute, registerWebUi } from './web-ui.js';

const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('web UI serving', () => {
  let app: FastifyInstance;
  let webDir: string;

  beforeAll(async () => {
    webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-web-'));
    fs.mkdirSync(path.join(webDir, 'assets'));
    fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><div id="root"></div>');
    fs.writeFileSync(path.join(webDir, 'assets', 'index-abc123.js'), 'console.log(1)');
    app = Fastify();
    // Stand-ins for server routes, registered first as buildApp does.
    app.get('/api/v1/session', async () => ({ route: 'session' }));
    app.post('/graphql', async () => ({ route: 'graphql' }));
    app.post('/files/:e/:p/:r/file_stream', async () => ({ route: 'file_stream' }));
    await registerWebUi(app, webDir);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(webDir, { recursive: true, force: true });
  });

  it('serves index.html at / and at client routes, never cached', async () => {
    for (const url of ['/', '/admin/my-project', '/admin/my-project/runs/abc123', '/settings', '/admin/p?q=1']) {
      const res = await app.inject({ method: 'GET', url, headers: html });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<div id="root">');
    }
  });

  it('serves hashed assets with a long immutable cache', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log(1)');
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('leaves server routes to the server', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/session', headers: html })).json()).toEqual({ route: 'session' });
    expect((await app.inject({ method: 'POST', url: '/graphql', headers: html })).json()).toEqual({ route: 'graphql' });
  });

  it('answers unknown API, GraphQL, file_stream, storage and asset paths with a JSON 404, not the page', async () => {
    for (const url of ['/api/v1/nope', '/graphql', '/files/e/p/r/file_stream', '/storage/download/x/y', '/assets/missing.js']) {
      const res = await app.inject({ method: 'GET', url, headers: html });
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain('<div id="root">');
    }
  });

  it('gives non-browser requests and writes a JSON 404', async () => {
    const api = await app.inject({ method: 'GET', url: '/admin/p', headers: { accept: 'application/json' } });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect((await app.inject({ method: 'POST', url: '/admin/p', headers: html })).statusCode).toBe(404);
  });

  it('does not serve files outside assets/', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/../index.html' });
    expect(res.body).not.toContain('<div id="root">');
  });
});

describe('isClientRoute', () => {
  it('excludes exactly the server prefixes', () => {
    expect(isClientRoute('/graphql')).toBe(false);
    expect(isClientRoute('/graphql?x=1')).toBe(false);
    expect(isClientRoute('/api/v1/runs')).toBe(false);
    expect(isClientRoute('/files/e/p/r/file_stream')).toBe(false);
    expect(isClientRoute('/metrics')).toBe(false);
    // A project whose name merely starts like a server path is still a page.
    expect(isClientRoute('/apiary/project')).toBe(true);
    expect(isClientRoute('/graphqlers/project')).toBe(true);
    expect(isClientRoute('/admin/files')).toBe(true);
  });
});
