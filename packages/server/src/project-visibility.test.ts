import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRealApp, type RealApp } from './real-app.test-support.js';

/**
 * Project visibility through the real app (SQLite): private, organization, restricted and public projects of a
 * team — who reads, who writes, what listings show, and that hidden projects answer like missing ones.
 */
const key = (c: string) => `local-${c.repeat(40)}`;
const KEYS = { owner: key('1'), member: key('2'), viewer: key('3'), outsider: key('4'), orgViewer: key('5'), carol: key('6') };
type Who = keyof typeof KEYS;

let real: RealApp;
const cli = { system: 'cli' } as const;

async function gqlAs(who: Who, query: string, variables: Record<string, unknown> = {}) {
  const res = await real.inject({
    method: 'POST', url: '/graphql', payload: JSON.stringify({ query, variables }),
    headers: { authorization: `Basic ${Buffer.from(`api:${KEYS[who]}`).toString('base64')}`, 'content-type': 'application/json' },
  });
  return { status: res.statusCode, body: res.json() as { data?: any; errors?: { message: string }[] } };
}
async function runsApi(who: Who, entity: string, project: string) {
  const res = await real.inject({
    method: 'POST', url: '/api/v1/runs', payload: JSON.stringify({ entity, project }),
    headers: { authorization: `Basic ${Buffer.from(`api:${KEYS[who]}`).toString('base64')}`, 'content-type': 'application/json' },
  });
  return { status: res.statusCode, body: res.body };
}

const UPSERT = 'mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { id name } inserted } }';
const RUN = 'query($e: String, $p: String, $r: String!) { project(entityName: $e, name: $p) { name access readOnly run(name: $r) { name readOnly } } }';
const PROJECTS = 'query($e: String) { projects(entityName: $e) { edges { node { name } } } }';
const ENTITY_PROJECTS = 'query($e: String, $p: String) { project(entityName: $e, name: $p) { entity { name projects { edges { node { name } } } } } }';
const UPSERT_MODEL = 'mutation($i: UpsertModelInput!) { upsertModel(input: $i) { project { name access } inserted } }';

const listed = async (who: Who, entity: string) =>
  ((await gqlAs(who, PROJECTS, { e: entity })).body.data.projects.edges as { node: { name: string } }[]).map((e) => e.node.name).sort();
const runNames = async (entity: string, project: string) => {
  const { meta } = real.runtime.services;
  const e = await meta.findEntityByName(entity);
  const p = e ? await meta.findProject(e.id, project) : null;
  return p ? (await meta.listRuns(p.id)).map((r) => r.name).sort() : [];
};
/** An answer with the given names replaced, to compare a hidden project's answer with a missing one's. */
const masked = (x: unknown, names: string[]) => names.reduce((s, n) => s.split(n).join('<name>'), JSON.stringify(x));

beforeAll(async () => {
  real = await openRealApp();
  const { auth, orgs, projectVisibility } = real.runtime.services;
  for (const [name, k] of Object.entries(KEYS)) {
    const user = await auth.createUser({ username: name, email: `${name}@example.com` });
    await auth.createApiKey(user.id, { key: k });
  }
  await orgs.createOrganization(cli, { name: 'acme', entityName: 'acme-org', admin: 'owner' });
  await orgs.createOrganization(cli, { name: 'other-co', admin: 'outsider' });
  await orgs.createTeam(cli, { name: 'ml', org: 'acme' });
  await orgs.setMember(cli, 'ml', 'member', 'member');
  await orgs.setMember(cli, 'ml', 'viewer', 'viewer');
  await orgs.setMember(cli, 'acme', 'orgViewer', 'viewer');
  for (const [project, visibility] of [['priv', 'private'], ['orgp', 'organization'], ['restr', 'restricted'], ['pub', 'public']] as const) {
    expect((await gqlAs('member', UPSERT, { i: { entityName: 'ml', modelName: project, name: 'run1' } })).status).toBe(200);
    if (visibility !== 'private') await projectVisibility.setVisibility(cli, `ml/${project}`, visibility);
  }
  await projectVisibility.addMember(cli, 'ml/restr', 'carol', 'viewer');
}, 60_000);

