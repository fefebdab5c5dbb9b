import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError, ErrorCodes } from '../core/errors.js';
import type { BlobStore } from '../core/ports.js';
import { FsBlobStore } from './fs.js';

/**
 * One suite for every BlobStore adapter. `leftovers` lists whatever an adapter keeps besides finished blobs
 * (temp files, pending multipart uploads), so "leaves nothing behind" can be checked per backend.
 */
interface BlobBackend {
  name: string;
  open(): Promise<{ blobs: BlobStore; leftovers(): Promise<string[]>; dispose(): Promise<void> }>;
}

const fsBackend: BlobBackend = {
  name: 'fs',
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

const backends: BlobBackend[] = [fsBackend];
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
  });
}
