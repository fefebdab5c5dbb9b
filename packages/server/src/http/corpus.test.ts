import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, openRealApp, type RealApp } from '../real-app.test-support.js';

/**
 * Replays __corpus__/*.json: concrete nasty requests (many of them ones the fuzz suites once found), each
 * with the status class it must get, against the real app (SQLite + fs). Each case gets its own run; after
 * it, the run must still read back (200) with what `expectRun` says, and nothing may be stored outside a
 * run's files. Placeholders: {entity} {project} {run} {runId} (GraphQL id) and {upload:NAME} (a signed
 * upload token for NAME in the case's run).
 */

interface CorpusRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent verbatim (for bodies that are not valid JSON). */
  bodyText?: string;
  bodyBase64?: string;
  /** A line of this many 'x' appended to content[0] of the first file (bodies too big to check in). */
  padFirstLine?: number;
  expect: '2xx' | '4xx' | number;
  expectJson?: unknown;
}
interface CorpusCase { description: string; requests: CorpusRequest[]; expectRun?: Record<string, unknown> }

const CORPUS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '__corpus__');
const PROJECT = 'corpus';
const cases = fs.readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.json')).sort();

let real: RealApp;
beforeAll(async () => {
  real = await openRealApp();
});
afterAll(async () => {
  await real?.close();
});

async function runOf(name: string) {
  const res = await real.gql(
    `query($p: String!, $e: String!, $r: String!) { project(name: $p, entityName: $e) { run(name: $r) {
      id state exitcode summaryMetrics historyLineCount eventsLineCount logLineCount history(samples: 1000)
      files(first: 100) { edges { node { name } } }
    } } }`,
    { p: PROJECT, e: real.entity, r: name },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data.project.run;
}

/** Files in the sandbox that are neither the database, the signing secret nor a run's blob (a leftover temp file is a partial write). */
const strayFiles = () => filesUnder(real.sandboxDir).filter((f) => {
  const rel = path.relative(real.sandboxDir, f).split(path.sep).join('/');
  return !/^data\/(cairn\.sqlite(-wal|-shm)?|url-signing\.secret|blobs\/runs\/\d+\/files\/.+)$/s.test(rel); // run file names may hold newlines
});

async function uploadToken(run: string, name: string): Promise<string> {
  const res = await real.gql(
    'mutation($input: CreateRunFilesInput!) { createRunFiles(input: $input) { files { uploadUrl } } }',
    { input: { entityName: real.entity, projectName: PROJECT, runName: run, files: [name] } },
  );
  const url = res.body.data?.createRunFiles?.files?.[0]?.uploadUrl as string | undefined;
  if (!url) throw new Error(`no upload URL for ${JSON.stringify(name)}`);
  return new URL(url).pathname.split('/').pop()!;
}

async function substitute(text: string, run: string, runId: string): Promise<string> {
  let out = text.replaceAll('{entity}', real.entity).replaceAll('{project}', PROJECT).replaceAll('{run}', run).replaceAll('{runId}', runId);
  for (const m of out.matchAll(/\{upload:([^}]*)\}/g)) out = out.replace(m[0], await uploadToken(run, m[1]!));
  return out;
}

function payloadOf(req: CorpusRequest, body: unknown): string | Buffer | undefined {
  if (req.bodyBase64 !== undefined) return Buffer.from(req.bodyBase64, 'base64');
  if (req.bodyText !== undefined) return req.bodyText;
  if (body === undefined) return undefined;
  if (req.padFirstLine) {
    const files = (body as { files: Record<string, { content: string[] }> }).files;
    const first = Object.values(files)[0]!;
    first.content[0] = (first.content[0] ?? '') + 'x'.repeat(req.padFirstLine);
  }
  return JSON.stringify(body);
}

describe('bad-input corpus (real app, SQLite + fs)', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  for (const file of cases) {
    const spec = JSON.parse(fs.readFileSync(path.join(CORPUS_DIR, file), 'utf8')) as CorpusCase;
    it(`${file}: ${spec.description}`, async () => {
      const run = file.replace(/\.json$/, '');
      await real.createRun(PROJECT, run);
      const runId = (await runOf(run)).id as string;
      for (const [i, req] of spec.requests.entries()) {
        const body = req.body === undefined ? undefined : JSON.parse(await substitute(JSON.stringify(req.body), run, runId));
        const res = await real.inject({
          method: req.method,
          url: await substitute(req.url, run, runId),
          headers: { ...(req.url.startsWith('/storage/') ? {} : real.headers()), ...req.headers },
          payload: payloadOf(req, body),
        });
        const where = `request ${i}: ${res.statusCode} ${res.body.slice(0, 300)}`;
        if (req.expect === '2xx') expect(res.statusCode, where).toBeLessThan(300);
        else if (req.expect === '4xx') expect(res.statusCode >= 400 && res.statusCode < 500, where).toBe(true);
        else expect(res.statusCode, where).toBe(req.expect);
        if (res.statusCode >= 400) {
          const json = res.json() as { error?: string; errors?: { message: string }[] };
          expect(typeof (json.error ?? json.errors?.[0]?.message), `${where}: no JSON message`).toBe('string');
        }
        if (req.expectJson !== undefined) expect(res.json(), where).toMatchObject(req.expectJson as object);
      }
      const stored = await runOf(run);
      if (spec.expectRun) expect(stored).toMatchObject(spec.expectRun);
      expect(strayFiles()).toEqual([]);
    });
  }
});
