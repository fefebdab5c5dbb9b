import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import type { Services } from '../core/services.js';

const BODY_LIMIT = 4096;
const URL = '/files/alice/proj/run1/file_stream';

/** An app whose services accept any key and record what file_stream ingests. */
async function appRecordingIngest() {
  const ingested: unknown[] = [];
  const services = {
    auth: { authenticate: async (key: string | null) => (key ? { id: 1, username: 'alice' } : null) },
    fileStream: {
      ingest: async (_viewer: unknown, _params: unknown, body: unknown) => {
        ingested.push(body);
        return { stopped: false };
      },
    },
  } as unknown as Services;
  const app = await buildApp({ services, fileStreamBodyLimit: BODY_LIMIT });
  return { app, ingested };
}

const headers = (extra: Record<string, string> = {}) => ({
  authorization: `Basic ${Buffer.from('api:k').toString('base64')}`,
  'content-type': 'application/json',
  ...extra,
});

const body = { files: { 'wandb-history.jsonl': { offset: 0, content: ['{"acc": 1}'] } } };

describe('file_stream Content-Encoding', () => {
  it('decodes a gzip body to the same request as the plain one', async () => {
    const { app, ingested } = await appRecordingIngest();
    const plain = await app.inject({ method: 'POST', url: URL, headers: headers(), payload: JSON.stringify(body) });
    const zipped = await app.inject({
      method: 'POST',
      url: URL,
      headers: headers({ 'content-encoding': 'gzip' }),
      payload: gzipSync(JSON.stringify(body)),
    });
    expect([plain.statusCode, zipped.statusCode]).toEqual([200, 200]);
    expect(ingested).toHaveLength(2);
    expect(ingested[1]).toEqual(ingested[0]);
  });

  it('answers 400 for a corrupt gzip body and ingests nothing', async () => {
    const { app, ingested } = await appRecordingIngest();
    const res = await app.inject({
      method: 'POST',
      url: URL,
      headers: headers({ 'content-encoding': 'gzip' }),
      payload: Buffer.from('not gzip at all'),
    });
    expect(res.statusCode).toBe(400);
    expect(ingested).toEqual([]);
  });

  it('answers 400 for an encoding it does not speak', async () => {
    const { app, ingested } = await appRecordingIngest();
    const res = await app.inject({
      method: 'POST',
      url: URL,
      headers: headers({ 'content-encoding': 'br' }),
      payload: Buffer.from('xx'),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(/Content-Encoding/);
    expect(ingested).toEqual([]);
  });

  it('applies the body limit to the decoded size, so a small gzip cannot expand past it', async () => {
    const { app, ingested } = await appRecordingIngest();
    const big = { files: { 'output.log': { offset: 0, content: ['x'.repeat(BODY_LIMIT * 4)] } } };
    const compressed = gzipSync(JSON.stringify(big));
    expect(compressed.length).toBeLessThan(BODY_LIMIT);
    const res = await app.inject({ method: 'POST', url: URL, headers: headers({ 'content-encoding': 'gzip' }), payload: compressed });
    expect(res.statusCode).toBe(413);
    expect(ingested).toEqual([]);
  });
});
