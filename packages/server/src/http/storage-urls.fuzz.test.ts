import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, fuzzRuns, openRealApp, type RealApp } from '../real-app.test-support.js';

/**
 * Signed storage URLs and run file names over the real app (fs BlobStore): a token that is forged,
 * truncated, expired or for the other method gets 403 and stores nothing; a file name that could escape
 * the run's folder gets no upload URL; and no upload ever lands outside the blob folder.
 */

const PROJECT = 'files';
const RUN = 'run1';
let real: RealApp;
let runDir: string;

beforeAll(async () => {
  real = await openRealApp();
  await real.createRun(PROJECT, RUN);
});
afterAll(async () => {
  await real?.close();
});

async function createRunFiles(files: unknown): Promise<{ status: number; files: { name: string; uploadUrl: string | null }[] }> {
  const res = await real.gql(
    'mutation($input: CreateRunFilesInput!) { createRunFiles(input: $input) { runID files { name uploadUrl } } }',
    { input: { entityName: real.entity, projectName: PROJECT, runName: RUN, files } },
  );
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
  return { status: res.status, files: res.body.data?.createRunFiles?.files ?? [] };
}

/** A real upload URL's token (the part after /storage/upload/). */
async function uploadToken(name: string): Promise<string> {
  const { files } = await createRunFiles([name]);
  const url = files[0]?.uploadUrl;
  expect(url).toBeTruthy();
  return new URL(url!).pathname.split('/').pop()!;
}

/** Every stored blob (finished uploads, not temp files). */
const storedBlobs = () => filesUnder(real.blobDir).filter((f) => !path.relative(real.blobDir, f).startsWith('.tmp'));

/** Files in the sandbox that are neither the database, the signing secret nor a run's blob (a leftover temp file is a partial write). */
const strayFiles = () => filesUnder(real.sandboxDir).filter((f) => {
  const rel = path.relative(real.sandboxDir, f).split(path.sep).join('/');
  return !/^data\/(cairn\.sqlite(-wal|-shm)?|url-signing\.secret|blobs\/runs\/\d+\/files\/.+)$/s.test(rel); // run file names may hold newlines
});

describe('signed storage URLs', () => {
  it('uploads with a valid token and reads it back, and only there', async () => {
    const token = await uploadToken('ok.txt');
    const put = await real.inject({ method: 'PUT', url: `/storage/upload/${token}`, payload: 'hello' });
    expect(put.statusCode).toBe(200);
    runDir = path.dirname(storedBlobs().find((f) => f.endsWith('ok.txt'))!);
    expect(fs.readFileSync(path.join(runDir, 'ok.txt'), 'utf8')).toBe('hello');
  });

  it('answers 403 and stores nothing for forged, truncated, tampered or wrong-method tokens', async () => {
    const good = await uploadToken('victim.txt');
    const [payload, mac] = good.split('.') as [string, string];
    const forgedPayload = Buffer.from(JSON.stringify({ m: 'PUT', k: 'runs/1/files/../../../escape', e: 4102444800 })).toString('base64url');
    const expiredPayload = Buffer.from(JSON.stringify({ m: 'PUT', k: 'runs/1/files/x', e: 1 })).toString('base64url');
    const tokens = fc.oneof(
      fc.constantFrom(
        '', '.', '..', `${payload}.`, `.${mac}`, payload, `${payload}.${mac.slice(0, -1)}`, `${payload}.${mac}x`, `${payload.slice(1)}.${mac}`,
        `${forgedPayload}.${mac}`, `${expiredPayload}.${mac}`, `${payload}.${mac}.${mac}`.slice(0, -2), 'a'.repeat(4000),
        `${payload}%00.${mac}`, `${encodeURIComponent('../')}${good}`,
      ),
      fc.string({ unit: 'binary', maxLength: 80 }).map(encodeURIComponent),
      fc.tuple(fc.nat(good.length - 1), fc.constantFrom('A', '-', '_', '0')).map(([i, c]) => good.slice(0, i) + (good[i] === c ? 'B' : c) + good.slice(i + 1)),
    );
    const before = storedBlobs();
    await fc.assert(
      fc.asyncProperty(tokens, async (token) => {
        const put = await real.inject({ method: 'PUT', url: `/storage/upload/${token}`, payload: 'evil' });
        expect([403, 404], `PUT ${token.slice(0, 100)}`).toContain(put.statusCode);
        const get = await real.inject({ method: 'GET', url: `/storage/download/${token}/x` });
        expect([403, 404], `GET ${token.slice(0, 100)}`).toContain(get.statusCode);
      }),
      { numRuns: fuzzRuns(150) },
    );
    // An upload token does not download, and a GET on it is 403 too.
    expect((await real.inject({ method: 'GET', url: `/storage/download/${good}/victim.txt` })).statusCode).toBe(403);
    expect(storedBlobs()).toEqual(before);
    expect(strayFiles()).toEqual([]);
  });

  it('answers 403 for a download token used to upload, and keeps the blob as it was', async () => {
    const token = await uploadToken('dl.txt');
    expect((await real.inject({ method: 'PUT', url: `/storage/upload/${token}`, payload: 'original' })).statusCode).toBe(200);
    const listed = await real.gql(
      'query($p: String!, $e: String!, $r: String!) { project(name: $p, entityName: $e) { run(name: $r) { files(names: ["dl.txt"]) { edges { node { name directUrl } } } } } }',
      { p: PROJECT, e: real.entity, r: RUN },
    );
    const direct = new URL(listed.body.data.project.run.files.edges[0].node.directUrl as string).pathname;
    const getToken = direct.split('/')[3]!;
    expect((await real.inject({ method: 'GET', url: direct })).body).toBe('original');
    const put = await real.inject({ method: 'PUT', url: `/storage/upload/${getToken}`, payload: 'overwritten' });
    expect(put.statusCode).toBe(403);
    expect((await real.inject({ method: 'GET', url: direct })).body).toBe('original');
  });
});

