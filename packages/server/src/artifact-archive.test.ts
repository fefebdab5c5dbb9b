import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { encodeGqlId, type ProjectId } from '@cairn/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { FsBlobStore } from './blob/fs.js';
import { contentKey } from './core/artifacts.js';
import { archiveEntryPath } from './http/artifact-ui-routes.js';
import { openRealApp, type RealApp } from './real-app.test-support.js';

/** Every entry of a zip: name → bytes. */
function unzip(buf: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, s) => {
          if (e || !s) return reject(e);
          const chunks: Buffer[] = [];
          s.on('data', (c: Buffer) => chunks.push(c));
          s.on('end', () => { out.set(entry.fileName, Buffer.concat(chunks)); zip.readEntry(); });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

const FILES: Record<string, Buffer> = {
  'a.txt': Buffer.from('hello\n'),
  'dir/b.bin': Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251)),
  '../escape.txt': Buffer.from('kept inside'),
};

describe('GET /api/v1/artifacts/:id/archive', () => {
  let r: RealApp;
  let artifactId: string;
  let outsiderKey: string;

  beforeAll(async () => {
    r = await openRealApp();
    await r.createRun('zip-proj', 'run1');
    const { meta, artifacts, auth } = r.runtime.services;
    const entity = (await meta.findEntityByName(r.entity))!;
    const projectId = (await meta.findProject(entity.id, 'zip-proj'))!.id as ProjectId;
    const store = artifacts.artifactStore;
    const blobs = new FsBlobStore(r.blobDir);
    const type = await store.ensureType(projectId, 'dataset');
    const seq = await store.ensureSequence(projectId, type.id, 'data', null);
    const a = await store.insertArtifact({
      projectId, sequenceId: seq.id, typeId: type.id, digest: 'd'.repeat(32), description: null, metadata: null, historyStep: null,
      createdByRunId: null, clientId: null, distributedId: null, requestedAliases: [], tags: [], ttlSeconds: null, ttlInherited: true,
    });
    const entries = [];
    for (const [name, bytes] of Object.entries(FILES)) {
      const hex = createHash('md5').update(bytes).digest('hex');
      await store.claimContent(hex, a.id);
      await blobs.put(contentKey(hex), Readable.from([bytes]));
      await store.markContentStored(hex, bytes.length);
      entries.push({ name, digest: Buffer.from(hex, 'hex').toString('base64'), size: bytes.length, ref: null, birthArtifactId: a.id });
    }
    entries.push({ name: 'remote/big.parquet', digest: 'etag-1', size: 123, ref: 's3://bucket/big.parquet', birthArtifactId: null });
    await store.commit(a.id, entries, 'c');
    artifactId = encodeGqlId('Artifact', a.id);
    const outsider = await meta.createUser({ username: 'outsider', email: null, admin: false });
    outsiderKey = await auth.createApiKey(outsider.id, { name: null });
  });
  afterAll(async () => { await r?.close(); });

  it('streams every file with its bytes and lists references in a manifest instead of fetching them', async () => {
    const res = await r.inject({ method: 'GET', url: `/api/v1/artifacts/${artifactId}/archive`, headers: r.headers() });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toBe('attachment; filename="data-v0.zip"');
    const zip = await unzip(res.rawPayload);
    expect([...zip.keys()].sort()).toEqual(['data-v0.references.json', 'data-v0/__/escape.txt', 'data-v0/a.txt', 'data-v0/dir/b.bin']);
    expect(zip.get('data-v0/a.txt')).toEqual(FILES['a.txt']);
    expect(zip.get('data-v0/dir/b.bin')).toEqual(FILES['dir/b.bin']);
    const manifest = JSON.parse(zip.get('data-v0.references.json')!.toString()) as { references: unknown[] };
    expect(manifest.references).toEqual([{ path: 'remote/big.parquet', ref: 's3://bucket/big.parquet', digest: 'etag-1', size: 123 }]);
  });

  it('answers a caller who cannot read the version, and an unknown id, with the same 404', async () => {
    const auth = { authorization: `Basic ${Buffer.from(`api:${outsiderKey}`).toString('base64')}` };
    const hidden = await r.inject({ method: 'GET', url: `/api/v1/artifacts/${artifactId}/archive`, headers: auth });
    const missing = await r.inject({ method: 'GET', url: `/api/v1/artifacts/${encodeGqlId('Artifact', 99_999)}/archive`, headers: r.headers() });
    expect(hidden.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    expect(hidden.json()).toEqual(missing.json());
    expect((await r.inject({ method: 'GET', url: `/api/v1/artifacts/${artifactId}/archive` })).statusCode).toBe(401);
  });

  it('keeps entry paths inside the folder', () => {
    expect(archiveEntryPath('x-v1', '/abs/../../p')).toBe('x-v1/abs/__/__/p');
    expect(archiveEntryPath('x-v1', './a//b')).toBe('x-v1/a/b');
    expect(archiveEntryPath('x-v1', '')).toBe('x-v1/_');
  });
});
