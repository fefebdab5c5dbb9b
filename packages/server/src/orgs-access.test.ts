import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRealApp, type RealApp } from './real-app.test-support.js';

/**
 * Organizations, teams and roles through the real app (SQLite): who reads, who writes, who manages members,
 * and that what a caller may not see answers exactly like what does not exist.
 */
const key = (c: string) => `local-${c.repeat(40)}`;
const KEYS = { owner: key('1'), member: key('2'), viewer: key('3'), outsider: key('4'), orgViewer: key('5'), bot: key('6') };

let real: RealApp;

async function gqlAs(apiKey: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await real.inject({
    method: 'POST', url: '/graphql', payload: JSON.stringify({ query, variables }),
    headers: { authorization: `Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}`, 'content-type': 'application/json' },
  });
  return { status: res.statusCode, body: res.json() as { data?: any; errors?: { message: string }[] } };
}

const UPSERT = 'mutation($input: UpsertBucketInput!) { upsertBucket(input: $input) { bucket { id name } inserted } }';
const RUN = `query($e: String, $p: String, $r: String!) {
  project(entityName: $e, name: $p) { name readOnly run(name: $r) { name readOnly config } } }`;

beforeAll(async () => {
  real = await openRealApp();
  const { auth, orgs } = real.runtime.services;
  for (const [name, k] of Object.entries(KEYS)) {
    if (name === 'bot') continue;
    const user = await auth.createUser({ username: name, email: `${name}@example.com` });
    await auth.createApiKey(user.id, { key: k });
  }
  const cli = { system: 'cli' } as const;
  await orgs.createOrganization(cli, { name: 'acme', entityName: 'acme-org', admin: 'owner' });
  await orgs.createOrganization(cli, { name: 'other-co', admin: 'outsider' });
  await orgs.createTeam(cli, { name: 'ml', org: 'acme' });
  await orgs.setMember(cli, 'ml', 'member', 'member');
  await orgs.setMember(cli, 'ml', 'viewer', 'viewer');
  await orgs.setMember(cli, 'acme', 'orgViewer', 'viewer');
  const bot = await orgs.createServiceAccount(cli, 'ml', { username: 'ml-bot', description: 'CI' });
  await auth.createApiKey(bot.id, { key: KEYS.bot });
  // The member logs a run in the team project.
  const created = await gqlAs(KEYS.member, UPSERT, { input: { entityName: 'ml', modelName: 'proj', name: 'run1', config: '{"lr": {"value": 0.1}}' } });
  expect(created.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await real.close();
});

describe('team projects: read and write by role', () => {
  it('members and the service account write; team viewers read but get 403 on every write, and nothing changes', async () => {
    const bot = await gqlAs(KEYS.bot, UPSERT, { input: { entityName: 'ml', modelName: 'proj', name: 'bot-run' } });
    expect(bot.status).toBe(200);
    expect(bot.body.data.upsertBucket.inserted).toBe(true);

    const read = await gqlAs(KEYS.viewer, RUN, { e: 'ml', p: 'proj', r: 'run1' });
    expect(read.status).toBe(200);
    expect(read.body.data.project).toMatchObject({ name: 'proj', readOnly: true, run: { name: 'run1', readOnly: true } });
    const asMember = await gqlAs(KEYS.member, RUN, { e: 'ml', p: 'proj', r: 'run1' });
    expect(asMember.body.data.project).toMatchObject({ readOnly: false, run: { readOnly: false } });

    const runId = read.body.data.project.run && (await gqlAs(KEYS.member, UPSERT, { input: { entityName: 'ml', modelName: 'proj', name: 'run1' } })).body.data.upsertBucket.bucket.id;
    const writes: [string, Record<string, unknown>][] = [
      [UPSERT, { input: { entityName: 'ml', modelName: 'proj', name: 'viewer-run' } }],
      [UPSERT, { input: { entityName: 'ml', modelName: 'proj', name: 'run1', config: '{"lr": {"value": 9}}' } }],
      [UPSERT, { input: { id: runId, config: '{"lr": {"value": 9}}' } }],
      ['mutation($i: CreateRunFilesInput!) { createRunFiles(input: $i) { runID } }', { i: { entityName: 'ml', projectName: 'proj', runName: 'run1', files: ['a.txt'] } }],
      ['mutation($i: StopRunInput!) { stopRun(input: $i) { success } }', { i: { id: runId } }],
      ['mutation($i: DeleteRunInput!) { deleteRun(input: $i) { clientMutationId } }', { i: { id: runId } }],
      ['mutation($i: UpsertModelInput!) { upsertModel(input: $i) { project { name } } }', { i: { entityName: 'ml', name: 'new-proj' } }],
      [`mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { artifact { id } } }`, { i: {
        entityName: 'ml', projectName: 'proj', artifactTypeName: 'dataset', artifactCollectionName: 'ds', digest: 'a'.repeat(32), digestAlgorithm: 'MANIFEST_MD5',
      } }],
    ];
    for (const [query, variables] of writes) {
      const res = await gqlAs(KEYS.viewer, query, variables);
      expect(res.status, query).toBe(403);
      expect(res.body.errors?.[0]?.message).toMatch(/viewer role in ml/);
    }
    const fileStream = await real.inject({
      method: 'POST', url: '/files/ml/proj/run1/file_stream',
      headers: { authorization: `Basic ${Buffer.from(`api:${KEYS.viewer}`).toString('base64')}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ files: { 'wandb-history.jsonl': { offset: 0, content: ['{"_step": 0, "x": 1}'] } } }),
    });
    expect(fileStream.statusCode).toBe(403);

    const after = await gqlAs(KEYS.member, RUN, { e: 'ml', p: 'proj', r: 'run1' });
    expect(JSON.parse(after.body.data.project.run.config)).toEqual({ lr: { value: 0.1 } });
    expect((await gqlAs(KEYS.member, RUN, { e: 'ml', p: 'proj', r: 'viewer-run' })).body.data.project.run).toBeNull();
    expect((await gqlAs(KEYS.member, RUN, { e: 'ml', p: 'new-proj', r: 'x' })).body.data.project).toBeNull();
    const { meta, streams } = real.runtime.services;
    const project = await meta.findProject((await meta.findEntityByName('ml'))!.id, 'proj');
    const run1 = await meta.findRun(project!.id, 'run1');
    expect(run1?.stopRequested).toBe(false);
    expect(await streams.historyLineCount(run1!)).toBe(0);
    expect(await meta.listRunFiles(run1!.id)).toEqual([]);
  });

  it('outside the team, a project and its runs answer exactly like ones that do not exist', async () => {
    const hidden = await gqlAs(KEYS.outsider, RUN, { e: 'ml', p: 'proj', r: 'run1' });
    const missing = await gqlAs(KEYS.outsider, RUN, { e: 'no-such-team', p: 'proj', r: 'run1' });
    expect(hidden).toEqual(missing);
    expect(hidden.body.data.project).toBeNull();
    // An org viewer is not a team member: team projects stay private to the team.
    expect((await gqlAs(KEYS.orgViewer, RUN, { e: 'ml', p: 'proj', r: 'run1' })).body.data.project).toBeNull();

    const write = await gqlAs(KEYS.outsider, UPSERT, { input: { entityName: 'ml', modelName: 'proj', name: 'x' } });
    const writeMissing = await gqlAs(KEYS.outsider, UPSERT, { input: { entityName: 'no-such-team', modelName: 'proj', name: 'x' } });
    expect(write.status).toBe(404);
    expect(write.body.errors?.[0]?.message).toBe('entity ml not found');
    expect(writeMissing.body.errors?.[0]?.message).toBe('entity no-such-team not found');
    const entity = await gqlAs(KEYS.outsider, '{ entity(name: "ml") { name } }');
    expect(entity.body.data.entity).toBeNull();
    const org = await gqlAs(KEYS.outsider, '{ organization(name: "acme") { name } }');
    expect(org.body.data.organization).toBeNull();
  });

  it('admins of the organization administer and write in all of its teams', async () => {
    const res = await gqlAs(KEYS.owner, UPSERT, { input: { entityName: 'ml', modelName: 'proj', name: 'owner-run' } });
    expect(res.status).toBe(200);
  });
});

describe('the org lookups the SDK sends', () => {
  const ORG_INFO = `query($entity: String!) { entity(name: $entity) {
    organization { name orgEntity { name } } user { organizations { name orgEntity { name } } } } }`;
  const FETCH_ORG = `query($org: String!) { organization(name: $org) { id name orgEntity { __typename id name entityType } } }`;

  it('answers FetchOrgInfoFromEntity for a team and for a personal entity', async () => {
    const team = await gqlAs(KEYS.member, ORG_INFO, { entity: 'ml' });
    expect(team.body.data.entity).toEqual({ organization: { name: 'acme', orgEntity: { name: 'acme-org' } }, user: null });
    const personal = await gqlAs(KEYS.member, ORG_INFO, { entity: 'member' });
    expect(personal.body.data.entity).toEqual({
      organization: { name: 'acme', orgEntity: { name: 'acme-org' } },
      user: { organizations: [{ name: 'acme', orgEntity: { name: 'acme-org' } }] },
    });
  });

  it('answers FetchOrganization by name to members only', async () => {
    const res = await gqlAs(KEYS.viewer, FETCH_ORG, { org: 'acme' });
    expect(res.body.data.organization).toMatchObject({ name: 'acme', orgEntity: { __typename: 'Entity', name: 'acme-org', entityType: 'organization' } });
    expect((await gqlAs(KEYS.viewer, FETCH_ORG, { org: 'other-co' })).body.data.organization).toBeNull();
    expect((await gqlAs(KEYS.viewer, FETCH_ORG, { org: 'nope' })).body.data.organization).toBeNull();
  });

  it('answers GetTeamEntity with members, roles and account types; emails only to admins', async () => {
    const q = `query($name: String!) { entity(name: $name) { name isTeam entityType readOnly defaultAccess storageBytes
      members { id admin pending email username name accountType apiKey role } } }`;
    const asViewer = await gqlAs(KEYS.viewer, q, { name: 'ml' });
    expect(asViewer.body.data.entity).toMatchObject({ name: 'ml', isTeam: true, entityType: 'team', readOnly: true, defaultAccess: 'PRIVATE' });
    const members = asViewer.body.data.entity.members as { username: string; role: string; accountType: string; email: string | null }[];
    expect(members.map((m) => [m.username, m.role, m.accountType]).sort()).toEqual([
      ['member', 'member', 'USER'], ['ml-bot', 'member', 'SERVICE'], ['viewer', 'viewer', 'USER'],
    ]);
    expect(members.find((m) => m.username === 'member')?.email).toBeNull();
    expect(members.find((m) => m.username === 'viewer')?.email).toBe('viewer@example.com');
    const asOwner = await gqlAs(KEYS.owner, q, { name: 'ml' });
    expect((asOwner.body.data.entity.members as { email: string }[]).every((m) => m.email !== undefined)).toBe(true);
    expect(asOwner.body.data.entity.members[0].email).toBe('member@example.com');
  });
});

describe('managing teams and members through GraphQL', () => {
  const CREATE_TEAM = 'mutation($n: String!, $a: String) { createTeam(input: {teamName: $n, teamAdminUserName: $a}) { entity { name } } }';
  const INVITE = 'mutation($e: String!, $u: String, $email: String, $admin: Boolean) { createInvite(input: {entityName: $e, username: $u, email: $email, admin: $admin}) { invite { name toUser { name } } } }';
  const DELETE = 'mutation($id: String, $e: String) { deleteInvite(input: {id: $id, entityName: $e}) { success } }';
  const MEMBERS = 'query($n: String!) { entity(name: $n) { members { id username role } } }';

  it('an org admin creates a team in their one organization; others may not', async () => {
    const made = await gqlAs(KEYS.owner, CREATE_TEAM, { n: 'vision' });
    expect(made.status).toBe(200);
    expect(made.body.data.createTeam.entity.name).toBe('vision');
    const members = await gqlAs(KEYS.owner, MEMBERS, { n: 'vision' });
    expect(members.body.data.entity.members).toMatchObject([{ username: 'owner', role: 'admin' }]);
    expect((await gqlAs(KEYS.owner, CREATE_TEAM, { n: 'vision' })).status).toBe(409);
    const denied = await gqlAs(KEYS.member, CREATE_TEAM, { n: 'rogue' });
    expect(denied.status).toBe(403);
    expect(await real.runtime.services.meta.findEntityByName('rogue')).toBeNull();
  });

  it('team admins invite and remove members; members and viewers may not; removal takes effect at once', async () => {
    expect((await gqlAs(KEYS.member, INVITE, { e: 'ml', u: 'orgViewer' })).status).toBe(403);
    expect((await gqlAs(KEYS.outsider, INVITE, { e: 'ml', u: 'orgViewer' })).status).toBe(404);
    const invited = await gqlAs(KEYS.owner, INVITE, { e: 'ml', email: 'orgviewer@example.com' });
    expect(invited.status).toBe(200);
    expect(invited.body.data.createInvite.invite).toEqual({ name: 'orgViewer', toUser: { name: 'orgViewer' } });
    expect((await gqlAs(KEYS.owner, INVITE, { e: 'ml', u: 'orgViewer' })).status).toBe(409);
    expect((await gqlAs(KEYS.orgViewer, RUN, { e: 'ml', p: 'proj', r: 'run1' })).body.data.project.run.name).toBe('run1');

    const list = await gqlAs(KEYS.owner, MEMBERS, { n: 'ml' });
    const id = (list.body.data.entity.members as { id: string; username: string }[]).find((m) => m.username === 'orgViewer')!.id;
    expect((await gqlAs(KEYS.viewer, DELETE, { id, e: 'ml' })).status).toBe(403);
    expect((await gqlAs(KEYS.owner, DELETE, { id, e: 'ml' })).body.data.deleteInvite.success).toBe(true);
    expect((await gqlAs(KEYS.orgViewer, RUN, { e: 'ml', p: 'proj', r: 'run1' })).body.data.project).toBeNull();

    const actions = (await real.runtime.services.audit.list(50)).filter((e) => e.target === 'orgViewer').map((e) => [e.actor, e.action]);
    expect(actions).toContainEqual(['owner', 'member.add']);
    expect(actions).toContainEqual(['owner', 'member.remove']);
  });

  it('an organization keeps its last admin', async () => {
    const { orgs, meta } = real.runtime.services;
    const owner = await meta.findUserByUsername('owner');
    await expect(orgs.removeMember({ user: owner! }, 'acme', 'owner')).rejects.toThrow(/last admin/);
    await expect(orgs.setMember({ system: 'cli' }, 'acme', 'owner', 'member')).rejects.toThrow(/last admin/);
    expect(await meta.roleOf((await meta.findOrganizationByName('acme'))!.entityId, owner!.id)).toBe('admin');
  });

  it('only site admins create users by email', async () => {
    const q = 'mutation($e: String!) { createUser(input: {email: $e}) { user { username email } } }';
    expect((await gqlAs(KEYS.owner, q, { e: 'new@example.com' })).status).toBe(403);
    const made = await real.gql(q, { e: 'new.person@example.com' });
    expect(made.body.data.createUser.user).toEqual({ username: 'new.person', email: 'new.person@example.com' });
  });
});