describe('run file names in createRunFiles', () => {
  const TRAVERSAL = [
    '../x', '../../x', '/abs', '/etc/passwd', 'a/../../b', 'a/../b', './a', 'a/./b', 'a//b', 'a/', '.', '..', '', 'a\0b', '\0',
    'a\\..\\..\\b', '..\\x', 'C:\\x', '\\\\server\\share', 'media/../../../escape', 'x/..', 'a/b/', 'a/./b',
  ];
  /** Names that look like dots but are not: harmless if the URL keeps them verbatim, inside the run's folder. */
  const UNICODE_DOTS = ['\u2024\u2024/x', '\uff0e\uff0e/x', '\u3002\u3002/x', '.\u200b./x', '\u2025/x', '..\u0338/x'];

  it('gives no upload URL for names that could leave the run folder, and URLs for the rest', async () => {
    const { status, files } = await createRunFiles([...TRAVERSAL, 'fine.txt', 'media/images/a.png', '.tmp/x', '%2e%2e', '...']);
    expect(status).toBe(200);
    const byName = new Map(files.map((f) => [f.name, f.uploadUrl]));
    for (const name of TRAVERSAL) expect(byName.get(name), JSON.stringify(name)).toBeNull();
    expect(byName.get('fine.txt')).toMatch(/\/storage\/upload\//);
    for (const name of ['media/images/a.png', '.tmp/x', '%2e%2e', '...']) expect(byName.get(name), name).toMatch(/\/storage\/upload\//);
  });

  it('writes every upload of any name inside the blob folder, under the run it belongs to', async () => {
    const names = fc.oneof(
      fc.constantFrom(...TRAVERSAL, ...UNICODE_DOTS),
      fc.array(fc.constantFrom('..', '.', 'a', '', '\u2025', '\uff0e', '\\', '\0', '%2e'), { minLength: 1, maxLength: 5 }).map((p) => p.join('/')),
      fc.string({ unit: 'binary', maxLength: 12 }),
    );
    await fc.assert(
      fc.asyncProperty(names, async (name) => {
        const { status, files } = await createRunFiles([name]);
        expect(status).toBe(200);
        const url = files[0]?.uploadUrl;
        if (!url) return;
        const put = await real.inject({ method: 'PUT', url: new URL(url).pathname, payload: 'data' });
        expect(put.statusCode, `${JSON.stringify(name)}: ${put.body}`).toBeLessThan(500);
        expect(strayFiles(), `after uploading ${JSON.stringify(name)}`).toEqual([]);
      }),
      { numRuns: fuzzRuns(150) },
    );
    expect(strayFiles()).toEqual([]);
  });

  it('answers wrong types in files with 400, not 5xx', async () => {
    // (A lone string is valid: GraphQL coerces it to a one-item list.)
    for (const files of [null, [1], [null], [['a']], [{}], [true]]) {
      const { status } = await createRunFiles(files);
      expect(status, JSON.stringify(files)).toBe(400);
    }
  });
});
