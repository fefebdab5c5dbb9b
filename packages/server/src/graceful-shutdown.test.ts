import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { startServer, type RunningServer } from './main.js';

/**
 * Graceful shutdown (what `cairn serve` does on SIGTERM): readiness fails first, then the listener closes and a
 * file_stream request already in flight still completes and is stored, and open live-update streams are ended (they
 * would otherwise hold the shutdown for their whole lifetime).
 */
const KEY = 'local-' + 'd'.repeat(40);
const auth = `Basic ${Buffer.from(`api:${KEY}`).toString('base64')}`;

describe('graceful shutdown', () => {
  let dir: string;
  let server: RunningServer | null = null;
  afterEach(async () => {
    await server?.close().catch(() => {});
    server = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails readiness, finishes the in-flight file_stream request, then stops', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-shutdown-'));
    server = await startServer(loadConfig({ port: 0, host: '127.0.0.1', dataDir: dir }, {
      CAIRN_ADMIN_KEY: KEY, CAIRN_LOG_LEVEL: 'silent', CAIRN_SHUTDOWN_DELAY_SECONDS: '0.3',
    }));
    const port = (server.app.server.address() as { port: number }).port;
    const base = `http://127.0.0.1:${port}`;
    const gql = async (query: string) => {
      const r = await fetch(`${base}/graphql`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      return (await r.json()) as { data: Record<string, any> };
    };
    await gql('mutation { upsertBucket(input: {modelName: "p", name: "r1"}) { bucket { id } } }');
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    // A browser's live-update stream is open: shutdown must end it, not wait out its lifetime.
    const live = await fetch(`${base}/api/live/projects/admin/p`, { headers: { authorization: auth } });
    expect(live.status).toBe(200);
    const liveReader = live.body!.getReader();
    const liveText = (async () => {
      let text = '';
      for (;;) {
        const { done, value } = await liveReader.read();
        if (done) return text;
        text += Buffer.from(value).toString();
      }
    })();

    // A file_stream request whose headers the server has (it answered 100 Continue) but whose body is half sent.
    const body = Buffer.from(JSON.stringify({ files: { 'wandb-history.jsonl': { offset: 0, content: ['{"_step":0,"x":1}', '{"_step":1,"x":2}'] } } }));
    let stopping: Promise<void> | undefined;
    const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(`${base}/files/admin/p/r1/file_stream`, {
        method: 'POST', agent: false,
        headers: { authorization: auth, 'content-type': 'application/json', 'content-length': body.length, expect: '100-continue' },
      }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => { text += c.toString(); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.on('continue', () => {
        req.write(body.subarray(0, 10));
        stopping = server!.shutdown();
        void (async () => {
          // Draining: readiness says so while requests are still served (the shutdown delay) ...
          const ready = await fetch(`${base}/ready`);
          expect(ready.status).toBe(503);
          expect(await ready.json()).toEqual({ ready: false, draining: true });
          // ... and the half-sent request completes once its body arrives.
          req.end(body.subarray(10));
        })().catch(reject);
      });
    });
    const res = await answered;
    expect(res.status).toBe(200);
    await stopping;
    expect(await liveText).toContain('event: hello');
    // Stopped: no new connections.
    await expect(fetch(`${base}/ready`)).rejects.toThrow();
    // The drained request's rows were stored (read back through a fresh process on the same data dir).
    server = await startServer(loadConfig({ port: 0, host: '127.0.0.1', dataDir: dir }, { CAIRN_ADMIN_KEY: KEY, CAIRN_LOG_LEVEL: 'silent' }));
    const port2 = (server.app.server.address() as { port: number }).port;
    const r = await fetch(`http://127.0.0.1:${port2}/graphql`, {
      method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ project(name: "p", entityName: "admin") { run(name: "r1") { historyLineCount } } }' }),
    });
    expect(((await r.json()) as any).data.project.run.historyLineCount).toBe(2);
  });
});
