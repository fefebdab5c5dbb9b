import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRealApp, type RealApp } from './real-app.test-support.js';

/**
 * What the SDK's user calls need (real app, SQLite): `users` search (`api.user`), a user's default entity
 * (`updateUser(defaultEntity)`, honoured by `viewer { entity }` and upsertBucket without an entity), and
 * `api.create_team` for a caller administering several organizations.
 */
const key = (c: string) => `local-${c.repeat(40)}`;
const KEYS = { root: key('a'), owner: key('b'), member: key('c'), viewer: key('d'), outsider: key('e') };
let real: RealApp;

async function gqlAs(apiKey: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await real.inject({
    method: 'POST', url: '/graphql', payload: JSON.stringify({ query, variables }),
    headers: { authorization: `Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}`, 'content-type': 'application/json' },
  });
  return { status: res.statusCode, body: res.json() as { data?: any; errors?: { message: string }[] } };
}
const USERS = 'query($q: String) { users(query: $q) { edges { node { username email entity } } } }';
const SET_DEFAULT = 'mutation($e: String!) { updateUser(input: {defaultEntity: $e}) { user { id } } }';
const VIEWER_ENTITY = '{ viewer { entity } }';

beforeAll(async () => {
  real = await openRealApp();
  const { auth, orgs } = real.runtime.services;
  for (const [name, k] of Object.entries(KEYS)) {
    const user = await auth.createUser({ username: `u-${name}`, email: `${name}@example.com`, admin: name === 'root' });
    await auth.createApiKey(user.id, { key: k });
  }
  const cli = { system: 'cli' } as const;
  await orgs.createOrganization(cli, { name: 'acme', admin: 'u-owner' });
  await orgs.createTeam(cli, { name: 'ml', org: 'acme' });
  await orgs.setMember(cli, 'ml', 'u-member', 'member');
  await orgs.setMember(cli, 'ml', 'u-viewer', 'viewer');
  await orgs.createOrganization(cli, { name: 'far', admin: 'u-outsider' });
  await orgs.createTeam(cli, { name: 'far-team', org: 'far' });
}, 60_000);

afterAll(async () => {
  await real.close();
});

describe('users search', () => {
  it('site admins find any user by part of the name or email, exact match first', async () => {
    const r = await gqlAs(KEYS.root, USERS, { q: 'u-member' });
    expect(r.body.data.users.edges.map((e: any) => e.node.username)).toEqual(['u-member']);
    const byEmail = await gqlAs(KEYS.root, USERS, { q: 'OWNER@example' });
    expect(byEmail.body.data.users.edges.map((e: any) => e.node.username)).toEqual(['u-owner']);
    const partial = await gqlAs(KEYS.root, USERS, { q: 'u-' });
    expect(partial.body.data.users.edges.length).toBe(5);
    // LIKE wildcards in the query are literal.
    expect((await gqlAs(KEYS.root, USERS, { q: '%' })).body.data.users.edges).toEqual([]);
  });

  it('anyone else finds only themselves, never another user', async () => {
    expect((await gqlAs(KEYS.member, USERS, { q: 'u-owner' })).body.data.users.edges).toEqual([]);
    const self = await gqlAs(KEYS.member, USERS, { q: 'u-' });
    expect(self.body.data.users.edges.map((e: any) => e.node.username)).toEqual(['u-member']);
  });
});

describe('default entity', () => {
  it('a member makes the team their default: viewer.entity and upsertBucket without an entity follow it', async () => {
    expect((await gqlAs(KEYS.member, VIEWER_ENTITY)).body.data.viewer.entity).toBe('u-member');
    const set = await gqlAs(KEYS.member, SET_DEFAULT, { e: 'ml' });
    expect(set.status).toBe(200);
    expect((await gqlAs(KEYS.member, VIEWER_ENTITY)).body.data.viewer.entity).toBe('ml');
    const up = await gqlAs(KEYS.member, 'mutation { upsertBucket(input: {modelName: "p", name: "r1"}) { bucket { project { entity { name } } } } }');
    expect(up.body.data.upsertBucket.bucket.project.entity.name).toBe('ml');
    // Back to their own entity.
    await gqlAs(KEYS.member, SET_DEFAULT, { e: 'u-member' });
    expect((await gqlAs(KEYS.member, VIEWER_ENTITY)).body.data.viewer.entity).toBe('u-member');
  });

  it('a read-only member gets 403, an outsider 404 like a missing entity; nothing changes', async () => {
    const ro = await gqlAs(KEYS.viewer, SET_DEFAULT, { e: 'ml' });
    expect(ro.status).toBe(403);
    const hidden = await gqlAs(KEYS.outsider, SET_DEFAULT, { e: 'ml' });
    const missing = await gqlAs(KEYS.outsider, SET_DEFAULT, { e: 'no-such-entity' });
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect((await gqlAs(KEYS.viewer, VIEWER_ENTITY)).body.data.viewer.entity).toBe('u-viewer');
    expect((await gqlAs(KEYS.outsider, VIEWER_ENTITY)).body.data.viewer.entity).toBe('u-outsider');
  });

  it('a default the user may no longer write to falls back to their own entity', async () => {
    const cli = { system: 'cli' } as const;
    await real.runtime.services.orgs.setMember(cli, 'far-team', 'u-member', 'member');
    expect((await gqlAs(KEYS.member, SET_DEFAULT, { e: 'far-team' })).status).toBe(200);
    await real.runtime.services.orgs.setMember(cli, 'far-team', 'u-member', 'viewer');
    expect((await gqlAs(KEYS.member, VIEWER_ENTITY)).body.data.viewer.entity).toBe('u-member');
  });

  it('updateUser changes only the caller', async () => {
    const byId = await gqlAs(KEYS.member, 'mutation($id: ID) { updateUser(input: {id: $id, defaultEntity: "ml"}) { user { id } } }',
      { id: Buffer.from('User:999').toString('base64') });
    expect(byId.status).toBe(403);
  });
});

describe('create_team with several administered organizations', () => {
  it('the team goes to the newest organization the caller administers', async () => {
    const cli = { system: 'cli' } as const;
    await real.runtime.services.orgs.createOrganization(cli, { name: 'acme-two', admin: 'u-owner' });
    const r = await gqlAs(KEYS.owner, 'mutation { createTeam(input: {teamName: "vision"}) { entity { name } } }');
    expect(r.body.data.createTeam.entity.name).toBe('vision');
    const team = await real.runtime.services.meta.findEntityByName('vision');
    const org = await real.runtime.services.meta.findOrganizationByName('acme-two');
    expect(team?.orgId).toBe(org?.id);
  });
});

describe("a personal entity's organization", () => {
  const Q = 'query($e: String!) { entity(name: $e) { organization { name } user { organizations { name } } } }';
  it('is its one organization, or none when its user belongs to several (the SDK then asks for one)', async () => {
    const one = await gqlAs(KEYS.viewer, Q, { e: 'u-viewer' });
    expect(one.body.data.entity.organization).toEqual({ name: 'acme' });
    const cli = { system: 'cli' } as const;
    await real.runtime.services.orgs.createOrganization(cli, { name: 'second-co', admin: 'u-viewer' });
    const two = await gqlAs(KEYS.viewer, Q, { e: 'u-viewer' });
    expect(two.body.data.entity.organization).toBeNull();
    expect(two.body.data.entity.user.organizations.map((o: any) => o.name).sort()).toEqual(['acme', 'second-co']);
    // A team keeps its organization.
    expect((await gqlAs(KEYS.viewer, Q, { e: 'ml' })).body.data.entity.organization).toEqual({ name: 'acme' });
  });
});
