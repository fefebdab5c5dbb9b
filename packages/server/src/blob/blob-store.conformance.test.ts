import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer, text } from 'node:stream/consumers';
import { DeleteObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError, ErrorCodes } from '../core/errors.js';
import type { BlobStore } from '../core/ports.js';
import { FsBlobStore } from './fs.js';
import { S3BlobStore } from './s3.js';

/**
 * One suite for every BlobStore adapter. `leftovers` lists whatever an adapter keeps besides finished blobs
 * (temp files, pending multipart uploads), so "leaves nothing behind" can be checked per backend.
 */
interface BlobBackend {
  name: string;
  /** Hands out URLs straight to the store (presignedUrl, multipart). */
  direct: boolean;
  open(): Promise<{ blobs: BlobStore; leftovers(): Promise<string[]>; dispose(): Promise<void> }>;
}

/** S3 parts are at least 5 MiB: bodies above this go up as multipart uploads in the s3 adapter. */
const PART = 5 * 1024 * 1024;

const fsBackend: BlobBackend = {
  name: 'fs',
  direct: false,
  async open() {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-blobs-'));
    const blobs = new FsBlobStore(root);
    return {
      blobs,
      leftovers: async () => fs.readdirSync(path.join(root, '.tmp')),
      async dispose() {
        await blobs.close();
        fs.rmSync(root, { recursive: true, force: true });
      },
    };
  },
};

/**
 * A real S3-compatible server (scripts/with-s3.sh starts one and sets these). Each test gets its own folder
 * in the bucket; leftovers are the multipart uploads still pending there.
 */
function s3Backend(env: NodeJS.ProcessEnv): BlobBackend | null {
  const endpoint = env.CAIRN_TEST_S3_ENDPOINT;
  if (!endpoint) return null;
  const bucket = env.CAIRN_TEST_S3_BUCKET ?? 'cairn-test';
  const region = env.CAIRN_TEST_S3_REGION ?? 'us-east-1';
  const credentials = { accessKeyId: env.CAIRN_TEST_S3_ACCESS_KEY_ID ?? '', secretAccessKey: env.CAIRN_TEST_S3_SECRET_ACCESS_KEY ?? '' };
  return {
    name: 's3',
    direct: true,
    async open() {
      const prefix = `conformance-${randomUUID()}`;
      const blobs = new S3BlobStore({ bucket, endpoint, region, forcePathStyle: true, credentials, prefix, partSizeBytes: PART });
      const admin = new S3Client({ endpoint, region, forcePathStyle: true, credentials });
      return {
        blobs,
        async leftovers() {
          const out = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: `${prefix}/` }));
          return (out.Uploads ?? []).map((u) => `${u.Key} (upload ${u.UploadId})`);
        },
        async dispose() {
          await blobs.close();
          const listed = await admin.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }));
          for (const o of listed.Contents ?? []) await admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key! }));
          admin.destroy();
        },
      };
    },
  };
}

const backends: BlobBackend[] = [fsBackend, s3Backend(process.env)].filter((b): b is BlobBackend => b !== null);
const md5 = (b: string | Buffer) => createHash('md5').update(b).digest('base64');
const body = (s: string | Buffer) => Readable.from([Buffer.from(s)]);
const list = async (blobs: BlobStore, prefix: string) => {
  const out: string[] = [];
  for await (const k of blobs.list(prefix)) out.push(k);
  return out;
};
const invalidInput = (e: unknown) => e instanceof DomainError && e.code === ErrorCodes.INVALID_INPUT;

