import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzRuns, openRealApp, type RealApp } from '../real-app.test-support.js';

/**
 * Property-based fuzzing of POST /graphql over the real app (SQLite + fs): garbled documents, wrong
 * variables for every mutation argument, and hostile `filters`/`order` JSON. Whatever comes in, the answer
 * is never 5xx and the seeded runs are untouched. CAIRN_FUZZ_RUNS raises the number of cases.
 */

const SEEDED = 'seeded';
const SEEDED_RUNS = ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaab', 'r2', 'r3'];
const VICTIM_ID = Buffer.from('Run:4').toString('base64');

let real: RealApp;
let seededSnapshot: unknown;

/** The seeded project's runs as GraphQL reads them back. */
async function seededRuns(): Promise<unknown> {
  const res = await real.gql(
    `query($p: String!, $e: String!) { project(name: $p, entityName: $e) {
      runCount runs(first: 100, order: "+created_at") { edges { node { id name state config tags summaryMetrics historyLineCount } } }
    } }`,
    { p: SEEDED, e: real.entity },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data.project;
}

beforeAll(async () => {
  real = await openRealApp();
  for (const name of SEEDED_RUNS) {
    await real.createRun(SEEDED, name);
    const res = await real.gql(
      'mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { id } } }',
      { i: { entityName: real.entity, modelName: SEEDED, name, config: JSON.stringify({ lr: { value: 0.1 }, s: { value: 'a'.repeat(40) + 'b' } }), tags: ['t'] } },
    );
    expect(res.status).toBe(200);
  }
  // Run 4, outside the seeded project: the one real id the fuzzer may stop, rewind or delete.
  await real.createRun('elsewhere', 'victim');
  seededSnapshot = await seededRuns();
});
afterAll(async () => {
  await real?.close();
});

/** Posts a raw body to /graphql and checks the invariant: a JSON answer, never 5xx. */
async function postGraphql(payload: string): Promise<{ status: number; body: any }> {
  const res = await real.inject({ method: 'POST', url: '/graphql', headers: real.headers(), payload });
  expect(res.statusCode < 500, `${res.statusCode} for ${payload.slice(0, 400)}: ${res.body.slice(0, 400)}`).toBe(true);
  const body = res.json();
  if (res.statusCode >= 400) {
    const message = body.error ?? body.errors?.[0]?.message;
    expect(typeof message, `no message in ${res.body.slice(0, 200)}`).toBe('string');
  }
  return { status: res.statusCode, body };
}

// ---- arbitraries ----

const VALID_DOCUMENTS = [
  'mutation($input: UpsertBucketInput!) { upsertBucket(input: $input) { bucket { id name } inserted } }',
  'mutation($input: CreateRunFilesInput!) { createRunFiles(input: $input) { runID files { name uploadUrl } } }',
  'mutation($input: StopRunInput!) { stopRun(input: $input) { success } }',
  'mutation($input: RewindRunInput!) { rewindRun(input: $input) { rewoundRun { id } } }',
  'mutation($input: DeleteRunInput!) { deleteRun(input: $input) { clientMutationId } }',
  'query($e: String, $p: String, $f: JSONString, $o: String) { project(name: $p, entityName: $e) { runCount(filters: $f) runs(filters: $f, order: $o, first: 5) { edges { node { name } } } } }',
  'query { viewer { id username entity } serverInfo { features { name isEnabled } } }',
];

/** Values of every JSON-ish type, including ones no argument accepts. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 31, 2 ** 53, -(2 ** 63), '', ' ', 'x'.repeat(100_000), [], {}, [null], ['a', 1],
    { $where: 'sleep(1000)' }, "'; drop table runs;--", VICTIM_ID, 'UnVuOjk5OTk5', 'UnVuOi0x', 'UnVuOjEuNQ==', 'UnVuOg==', 'Run:1', '\u0000', '\ud800', '../../etc/passwd'),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 2 }),
);

/** An input object for a mutation: its real fields (never naming the seeded project) with any values. */
const inputFor = (fields: string[]): fc.Arbitrary<Record<string, unknown>> =>
  fc.dictionary(fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 6 })), wrongValue, { maxKeys: fields.length + 1 })
    .map((o) => (o['modelName'] === SEEDED || o['projectName'] === SEEDED ? { ...o, modelName: 'elsewhere', projectName: 'elsewhere' } : o));