afterAll(async () => {
  await real.close();
});

describe('reading by visibility', () => {
  const cases: [Who, string[]][] = [
    ['owner', ['orgp', 'priv', 'pub', 'restr']], // org admin: admin of the team, so of its restricted projects too
    ['member', ['orgp', 'priv', 'pub']], // a team member not named on the restricted project does not see it
    ['viewer', ['orgp', 'priv', 'pub']],
    ['orgViewer', ['orgp', 'pub']],
    ['carol', ['pub', 'restr']], // in no org or team: her named project and the public one
    ['outsider', ['pub']],
  ];
  it.each(cases)('%s lists exactly the projects it may read, and reads exactly those', async (who, readable) => {
    expect(await listed(who, 'ml')).toEqual(readable);
    for (const p of ['priv', 'orgp', 'restr', 'pub']) {
      const res = await gqlAs(who, RUN, { e: 'ml', p, r: 'run1' });
      expect(res.status).toBe(200);
      if (readable.includes(p)) expect(res.body.data.project.run.name, `${who} ${p}`).toBe('run1');
      else expect(res.body.data.project, `${who} ${p}`).toBeNull();
      expect((await runsApi(who, 'ml', p)).status, `${who} /api/v1/runs ${p}`).toBe(readable.includes(p) ? 200 : 404);
    }
    // Reached through a visible project, an unreadable entity lists nothing more than those projects.
    const via = await gqlAs(who, ENTITY_PROJECTS, { e: 'ml', p: 'pub' });
    expect((via.body.data.project.entity.projects.edges as { node: { name: string } }[]).map((e) => e.node.name).sort()).toEqual(readable);
  });

  it('an entity the caller cannot read stays hidden, and its hidden projects answer exactly like missing ones', async () => {
    expect((await gqlAs('outsider', 'query { entity(name: "ml") { name } }')).body.data.entity).toBeNull();
    for (const who of ['outsider', 'orgViewer', 'member'] as const) {
      const hidden = await runsApi(who, 'ml', who === 'member' ? 'restr' : 'priv');
      const missing = await runsApi(who, 'ml', 'no-such-project');
      expect(hidden.status).toBe(404);
      expect(masked(hidden.body, ['restr', 'priv', 'no-such-project'])).toBe(masked(missing.body, ['restr', 'priv', 'no-such-project']));
    }
    // The outsider learns nothing from a private project either way, and the same as for an unknown entity.
    const priv = await runsApi('outsider', 'ml', 'priv');
    const ghost = await runsApi('outsider', 'ghost-team', 'priv');
    expect(masked(priv.body, ['ml', 'ghost-team'])).toBe(masked(ghost.body, ['ml', 'ghost-team']));
  });

  it('reports W&B access values and readOnly per caller', async () => {
    const access = async (p: string) => (await gqlAs('owner', RUN, { e: 'ml', p, r: 'run1' })).body.data.project.access;
    expect([await access('priv'), await access('orgp'), await access('restr'), await access('pub')])
      .toEqual(['PRIVATE', 'ORGANIZATION', 'RESTRICTED', 'USER_READ']);
    expect((await gqlAs('orgViewer', RUN, { e: 'ml', p: 'orgp', r: 'run1' })).body.data.project).toMatchObject({ readOnly: true, run: { readOnly: true } });
    expect((await gqlAs('member', RUN, { e: 'ml', p: 'orgp', r: 'run1' })).body.data.project).toMatchObject({ readOnly: false });
    expect((await gqlAs('carol', RUN, { e: 'ml', p: 'restr', r: 'run1' })).body.data.project).toMatchObject({ readOnly: true });
  });
});

