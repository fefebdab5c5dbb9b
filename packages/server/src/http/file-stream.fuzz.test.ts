import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzRuns, openRealApp, type RealApp } from '../real-app.test-support.js';

/**
 * Property-based fuzzing of POST /files/{e}/{p}/{r}/file_stream over the real app (SQLite + fs): whatever
 * the body, the answer is 200 or a 4xx with a JSON message (never 5xx, which the SDK retries for minutes),
 * a rejected request stores nothing, and an accepted one is idempotent (the SDK re-sends unacknowledged
 * requests). CAIRN_FUZZ_RUNS raises the number of cases (bench/fuzz-long.sh).
 */

const PROJECT = 'fuzz';
const KNOWN_FILES = ['wandb-history.jsonl', 'wandb-events.jsonl', 'wandb-summary.json', 'output.log'];

let real: RealApp;
beforeAll(async () => {
  real = await openRealApp();
});
afterAll(async () => {
  await real?.close();
});

const url = (run: string) => `/files/${real.entity}/${PROJECT}/${run}/file_stream`;

/** Everything a run stores from file_stream, as GraphQL reads it back. */
async function storedState(run: string): Promise<unknown> {
  const res = await real.gql(
    `query($p: String!, $e: String!, $r: String!) { project(name: $p, entityName: $e) { run(name: $r) {
      state exitcode summaryMetrics systemMetrics historyLineCount eventsLineCount logLineCount
      history(samples: 100000) events(samples: 100000)
      logLines(first: 100000) { edges { node { line } } }
      files(first: 1000) { edges { node { name } } }
    } } }`,
    { p: PROJECT, e: real.entity, r: run },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data.project.run;
}

async function post(run: string, payload: string | Buffer, headers: Record<string, string> = {}) {
  return real.inject({ method: 'POST', url: url(run), headers: real.headers(headers), payload });
}

/** The property every request must satisfy; returns the status. */
async function checkRequest(run: string, payload: string | Buffer): Promise<number> {
  const before = await storedState(run);
  const res = await post(run, payload);
  const status = res.statusCode;
  expect(status < 500, `5xx for ${String(payload).slice(0, 300)}: ${res.body.slice(0, 300)}`).toBe(true);
  if (status === 200) {
    expect(res.json()).toHaveProperty('stopped');
    const after = await storedState(run);
    const again = await post(run, payload);
    expect(again.statusCode).toBe(200);
    expect(await storedState(run), 're-sending an accepted request changed the run').toEqual(after);
  } else {
    expect(status).toBeGreaterThanOrEqual(400);
    const body = res.json() as { error?: unknown };
    expect(typeof body.error).toBe('string');
    expect(await storedState(run), `a rejected request (${status}) changed the run`).toEqual(before);
  }
  return status;
}

// ---- arbitraries ----

const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
const deepArray = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

/** Lines that are valid, almost valid, or nasty JSON. */
const nastyLine: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '', ' ', '{}', '[]', 'null', '1', '"x"', '{', '}', '{"a":1}{"b":2}',
    '{"loss": NaN}', '{"loss": Infinity, "x": -Infinity}', '{"v": [NaN, Infinity]}', 'NaN', '{"s": "NaN"}',
    '{"loss": -NaN}', '{"loss": +Infinity}', '{"loss": nan}', '{"a": 1e400}', '{"a": -1e400}', '{"a": -0}',
    '{"a": 9223372036854775808}', '{"a": 18446744073709551616}', '{"_step": 1e400}', '{"_step": -1}',
    '{"_step": 0.5}', '{"_step": "3"}', '{"_step": 9007199254740993}', '{"_step": null}', '{"_step": NaN}',
    '{"_runtime": Infinity, "_timestamp": NaN}', '{"a": "\\ud800"}', '{"\\udfff": 1}', '{"a": "\\u0000"}',
    '{"__proto__": {"x": 1}}', '{"constructor": {"prototype": {}}}', '{"a.b": 1, "a": {"b": 2}}',
    deep(1000), deepArray(1000), `{"a": ${deepArray(5000)}}`,
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.double(), fc.integer(), fc.string({ unit: 'binary', maxLength: 8 })), { maxKeys: 4 })
    .map((o) => JSON.stringify(o)),
  fc.record({ _step: fc.nat(50), loss: fc.double({ noNaN: true, noDefaultInfinity: true }) }).map((o) => JSON.stringify(o)),
);