const MUTATION_FIELDS: Record<number, string[]> = {
  0: ['id', 'name', 'modelName', 'entityName', 'config', 'summaryMetrics', 'tags', 'state', 'displayName', 'groupName', 'sweep'],
  1: ['entityName', 'projectName', 'runName', 'files'],
  2: ['id'],
  3: ['runName', 'entityName', 'projectName', 'metricName', 'metricValue'],
  4: ['id', 'deleteArtifacts'],
};

const mutationCall = fc.integer({ min: 0, max: 4 }).chain((i) =>
  fc.record({
    query: fc.constant(VALID_DOCUMENTS[i]!),
    variables: fc.oneof(
      { weight: 6, arbitrary: inputFor(MUTATION_FIELDS[i]!).map((input) => ({ input })) },
      { weight: 1, arbitrary: fc.constantFrom({}, null, { input: null }, { input: 'x' }, { input: [] }, { input: [{}] }) },
    ),
    operationName: fc.oneof(fc.constant(undefined), fc.constantFrom('', 'Nope', null, 1, {})),
  }));

/** A valid document with characters deleted, duplicated or swapped in. */
const garbledDocument = fc.tuple(fc.constantFrom(...VALID_DOCUMENTS), fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 4 }))
  .map(([doc, edits]) => edits.reduce((d, [at, del, ins]) => {
    const i = at % (d.length + 1);
    return d.slice(0, i) + ins + d.slice(i + del);
  }, doc));

const nestedQuery = fc.integer({ min: 1, max: 3000 }).map((n) => `{ ${'a { '.repeat(n)}b${' }'.repeat(n)} }`);
const nestedRealQuery = fc.integer({ min: 1, max: 60 }).map((n) =>
  `query { project(name: "${SEEDED}", entityName: "admin") { ${'runs(first: 2) { edges { node { project { '.repeat(n)}name${' } } } }'.repeat(n)} } }`);

const anyDocument = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), garbledDocument, nestedQuery, nestedRealQuery,
  fc.constantFrom('', '{', '}', 'query', 'mutation { upsertBucket }', '{ __schema { types { name } } }', 'subscription { x }',
    'query A { viewer { id } } query A { viewer { id } }', `{ viewer { ${'id '.repeat(10_000)} } }`, `{ ${'viewer { id } '.repeat(2000)} }`,
    `query(${Array.from({ length: 500 }, (_, i) => `$v${i}: Int`).join(' ')}) { viewer { id } }`));