describe('artifact files by digest (/artifacts/<entity>/<md5>)', () => {
  /** Logs a committed version with one file, the SDK's sequence of calls, as `who`. */
  async function logFile(who: Who, project: string, bytes: Buffer) {
    const ok = async (query: string, i: Record<string, unknown>) => {
      const res = await gqlAs(who, query, { i });
      expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
      return res.body.data;
    };
    const put = async (url: string, body: Buffer | string) =>
      expect((await real.inject({ method: 'PUT', url: new URL(url).pathname, payload: body, headers: { 'content-type': 'application/octet-stream' } })).statusCode).toBeLessThan(300);
    const md5 = createHash('md5').update(bytes).digest('base64');
    const created = await ok('mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { artifact { id } } }', {
      entityName: 'ml', projectName: project, artifactTypeName: 'dataset', artifactCollectionName: 'ds',
      digest: randomBytes(16).toString('hex'), digestAlgorithm: 'MANIFEST_MD5' });
    const id = created.createArtifact.artifact.id as string;
    const files = await ok('mutation($i: CreateArtifactFilesInput!) { createArtifactFiles(input: $i) { files { edges { node { uploadUrl } } } } }',
      { artifactFiles: [{ artifactID: id, name: 'data.txt', md5 }], storageLayout: 'V2' });
    await put(files.createArtifactFiles.files.edges[0].node.uploadUrl as string, bytes);
    const m = await ok('mutation($i: CreateArtifactManifestInput!) { createArtifactManifest(input: $i) { artifactManifest { file { uploadUrl } } } }',
      { artifactID: id, name: 'wandb_manifest.json', digest: 'd', entityName: 'ml', projectName: project, type: 'FULL' });
    await put(m.createArtifactManifest.artifactManifest.file.uploadUrl as string, JSON.stringify({
      version: 1, storagePolicy: 'wandb-storage-policy-v1', storagePolicyConfig: { storageLayout: 'V2' },
      contents: { 'data.txt': { digest: md5, size: bytes.length } } }));
    await ok('mutation($i: CommitArtifactInput!) { commitArtifact(input: $i) { artifact { id } } }', { artifactID: id });
    return createHash('md5').update(bytes).digest('hex');
  }
  const fetchAs = async (who: Who, md5Hex: string) => (await real.inject({
    method: 'GET', url: `/artifacts/ml/${md5Hex}`, headers: { authorization: `Basic ${Buffer.from(`api:${KEYS[who]}`).toString('base64')}` },
  })).statusCode;

  it('serves a file only to callers who may read a project holding it', async () => {
    const secret = await logFile('owner', 'restr', randomBytes(64));
    const open = await logFile('member', 'pub', randomBytes(64));
    const status = async (md5Hex: string) => Object.fromEntries(
      await Promise.all((['owner', 'member', 'carol', 'outsider'] as const).map(async (w) => [w, await fetchAs(w, md5Hex)])));
    // The team member is not named on the restricted project: its files are not the team's to hand out.
    expect(await status(secret)).toEqual({ owner: 200, member: 404, carol: 200, outsider: 404 });
    expect(await status(open)).toEqual({ owner: 200, member: 200, carol: 200, outsider: 200 });
  });
});

