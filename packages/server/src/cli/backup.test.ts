import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../blob/fs.js';
import { loadConfig } from '../config.js';
import { SqlHistoryStore } from '../store/history-store.js';
import { backupDataDir, MANIFEST, readManifest, restoreDataDir } from './backup.js';
import { openRuntime, type Runtime } from './runtime.js';

const temps: string[] = [];
const tempDir = (name: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `cairn-${name}-`));
  temps.push(d);
  return d;
};
afterEach(() => {
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const open = (dataDir: string) => openRuntime(loadConfig({ dataDir, logLevel: 'silent' }, {}));
const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const filesUnder = (dir: string) => fs.readdirSync(dir, { recursive: true, withFileTypes: true })
  .filter((d) => d.isFile()).map((d) => path.relative(dir, path.join(d.parentPath, d.name))).sort();

/** Every row of every table, in a stable order: two databases with equal dumps hold the same data. */
async function dump(rt: Runtime): Promise<Record<string, unknown[]>> {
  const tables = await rt.sqlDb.db.introspection.getTables();
  const out: Record<string, unknown[]> = {};
  for (const t of tables.map((x) => x.name).filter((n) => !n.startsWith('kysely_')).sort()) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const rows = await (rt.sqlDb.db as any).selectFrom(t).selectAll().execute() as Record<string, unknown>[];
    out[t] = rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))).sort();
  }
  return out;
}

async function seed(rt: Runtime) {
  const { services } = rt;
  await services.auth.bootstrapAdmin('admin', undefined);
  const admin = await services.auth.getUser('admin');
  const project = await services.meta.ensureProject(admin.entityId, 'proj');
  const { run } = await services.meta.insertRun({ projectId: project.id, name: 'run1', userId: admin.id }, (n) => `run-${n}`);
  await services.webAuth.setPassword('admin', 'a-password-123', 'test');
  return run.id;
}

const historyLine = (i: number) => JSON.stringify({ _step: i, loss: 1 / (i + 1), name: `row ${i}` });