const filterKey = fc.oneof(
  fc.constantFrom('state', 'name', 'tags', 'config.lr', 'config.lr.value', 'config.s', 'summary_metrics.loss', 'createdAt', 'username',
    '$where', '$and', '$or', '$nor', '$not', '$regex', '$expr', 'config', 'config.', 'config..x', '"', '\\', "'; drop table runs;--",
    'config.a"b', "config.a'b", 'config.a\\b', 'summary_metrics.__proto__', '__proto__', 'constructor', 'valueOf', 'toString', 'hasOwnProperty', 'config.__proto__', 'x'.repeat(600), 'config.' + 'a.'.repeat(20) + 'b'),
  fc.string({ maxLength: 10 }),
);
const filterOperand: fc.Arbitrary<unknown> = fc.oneof(
  wrongValue,
  fc.constantFrom(
    { $regex: '(a+)+$' }, { $regex: '^(a|aa)+$' }, { $regex: '^(a|a)*$' }, { $regex: '(.*a){12}' }, { $regex: '(x+x+)+y' },
    { $regex: '[' }, { $regex: 'a', $options: 'i' }, { $regex: 1 }, { $regex: 'a'.repeat(300) }, { $regex: '^(?:a|aa)+$' },
    { $regex: '^(\\w+\\s?)*$' }, { $regex: '^([a-z]*)*$' }, { $regex: '.*.*.*.*.*.*.*.*.*.*.*=' },
    { $in: Array.from({ length: 5000 }, (_, i) => i) }, { $in: ['a', null, 1, true] }, { $in: 'x' }, { $nin: [[]] },
    { $where: 'sleep(1000)' }, { $gt: {} }, { $gt: [1] }, { $exists: 'yes' }, { $not: { $regex: '(a+)+' } }, { $eq: 1e308 }, { $lt: -0 },
  ),
);
const filterDoc: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  doc: fc.dictionary(filterKey, fc.oneof({ depthSize: 'small' }, filterOperand, tie('list'), tie('doc')), { maxKeys: 3 }),
  list: fc.array(tie('doc'), { maxLength: 3 }),
})).doc;
const filtersString = fc.oneof(
  { weight: 6, arbitrary: filterDoc.map((d) => JSON.stringify(d)) },
  { weight: 1, arbitrary: fc.constantFrom('', 'null', '[]', '"x"', '{', 'NaN', '{"state": NaN}', JSON.stringify({ $and: Array.from({ length: 2000 }, () => ({ state: 'x' })) }),
    `${'{"$and":['.repeat(500)}{}${']}'.repeat(500)}`, `${'{"$not":'.repeat(2000)}{}${'}'.repeat(2000)}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);
const orderString = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('', '-', '+', '--created_at', '+config.lr.value', '-summary_metrics.loss', "config.'; drop table runs;--", 'config."x"', 'x'.repeat(600), '$where', 'created_at desc; drop table runs',
    'valueOf', '-toString', '+__proto__', 'constructor'),
  fc.string({ maxLength: 12 }),
);

// ---- properties ----

describe('GraphQL fuzz (real app, SQLite + fs)', () => {
  it('answers garbled and nested documents with a JSON 2xx/4xx', async () => {
    await fc.assert(
      fc.asyncProperty(anyDocument, fc.oneof(fc.constant(undefined), fc.constantFrom('', 'Nope', null)), async (query, operationName) => {
        await postGraphql(JSON.stringify({ query, variables: {}, operationName }));
      }),
      { numRuns: fuzzRuns(150) },
    );
    expect(await seededRuns()).toEqual(seededSnapshot);
  });

  it('answers mutations with wrong, missing and hostile variables without 5xx, and leaves the seeded runs alone', async () => {
    await fc.assert(
      fc.asyncProperty(mutationCall, async (body) => {
        await postGraphql(JSON.stringify(body));
        expect(await seededRuns()).toEqual(seededSnapshot);
      }),
      { numRuns: fuzzRuns(200) },
    );
  });

  it('answers hostile filters and orders on runs/runCount with 200 or 400, and the runs table stays intact', async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(filtersString, orderString, async (filters, order) => {
        const { status } = await postGraphql(JSON.stringify({
          query: VALID_DOCUMENTS[5], variables: { e: real.entity, p: SEEDED, f: filters, o: order },
        }));
        statuses.add(status);
      }),
      { numRuns: fuzzRuns(200) },
    );
    expect(statuses.has(200) && statuses.has(400), `statuses seen: ${[...statuses]}`).toBe(true);
    expect(await seededRuns()).toEqual(seededSnapshot);
  });

  it('answers bodies that are not GraphQL requests with 400', async () => {
    const bodies = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ query: wrongValue, variables: wrongValue, operationName: wrongValue }, { requiredKeys: [] }));
    await fc.assert(
      fc.asyncProperty(bodies, async (value) => {
        await postGraphql(JSON.stringify(value));
      }),
      { numRuns: fuzzRuns(100) },
    );
  });
});