describe('writing by visibility', () => {
  it('read-only callers get 403 and nothing is written; hidden projects refuse like missing entities', async () => {
    const denied: [Who, string][] = [['orgViewer', 'orgp'], ['outsider', 'pub'], ['carol', 'restr'], ['viewer', 'pub']];
    for (const [who, project] of denied) {
      const before = await runNames('ml', project);
      const res = await gqlAs(who, UPSERT, { i: { entityName: 'ml', modelName: project, name: `by-${who}` } });
      expect(res.status, `${who} ${project}`).toBe(403);
      expect(res.body.errors?.[0]?.message).toContain('permission denied');
      expect(await runNames('ml', project)).toEqual(before);
    }
    // The outsider may not create projects in ml; a hidden existing one answers like a missing entity.
    const hidden = await gqlAs('outsider', UPSERT, { i: { entityName: 'ml', modelName: 'priv', name: 'x' } });
    const ghost = await gqlAs('outsider', UPSERT, { i: { entityName: 'ghost-team', modelName: 'priv', name: 'x' } });
    expect(hidden.status).toBe(404);
    expect(masked(hidden.body, ['ml', 'ghost-team'])).toBe(masked(ghost.body, ['ml', 'ghost-team']));
    // A team member not named on the restricted project cannot write there (not found, as it cannot read it).
    const member = await gqlAs('member', UPSERT, { i: { entityName: 'ml', modelName: 'restr', name: 'x' } });
    expect(member.status).toBe(404);
    expect(await runNames('ml', 'restr')).toEqual(['run1']);
    // Named as a member, carol writes.
    await real.runtime.services.projectVisibility.addMember(cli, 'ml/restr', 'carol', 'member');
    expect((await gqlAs('carol', UPSERT, { i: { entityName: 'ml', modelName: 'restr', name: 'by-carol' } })).status).toBe(200);
    await real.runtime.services.projectVisibility.addMember(cli, 'ml/restr', 'carol', 'viewer');
    expect(await runNames('ml', 'restr')).toEqual(['by-carol', 'run1']);
  });

  it('upsertModel sets access: the creator on a new project, only a project admin on an existing one; bad values change nothing', async () => {
    const made = await gqlAs('member', UPSERT_MODEL, { i: { entityName: 'ml', name: 'shared', access: 'USER_READ' } });
    expect(made.body.data.upsertModel).toEqual({ project: { name: 'shared', access: 'USER_READ' }, inserted: true });
    expect(await listed('outsider', 'ml')).toEqual(['pub', 'shared']);

    const notAdmin = await gqlAs('member', UPSERT_MODEL, { i: { entityName: 'ml', name: 'shared', access: 'PRIVATE' } });
    expect(notAdmin.status).toBe(403);
    const byAdmin = await gqlAs('owner', UPSERT_MODEL, { i: { entityName: 'ml', name: 'shared', access: 'ORGANIZATION' } });
    expect(byAdmin.body.data.upsertModel.project.access).toBe('ORGANIZATION');
    expect(await listed('outsider', 'ml')).toEqual(['pub']);
    expect(await listed('orgViewer', 'ml')).toEqual(['orgp', 'pub', 'shared']);

    const bad = await gqlAs('member', UPSERT_MODEL, { i: { entityName: 'ml', name: 'never-made', access: 'USER_WRITE' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.message).toContain('unknown project access');
    expect(await listed('owner', 'ml')).not.toContain('never-made');
  });

  it('visibility and member changes are audited', async () => {
    const { projectVisibility, audit } = real.runtime.services;
    await projectVisibility.setVisibility(cli, 'ml/priv', 'organization');
    await projectVisibility.setVisibility(cli, 'ml/priv', 'private');
    await projectVisibility.addMember(cli, 'ml/priv', 'outsider', 'viewer');
    await projectVisibility.removeMember(cli, 'ml/priv', 'outsider');
    await expect(projectVisibility.removeMember(cli, 'ml/priv', 'outsider')).rejects.toThrow('not a member');
    const records = (await audit.list(20)).filter((r) => r.action.startsWith('project.'));
    expect(records.slice(0, 4).map((r) => [r.actor, r.action, r.target, r.detail])).toEqual([
      ['cli', 'project.member.remove', 'outsider', { project: 'ml/priv', from: 'viewer' }],
      ['cli', 'project.member.add', 'outsider', { project: 'ml/priv', from: null, to: 'viewer' }],
      ['cli', 'project.visibility', 'ml/priv', { from: 'organization', to: 'private' }],
      ['cli', 'project.visibility', 'ml/priv', { from: 'private', to: 'organization' }],
    ]);
    // Named roles count only while the project is restricted: the outsider never saw the private project.
    expect(await listed('outsider', 'ml')).toEqual(['pub']);
  });
});