const nastyOffset: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.nat(20) },
  { weight: 1, arbitrary: fc.constantFrom(-1, -0, 0.5, 1e-9, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 1e308, '0', null, true, [], {}) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
);

const fileName: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KNOWN_FILES) },
  { weight: 1, arbitrary: fc.constantFrom('', 'config.yaml', '../wandb-history.jsonl', '__proto__', 'constructor', 'output.log\0') },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const chunk: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ offset: nastyOffset, content: fc.array(nastyLine, { maxLength: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ offset: fc.nat(5), content: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.constantFrom(null, 'x', 1, [], { offset: 0 }, { content: ['{}'] }, { offset: 0, content: '{}' }) },
);

const files: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.dictionary(fileName, chunk, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, [], 'files', 42, [{ offset: 0, content: [] }]) },
);

/** Mostly the right type, sometimes not: so that most bodies get past the schema and reach storage. */
const mostly = <T>(good: fc.Arbitrary<T>, ...bad: unknown[]) =>
  fc.oneof({ weight: 9, arbitrary: good as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: fc.constantFrom(...bad) });

const structuredBody: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    files,
    uploaded: mostly(fc.array(fc.constantFrom('config.yaml', 'a/b.txt', '../x', '', 'media/\u0000'), { maxLength: 3 }), null, 'x', [1], [null]),
    complete: mostly(fc.boolean(), null, 'true', 1),
    exitcode: mostly(fc.oneof(fc.integer({ min: -255, max: 255 }), fc.constant(null)), 1.5, 2 ** 63, '1', 1e308),
    preempting: mostly(fc.boolean(), null, 'yes'),
    dropped: fc.nat(),
  },
  { requiredKeys: [] },
);

// ---- properties ----

describe('file_stream fuzz (real app, SQLite + fs)', () => {
  it('answers arbitrary JSON bodies with 200 or a 4xx, and stores nothing for a rejected one', async () => {
    await real.createRun(PROJECT, 'anyjson');
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
        await checkRequest('anyjson', JSON.stringify(value));
      }),
      { numRuns: fuzzRuns(100) },
    );
  });

  it('answers structured-but-wrong bodies with 200 or a 4xx; rejects store nothing, accepts are idempotent', async () => {
    await real.createRun(PROJECT, 'structured');
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(structuredBody, async (body) => {
        statuses.add(await checkRequest('structured', JSON.stringify(body)));
      }),
      { numRuns: fuzzRuns(200) },
    );
    // Both branches of the property must have been exercised, or the generators have drifted.
    expect(statuses.has(200)).toBe(true);
    expect(statuses.has(400)).toBe(true);
  });

  it('survives raw bytes: invalid UTF-8, truncated JSON, bare tokens outside strings', async () => {
    await real.createRun(PROJECT, 'raw');
    const valid = JSON.stringify({ files: { 'wandb-history.jsonl': { offset: 0, content: ['{"a": 1}'] } } });
    const rawBody = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      fc.nat(valid.length).map((n) => valid.slice(0, n)),
      fc.tuple(fc.nat(valid.length), fc.uint8Array({ minLength: 1, maxLength: 4 }))
        .map(([at, bytes]) => Buffer.concat([Buffer.from(valid.slice(0, at)), Buffer.from(bytes), Buffer.from(valid.slice(at))])),
      fc.constantFrom('{"files": NaN}', '{"files": {"output.log": {"offset": Infinity, "content": []}}}', '{"exitcode": NaN, "complete": true}'),
    );
    await fc.assert(
      fc.asyncProperty(rawBody, async (payload) => {
        await checkRequest('raw', payload);
      }),
      { numRuns: fuzzRuns(100) },
    );
  });

  it('answers 404 (not 5xx) for runs and projects that do not exist, and creates none', async () => {
    const body = JSON.stringify({ files: { 'wandb-history.jsonl': { offset: 0, content: ['{"a": 1}'] } } });
    for (const path of [`/files/${'x'.repeat(300)}/p/r/file_stream`, '/files/admin/nope/r/file_stream', '/files/admin/fuzz/%00/file_stream']) {
      const res = await real.inject({ method: 'POST', url: path, headers: real.headers(), payload: body });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
    }
  });
});