describe('cairn backup / restore', () => {
  it('round-trips a quiescent data dir exactly: same rows, same blobs byte for byte, manifest checked', async () => {
    const src = tempDir('src');
    const rt = await open(src);
    const runId = await seed(rt);
    const history = new SqlHistoryStore(rt.sqlDb, { flushIntervalMs: 0 });
    await history.append(runId, 'history', '', 0, Array.from({ length: 50 }, (_, i) => historyLine(i)));
    await history.flush();
    await history.close();
    const blob = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));
    const blobStore = new FsBlobStore(path.join(src, 'blobs'));
    await blobStore.put('runs/1/model.bin', Readable.from([blob]));
    await blobStore.put('runs/1/empty.txt', Readable.from([]));
    const before = await dump(rt);

    const backup = path.join(tempDir('bk'), 'backup');
    const manifest = await backupDataDir(src, backup);
    expect(manifest.files.map((f) => f.path)).toEqual(['cairn.sqlite', 'url-signing.secret', 'blobs/runs/1/empty.txt', 'blobs/runs/1/model.bin']);
    for (const f of manifest.files) {
      expect(sha(path.join(backup, f.path))).toBe(f.sha256);
      expect(fs.statSync(path.join(backup, f.path)).size).toBe(f.size);
    }
    expect(fs.readFileSync(path.join(backup, 'blobs/runs/1/model.bin')).equals(blob)).toBe(true);
    await rt.close();

    const restored = path.join(tempDir('restore'), 'data');
    await restoreDataDir(backup, restored);
    expect(filesUnder(restored).filter((f) => f !== 'blobs/.tmp')).toEqual(['blobs/runs/1/empty.txt', 'blobs/runs/1/model.bin', 'cairn.sqlite', 'url-signing.secret']);
    for (const f of manifest.files) expect(sha(path.join(restored, f.path))).toBe(f.sha256);
    expect(fs.readFileSync(path.join(restored, 'url-signing.secret'), 'utf8')).toBe(fs.readFileSync(path.join(src, 'url-signing.secret'), 'utf8'));

    const back = await open(restored);
    try {
      expect(await dump(back)).toEqual(before);
      // The restored instance works: sign-in data and keys came along.
      const login = await back.services.webAuth.login({ username: 'admin', password: 'a-password-123', ip: null, userAgent: null });
      expect(login.ok).toBe(true);
    } finally {
      await back.close();
    }
  });

  it('backs up while writes go on: everything acknowledged before the backup started is restored, nothing torn', async () => {
    const src = tempDir('src');
    const rt = await open(src);
    const runId = await seed(rt);
    // Raw history appends through the real HistoryStore, and blobs through the real BlobStore.
    const writer = new SqlHistoryStore(rt.sqlDb, { flushIntervalMs: 0 });
    const blobStore = new FsBlobStore(path.join(src, 'blobs'));
    const blobBytes = (i: number) => Buffer.from(`blob ${i} `.repeat(1000 + i));

    let acked = 0;
    let ackedBlobs = 0;
    let stop = false;
    const writes = (async () => {
      for (let i = 0; !stop && i < 5000; i++) {
        await writer.append(runId, 'history', '', i, [historyLine(i)]);
        acked = i + 1;
        if (i % 10 === 0) {
          await blobStore.put(`runs/${runId}/b${i}.bin`, Readable.from([blobBytes(i)]));
          ackedBlobs = i + 1;
        }
      }
    })();
    while (acked < 100) await new Promise((r) => setTimeout(r, 5));
    const ackedAtStart = acked;
    const blobsAtStart = ackedBlobs;
    const backup = path.join(tempDir('bk'), 'backup');
    const manifest = await backupDataDir(src, backup);
    const ackedAtEnd = acked;
    stop = true;
    await writes;
    await writer.close();
    await rt.close();
    expect(ackedAtEnd).toBeGreaterThan(ackedAtStart); // writes really went on during the backup

    const restored = path.join(tempDir('restore'), 'data');
    await restoreDataDir(backup, restored);
    const back = await open(restored);
    try {
      const rows = await back.sqlDb.db.selectFrom('history_lines').select(['line_no', 'data']).where('run_id', '=', runId)
        .orderBy('line_no').execute();
      // A consistent prefix: at least what was acknowledged before, no gaps, every row intact.
      expect(rows.length).toBeGreaterThanOrEqual(ackedAtStart);
      expect(rows.length).toBeLessThanOrEqual(ackedAtEnd);
      expect(rows).toEqual(rows.map((_, i) => ({ line_no: i, data: historyLine(i) })));
      const state = await back.sqlDb.db.selectFrom('history_state').selectAll().where('run_id', '=', runId).executeTakeFirst();
      expect(state?.next_seq).toBe(rows.length);
      // Blobs: every one written before the backup started is there, byte for byte; none half-written.
      const backedUp = manifest.files.filter((f) => f.path.startsWith('blobs/'));
      for (let i = 0; i < blobsAtStart; i += 10) {
        expect(fs.readFileSync(path.join(restored, 'blobs', 'runs', String(runId), `b${i}.bin`)).equals(blobBytes(i))).toBe(true);
      }
      for (const f of backedUp) {
        const i = Number(/b(\d+)\.bin$/.exec(f.path)?.[1]);
        expect(fs.readFileSync(path.join(restored, f.path)).equals(blobBytes(i))).toBe(true);
      }
    } finally {
      await back.close();
    }
  });

  it('refuses a non-empty target, a tampered backup and an incomplete one, leaving the target untouched', async () => {
    const src = tempDir('src');
    const rt = await open(src);
    await seed(rt);
    fs.mkdirSync(path.join(src, 'blobs', 'x'), { recursive: true });
    fs.writeFileSync(path.join(src, 'blobs', 'x', 'a.bin'), 'original bytes');
    const backup = path.join(tempDir('bk'), 'backup');
    await backupDataDir(src, backup);
    await rt.close();
    await expect(backupDataDir(src, backup)).rejects.toThrow(/not empty/);

    await expect(restoreDataDir(backup, src)).rejects.toThrow(/not empty/);
    fs.writeFileSync(path.join(backup, 'blobs', 'x', 'a.bin'), 'tampered bytes');
    const target = path.join(tempDir('restore'), 'data');
    await expect(restoreDataDir(backup, target)).rejects.toThrow(/does not match the manifest/);
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.readdirSync(path.dirname(target))).toEqual([]);

    fs.rmSync(path.join(backup, MANIFEST));
    await expect(readManifest(backup)).rejects.toThrow(/no readable manifest/);
    await expect(restoreDataDir(backup, target)).rejects.toThrow(/manifest/);
  });

  it('refuses manifest paths that would escape the data dir', async () => {
    const backup = tempDir('bk');
    fs.writeFileSync(path.join(backup, MANIFEST), JSON.stringify({
      format: 'cairn-backup', version: 1, createdAt: '', files: [{ path: 'cairn.sqlite', size: 0, sha256: '' }, { path: '../evil', size: 0, sha256: '' }],
    }));
    fs.writeFileSync(path.join(backup, 'cairn.sqlite'), '');
    const target = path.join(tempDir('restore'), 'data');
    await expect(restoreDataDir(backup, target)).rejects.toThrow(/does not match|unsafe path/);
    expect(fs.existsSync(path.join(path.dirname(target), 'evil'))).toBe(false);
  });
});
