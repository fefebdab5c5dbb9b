import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { backupSqlite } from '../store/sqlite-backup.js';

/**
 * `cairn backup` / `cairn restore` for the embedded setup (SQLite + fs blobs in one data dir). The database
 * is copied first with SQLite's online backup API, then the blobs: blobs are written to a temp file and
 * renamed into place before any row refers to them, so every blob the snapshot refers to already exists
 * when it is copied. manifest.json, written last, lists every file with its size and SHA-256; its presence
 * marks a complete backup, and restore checks every file against it before anything is put in place.
 */
export const MANIFEST = 'manifest.json';
const DATABASE = 'cairn.sqlite';
const BLOBS = 'blobs';
/** Other files of a data dir that are part of its state. */
const EXTRA_FILES = ['url-signing.secret'];

export interface ManifestFile { path: string; size: number; sha256: string }
export interface BackupManifest { format: 'cairn-backup'; version: 1; createdAt: string; files: ManifestFile[] }

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await fsp.readdir(dir)).length === 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
}

async function sha256File(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of fs.createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

async function fsyncPath(p: string): Promise<void> {
  const handle = await fsp.open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Copies `from` to `to` (fsync'd), hashing what was read; null when `from` vanished meanwhile. */
async function copyHashed(from: string, to: string): Promise<{ size: number; sha256: string } | null> {
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  let input: fs.ReadStream;
  try {
    // Opened before anything is written: a blob deleted meanwhile is skipped, one replaced meanwhile is read
    // whole from the file that was open (rename never changes an open file's bytes).
    const handle = await fsp.open(from, 'r');
    input = handle.createReadStream();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  await fsp.mkdir(path.dirname(to), { recursive: true });
  await pipeline(input, meter, fs.createWriteStream(to, { flags: 'wx', mode: 0o600 }));
  await fsyncPath(to);
  return { size, sha256: hash.digest('hex') };
}

async function* filesUnder(root: string, rel = ''): AsyncIterable<string> {
  let entries: fs.Dirent[];
  try {
    entries = await fsp.readdir(path.join(root, rel), { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    // .tmp holds uploads still being written: not yet blobs.
    if (rel === '' && e.name === '.tmp') continue;
    const child = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) yield* filesUnder(root, child);
    else if (e.isFile()) yield child;
  }
}

export async function backupDataDir(dataDir: string, toDir: string): Promise<BackupManifest> {
  const dbFile = path.join(dataDir, DATABASE);
  if (!fs.existsSync(dbFile)) throw new Error(`no Cairn database at ${dbFile}`);
  if (!(await isEmptyOrMissing(toDir))) throw new Error(`${toDir} is not empty: back up into a new directory`);
  await fsp.mkdir(toDir, { recursive: true, mode: 0o700 });

  const files: ManifestFile[] = [];
  await backupSqlite(dbFile, path.join(toDir, DATABASE));
  await fsyncPath(path.join(toDir, DATABASE));
  files.push({ path: DATABASE, ...(await sha256File(path.join(toDir, DATABASE))) });

  for (const name of EXTRA_FILES) {
    const copied = await copyHashed(path.join(dataDir, name), path.join(toDir, name));
    if (copied) files.push({ path: name, ...copied });
  }
  const blobRoot = path.join(dataDir, BLOBS);
  for await (const rel of filesUnder(blobRoot)) {
    const copied = await copyHashed(path.join(blobRoot, rel), path.join(toDir, BLOBS, rel));
    if (copied) files.push({ path: `${BLOBS}/${rel}`, ...copied });
  }

  const manifest: BackupManifest = { format: 'cairn-backup', version: 1, createdAt: new Date().toISOString(), files };
  const tmp = path.join(toDir, `.${MANIFEST}.tmp`);
  await fsp.writeFile(tmp, `${JSON.stringify(manifest, null, 1)}\n`, { mode: 0o600 });
  await fsyncPath(tmp);
  await fsp.rename(tmp, path.join(toDir, MANIFEST));
  await fsyncPath(toDir);
  return manifest;
}

/** A manifest path must stay inside the backup (no `..`, no absolute paths): it is used to write files. */
function safeRelative(p: string): string {
  const normal = path.posix.normalize(p);
  if (p === '' || p.includes('\0') || path.posix.isAbsolute(normal) || normal.startsWith('..') || normal !== p) {
    throw new Error(`manifest names an unsafe path: ${JSON.stringify(p)}`);
  }
  return normal;
}

export async function readManifest(fromDir: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await fsp.readFile(path.join(fromDir, MANIFEST), 'utf8')) as BackupManifest;
  } catch (e) {
    throw new Error(`${fromDir} holds no readable ${MANIFEST} (an incomplete or foreign backup?): ${(e as Error).message}`);
  }
  if (manifest.format !== 'cairn-backup' || manifest.version !== 1 || !Array.isArray(manifest.files)) {
    throw new Error(`${fromDir}/${MANIFEST} is not a Cairn backup manifest (version 1)`);
  }
  return manifest;
}

/**
 * Restores a backup into a new, empty data dir. Every file is copied and checked against the manifest in a
 * temp dir beside the target, which is renamed into place only when all of it checked out.
 */
export async function restoreDataDir(fromDir: string, dataDir: string): Promise<BackupManifest> {
  const manifest = await readManifest(fromDir);
  if (!manifest.files.some((f) => f.path === DATABASE)) throw new Error(`the backup has no ${DATABASE}`);
  if (!(await isEmptyOrMissing(dataDir))) throw new Error(`${dataDir} is not empty: restore into a new data dir`);
  const target = path.resolve(dataDir);
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const staging = `${target}.restoring-${randomBytes(4).toString('hex')}`;
  await fsp.mkdir(staging, { mode: 0o700 });
  try {
    for (const f of manifest.files) {
      const rel = safeRelative(f.path);
      const copied = await copyHashed(path.join(fromDir, rel), path.join(staging, rel));
      if (!copied) throw new Error(`the backup lacks ${rel}`);
      if (copied.size !== f.size || copied.sha256 !== f.sha256) {
        throw new Error(`${rel} does not match the manifest (size ${copied.size} vs ${f.size}, sha256 ${copied.sha256} vs ${f.sha256})`);
      }
    }
    await fsp.rm(target, { recursive: false, force: true }).catch(() => fsp.rmdir(target));
    await fsp.rename(staging, target);
    await fsyncPath(path.dirname(target));
  } catch (e) {
    await fsp.rm(staging, { recursive: true, force: true });
    throw e;
  }
  return manifest;
}
