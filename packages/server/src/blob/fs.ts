import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { BlobInfo, BlobStore } from '../core/ports.js';
import { DomainError, ErrorCodes } from '../core/errors.js';
import { normalBlobKey } from './keys.js';

/**
 * Blobs as files under one root. Writes go to a temp file, are fsync'd and verified, then renamed into
 * place: a reader never sees a half-written blob, and a failed check leaves nothing behind.
 */
export class FsBlobStore implements BlobStore {
  private readonly tmpDir: string;
  constructor(private readonly root: string) {
    this.tmpDir = path.join(root, '.tmp');
    fs.mkdirSync(this.tmpDir, { recursive: true });
  }

  /** Files under a folder have no URIs that reference artifacts use: nothing here is this store's to check. */
  async statReference(_uri: string): Promise<null> {
    return null;
  }

  private pathOf(key: string): string {
    return path.join(this.root, normalBlobKey(key));
  }

  async put(key: string, body: Readable, expect?: { size?: number; md5?: string }): Promise<BlobInfo> {
    const target = this.pathOf(key);
    const tmp = path.join(this.tmpDir, randomUUID());
    const md5 = createHash('md5');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        md5.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      const out = fs.createWriteStream(tmp, { flags: 'wx' });
      await pipeline(body, meter, out);
      const info = { size, md5: md5.digest('base64') };
      if (expect?.size !== undefined && expect.size !== info.size) {
        throw new DomainError(ErrorCodes.INVALID_INPUT, `size mismatch: expected ${expect.size} bytes, got ${info.size}`);
      }
      if (expect?.md5 !== undefined && expect.md5 !== info.md5) {
        throw new DomainError(ErrorCodes.INVALID_INPUT, `MD5 mismatch: expected ${expect.md5}, got ${info.md5}`);
      }
      const handle = await fsp.open(tmp, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await fsp.mkdir(path.dirname(target), { recursive: true });
        await fsp.rename(tmp, target);
      } catch (e) {
        // "a/b" after "a" (or "a" after "a/b"): one key is a folder of the other's. The client's mistake, not ours.
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST' || code === 'ENOTEMPTY') {
          throw new DomainError(ErrorCodes.CONFLICT, `blob key ${JSON.stringify(key)} clashes with another blob's path`);
        }
        throw e;
      }
      return info;
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      throw e;
    }
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const file = this.pathOf(key);
    try {
      await fsp.access(file);
    } catch {
      throw new DomainError(ErrorCodes.NOT_FOUND, `blob not found: ${key}`);
    }
    return fs.createReadStream(file, range ? { start: range.start, ...(range.end !== undefined ? { end: range.end } : {}) } : {});
  }

  async head(key: string): Promise<BlobInfo | null> {
    const file = this.pathOf(key);
    let stat;
    try {
      stat = await fsp.stat(file);
    } catch {
      return null;
    }
    const md5 = createHash('md5');
    await pipeline(fs.createReadStream(file), md5);
    return { size: stat.size, md5: md5.digest('base64') };
  }

  async delete(key: string): Promise<void> {
    await fsp.rm(this.pathOf(key), { force: true });
  }

  async *list(prefix: string): AsyncIterable<string> {
    const walk = async function* (dir: string, rel: string): AsyncIterable<string> {
      let entries: fs.Dirent[];
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        if (rel === '' && e.name === '.tmp') continue;
        const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) yield* walk(path.join(dir, e.name), childRel);
        else yield childRel;
      }
    };
    for await (const key of walk(this.root, '')) if (key.startsWith(prefix)) yield key;
  }

  async close(): Promise<void> {}
}