for (const backend of backends) {
  describe(`BlobStore conformance: ${backend.name}`, () => {
    let blobs: BlobStore;
    let leftovers: () => Promise<string[]>;
    let dispose: () => Promise<void>;

    beforeEach(async () => {
      ({ blobs, leftovers, dispose } = await backend.open());
    });
    afterEach(async () => dispose());

    it('put returns size and base64 MD5; get and head read it back', async () => {
      const info = await blobs.put('runs/1/files/a.txt', body('hello world'));
      expect(info).toEqual({ size: 11, md5: md5('hello world') });
      expect(await text(await blobs.get('runs/1/files/a.txt'))).toBe('hello world');
      expect(await blobs.head('runs/1/files/a.txt')).toEqual(info);
    });

    it('streams a body that arrives in many chunks', async () => {
      const parts = Array.from({ length: 100 }, (_, i) => Buffer.from(`chunk-${i};`));
      const all = Buffer.concat(parts);
      const info = await blobs.put('big.bin', Readable.from(parts), { size: all.length, md5: md5(all) });
      expect(info.size).toBe(all.length);
      expect(await text(await blobs.get('big.bin'))).toBe(all.toString());
    });

    it('stores an empty blob', async () => {
      expect(await blobs.put('empty', body(''), { size: 0, md5: md5('') })).toEqual({ size: 0, md5: md5('') });
      expect(await text(await blobs.get('empty'))).toBe('');
    });

    it('reads byte ranges, end inclusive as in HTTP Range', async () => {
      await blobs.put('r.txt', body('0123456789'));
      expect(await text(await blobs.get('r.txt', { start: 2, end: 5 }))).toBe('2345');
      expect(await text(await blobs.get('r.txt', { start: 7 }))).toBe('789');
      expect(await text(await blobs.get('r.txt', { start: 0, end: 0 }))).toBe('0');
    });

    it('a range that starts at the end reads nothing', async () => {
      await blobs.put('r.txt', body('0123456789'));
      expect(await text(await blobs.get('r.txt', { start: 10 }))).toBe('');
    });

    it('streams a body of several S3 parts, and reads ranges across part boundaries', async () => {
      // 2.5 parts, in 1 MiB chunks, each byte depending on its offset so misplaced bytes show.
      const size = 2 * PART + PART / 2;
      const all = Buffer.alloc(size);
      for (let i = 0; i < size; i++) all[i] = (i * 31 + (i >> 12)) & 0xff;
      const chunks = Array.from({ length: Math.ceil(size / (1 << 20)) }, (_, i) => all.subarray(i << 20, (i + 1) << 20));
      const info = await blobs.put('multi/part.bin', Readable.from(chunks), { size, md5: md5(all) });
      expect(info).toEqual({ size, md5: md5(all) });
      expect(await blobs.head('multi/part.bin')).toEqual(info);
      const back = await buffer(await blobs.get('multi/part.bin'));
      expect(back.equals(all)).toBe(true);
      const across = await buffer(await blobs.get('multi/part.bin', { start: PART - 3, end: PART + 2 }));
      expect(across.equals(all.subarray(PART - 3, PART + 3))).toBe(true);
      expect(await leftovers()).toEqual([]);
    });

    it('overwrites an existing key', async () => {
      await blobs.put('k', body('first'));
      await blobs.put('k', body('second!'));
      expect(await text(await blobs.get('k'))).toBe('second!');
      expect(await blobs.head('k')).toEqual({ size: 7, md5: md5('second!') });
    });

    it('get of a missing key is NOT_FOUND; head is null', async () => {
      await expect(blobs.get('missing')).rejects.toMatchObject({ code: ErrorCodes.NOT_FOUND });
      expect(await blobs.head('missing')).toBeNull();
    });

    it('delete removes a blob and is a no-op for a missing key', async () => {
      await blobs.put('d/x', body('x'));
      await blobs.delete('d/x');
      expect(await blobs.head('d/x')).toBeNull();
      await blobs.delete('d/x');
      await blobs.delete('never/was');
    });

    it('lists keys under a prefix, sorted, without internal files', async () => {
      for (const k of ['runs/2/b', 'runs/1/b', 'runs/1/a', 'artifacts/z', 'runs10/c']) await blobs.put(k, body(k));
      expect(await list(blobs, 'runs/1/')).toEqual(['runs/1/a', 'runs/1/b']);
      expect(await list(blobs, 'runs/')).toEqual(['runs/1/a', 'runs/1/b', 'runs/2/b']);
      expect(await list(blobs, '')).toEqual(['artifacts/z', 'runs/1/a', 'runs/1/b', 'runs/2/b', 'runs10/c']);
      expect(await list(blobs, 'nothing/')).toEqual([]);
    });

    describe('checked puts leave nothing behind', () => {
      it('size mismatch rejects with INVALID_INPUT and stores nothing', async () => {
        await expect(blobs.put('s', body('abc'), { size: 4 })).rejects.toSatisfy(invalidInput);
        expect(await blobs.head('s')).toBeNull();
        expect(await list(blobs, '')).toEqual([]);
        expect(await leftovers()).toEqual([]);
      });

      it('MD5 mismatch rejects with INVALID_INPUT and stores nothing', async () => {
        await expect(blobs.put('m', body('abc'), { md5: md5('abd') })).rejects.toSatisfy(invalidInput);
        expect(await blobs.head('m')).toBeNull();
        expect(await leftovers()).toEqual([]);
      });

      it('a failed put keeps the blob that was there before', async () => {
        await blobs.put('keep', body('old'));
        await expect(blobs.put('keep', body('new'), { md5: md5('other') })).rejects.toSatisfy(invalidInput);
        expect(await text(await blobs.get('keep'))).toBe('old');
        expect(await leftovers()).toEqual([]);
      });

      it('a body that breaks mid-stream rejects and stores nothing', async () => {
        const broken = new Readable({
          read() {
            this.push(Buffer.from('partial'));
            this.destroy(new Error('client went away'));
          },
        });
        await expect(blobs.put('broken', broken)).rejects.toThrow('client went away');
        expect(await blobs.head('broken')).toBeNull();
        expect(await leftovers()).toEqual([]);
      });

      it('a body of several parts with the wrong MD5 rejects, stores nothing and keeps the old blob', async () => {
        const big = Buffer.alloc(2 * PART + 1, 7);
        await blobs.put('big-keep', body('old'));
        await expect(blobs.put('big-keep', Readable.from([big]), { md5: md5('other') })).rejects.toSatisfy(invalidInput);
        await expect(blobs.put('big-new', Readable.from([big]), { size: big.length - 1 })).rejects.toSatisfy(invalidInput);
        expect(await text(await blobs.get('big-keep'))).toBe('old');
        expect(await blobs.head('big-new')).toBeNull();
        expect(await leftovers()).toEqual([]);
      });

      it('a body of several parts that breaks mid-stream stores nothing', async () => {
        let sent = 0;
        const broken = new Readable({
          read() {
            if (sent < 2 * PART) {
              sent += 1 << 20;
              this.push(Buffer.alloc(1 << 20, 1));
            } else this.destroy(new Error('client went away'));
          },
        });
        await expect(blobs.put('broken-big', broken)).rejects.toThrow('client went away');
        expect(await blobs.head('broken-big')).toBeNull();
        expect(await leftovers()).toEqual([]);
      });

      it('matching checks pass', async () => {
        expect(await blobs.put('ok', body('abc'), { size: 3, md5: md5('abc') })).toEqual({ size: 3, md5: md5('abc') });
      });
    });

    describe('keys cannot escape the store', () => {
      const bad = ['', '../x', '../../etc/passwd', 'a/../../x', '/etc/passwd', 'a\0b', '.tmp/x', '.tmp'];
      it.each(bad)('rejects %j on every operation', async (key) => {
        await expect(blobs.put(key, body('x'))).rejects.toSatisfy(invalidInput);
        await expect(blobs.get(key)).rejects.toSatisfy(invalidInput);
        await expect(blobs.head(key)).rejects.toSatisfy(invalidInput);
        await expect(blobs.delete(key)).rejects.toSatisfy(invalidInput);
      });

      it('a key with .. that stays inside is the same as its normal form', async () => {
        await blobs.put('a/b/../c', body('inside'));
        expect(await text(await blobs.get('a/c'))).toBe('inside');
      });
    });

    // Backends with URLs of their own: clients move bytes straight to and from the store.
    describe.runIf(backend.direct)('direct URLs', () => {
      const put = (url: string, data: Buffer | string, headers: Record<string, string> = {}) =>
        fetch(url, { method: 'PUT', body: Buffer.from(data), headers });

      it('a presigned PUT stores the bytes; a presigned GET reads them, whole and ranged', async () => {
        const url = await blobs.presignedUrl!('runs/7/files/direct.txt', 'PUT', 600);
        expect((await put(url, 'straight to the store')).status).toBe(200);
        expect(await blobs.head('runs/7/files/direct.txt')).toEqual({ size: 21, md5: md5('straight to the store') });
        expect(await list(blobs, 'runs/7/')).toEqual(['runs/7/files/direct.txt']);
        const get = await blobs.presignedUrl!('runs/7/files/direct.txt', 'GET', 600);
        const whole = await fetch(get);
        expect(whole.status).toBe(200);
        expect(await whole.text()).toBe('straight to the store');
        const ranged = await fetch(get, { headers: { Range: 'bytes=9-10' } });
        expect(ranged.status).toBe(206);
        expect(await ranged.text()).toBe('to');
      });

      it('a presigned GET names the download when asked', async () => {
        await blobs.put('k/named', body('x'));
        const res = await fetch(await blobs.presignedUrl!('k/named', 'GET', 600, { downloadName: 'model ü.pt' }));
        expect(res.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''${encodeURIComponent('model ü.pt')}`);
      });

      it('a presigned PUT bound to an MD5 refuses other bytes and records the MD5', async () => {
        const url = await blobs.presignedUrl!('artifacts/content/x', 'PUT', 600, { contentMd5: md5('the bytes') });
        expect((await put(url, 'other bytes', { 'Content-MD5': md5('other bytes') })).ok).toBe(false);
        expect((await put(url, 'other bytes', { 'Content-MD5': md5('the bytes') })).ok).toBe(false);
        expect(await blobs.head('artifacts/content/x')).toBeNull();
        expect((await put(url, 'the bytes', { 'Content-MD5': md5('the bytes') })).status).toBe(200);
        expect(await blobs.head('artifacts/content/x')).toEqual({ size: 9, md5: md5('the bytes') });
      });

      it('a presigned URL is good for its own key and method only', async () => {
        await blobs.put('mine', body('secret'));
        const get = await blobs.presignedUrl!('mine', 'GET', 600);
        expect((await fetch(get.replace('/mine?', '/other?'))).status).toBe(403);
        expect((await put(get, 'overwritten')).ok).toBe(false);
        const putUrl = await blobs.presignedUrl!('mine', 'PUT', 600);
        expect((await fetch(putUrl)).ok).toBe(false);
        expect(await text(await blobs.get('mine'))).toBe('secret');
        expect((await fetch(await blobs.presignedUrl!('never-put', 'GET', 600))).status).toBe(404);
      });

      it('multipart: parts go straight to the store; the object appears on complete with its MD5', async () => {
        const mp = blobs.multipart!;
        const partOne = Buffer.alloc(PART, 1);
        const partTwo = Buffer.from('the tail');
        const whole = Buffer.concat([partOne, partTwo]);
        const uploadId = await mp.start('artifacts/content/mp', md5(whole));
        const etags: { partNumber: number; etag: string }[] = [];
        // Uploaded out of order, as parallel clients do.
        for (const [partNumber, data] of [[2, partTwo], [1, partOne]] as const) {
          const url = await mp.partUrl('artifacts/content/mp', uploadId, partNumber, 600, { contentMd5: md5(data) });
          const res = await put(url, data, { 'Content-MD5': md5(data) });
          expect(res.status).toBe(200);
          etags.push({ partNumber, etag: res.headers.get('etag')! });
        }
        expect(await blobs.head('artifacts/content/mp')).toBeNull();
        expect(await leftovers()).toHaveLength(1);
        expect(await mp.complete('artifacts/content/mp', uploadId, etags)).toEqual({ size: whole.length, md5: md5(whole) });
        const back = await buffer(await blobs.get('artifacts/content/mp'));
        expect(back.equals(whole)).toBe(true);
        expect(await blobs.head('artifacts/content/mp')).toEqual({ size: whole.length, md5: md5(whole) });
        expect(await leftovers()).toEqual([]);
      });

      it('multipart: a part with the wrong bytes is refused; a wrong ETag cannot complete; abort leaves nothing', async () => {
        const mp = blobs.multipart!;
        const data = Buffer.alloc(PART, 2);
        const uploadId = await mp.start('artifacts/content/bad', md5(data));
        const url = await mp.partUrl('artifacts/content/bad', uploadId, 1, 600, { contentMd5: md5(data) });
        expect((await put(url, Buffer.alloc(PART, 3), { 'Content-MD5': md5(data) })).ok).toBe(false);
        const res = await put(url, data, { 'Content-MD5': md5(data) });
        expect(res.status).toBe(200);
        await expect(mp.complete('artifacts/content/bad', uploadId, [{ partNumber: 1, etag: '"0123456789abcdef0123456789abcdef"' }]))
          .rejects.toSatisfy(invalidInput);
        expect(await blobs.head('artifacts/content/bad')).toBeNull();
        await mp.abort('artifacts/content/bad', uploadId);
        await mp.abort('artifacts/content/bad', uploadId);
        expect(await leftovers()).toEqual([]);
        await expect(mp.complete('artifacts/content/bad', uploadId, [{ partNumber: 1, etag: res.headers.get('etag')! }]))
          .rejects.toMatchObject({ code: ErrorCodes.NOT_FOUND });
        await expect(mp.partUrl('artifacts/content/bad', uploadId, 10_001, 600)).rejects.toSatisfy(invalidInput);
      });
    });
  });
}

/** Reference artifacts (`s3://bucket/key`): a store answers only for user objects in its own bucket. */
describe('BlobStore.statReference', () => {
  it('fs: no reference URI is the fs store\'s', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-blobs-'));
    const blobs = new FsBlobStore(root);
    await blobs.put('data/a.bin', body('x'));
    expect(await blobs.statReference('s3://any/data/a.bin')).toBeNull();
    expect(await blobs.statReference(`file://${root}/data/a.bin`)).toBeNull();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const env = process.env;
  it.runIf(Boolean(env.CAIRN_TEST_S3_ENDPOINT))('s3: HEADs user objects in its bucket; other buckets and its own blobs are not its to check', async () => {
    const bucket = env.CAIRN_TEST_S3_BUCKET ?? 'cairn-test';
    const region = env.CAIRN_TEST_S3_REGION ?? 'us-east-1';
    const credentials = { accessKeyId: env.CAIRN_TEST_S3_ACCESS_KEY_ID ?? '', secretAccessKey: env.CAIRN_TEST_S3_SECRET_ACCESS_KEY ?? '' };
    const endpoint = env.CAIRN_TEST_S3_ENDPOINT!;
    const prefix = `refs-${randomUUID()}`;
    const blobs = new S3BlobStore({ bucket, endpoint, region, forcePathStyle: true, credentials, prefix: `${prefix}/cairn` });
    const admin = new S3Client({ endpoint, region, forcePathStyle: true, credentials });
    const userKey = `${prefix}/user data/a.bin`;
    try {
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: userKey, Body: 'user bytes' }));
      await blobs.put('objects/x', body('cairn bytes'));
      expect(await blobs.statReference(`s3://${bucket}/${userKey}`))
        .toEqual({ etag: createHash('md5').update('user bytes').digest('hex'), size: 10, versionId: null });
      expect(await blobs.statReference(`s3://${bucket}/${prefix}/user data/missing.bin`)).toBe('missing');
      expect(await blobs.statReference(`s3://another-${bucket}/${userKey}`)).toBeNull();
      expect(await blobs.statReference(`gs://${bucket}/${userKey}`)).toBeNull();
      expect(await blobs.statReference(`s3://${bucket}/${prefix}/cairn/objects/x`)).toBeNull();
      // Without a prefix Cairn's keys sit at the bucket root: its folders are never described, users' keys are.
      const unprefixed = new S3BlobStore({ bucket, endpoint, region, forcePathStyle: true, credentials });
      try {
        for (const root of ['objects/md5/ab', 'artifacts/1/wandb_manifest.json', 'uploads/ab/1/1', 'runs/1/files/output.log']) {
          expect(await unprefixed.statReference(`s3://${bucket}/${root}`)).toBeNull();
        }
        expect(await unprefixed.statReference(`s3://${bucket}/${userKey}`)).toMatchObject({ size: 10 });
      } finally {
        await unprefixed.close();
      }
    } finally {
      const listed = await admin.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }));
      for (const o of listed.Contents ?? []) await admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key! }));
      admin.destroy();
      await blobs.close();
    }
  });
});
