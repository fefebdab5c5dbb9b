import { describe, expect, it } from 'vitest';
import type { Services } from '../core/services.js';
import { openRealApp } from '../real-app.test-support.js';
import { buildFixturesApp } from './fixtures-app.js';

/** Services that remember the users and keys the fixture service creates. */
function recordingServices() {
  const users: { id: number; username: string; admin: boolean }[] = [];
  const keys: { userId: number; key: string | undefined }[] = [];
  const services = {
    meta: { findUserByUsername: async (username: string) => users.find((u) => u.username === username) ?? null },
    auth: {
      createUser: async (input: { username: string; admin?: boolean }) => {
        const user = { id: users.length + 1, username: input.username, admin: input.admin ?? false };
        users.push(user);
        return user;
      },
      createApiKey: async (userId: number, opts: { key?: string }) => {
        keys.push({ userId, key: opts.key });
        return opts.key ?? 'generated';
      },
    },
  } as unknown as Services;
  return { services, users, keys };
}

describe('fixture service POST /db/user', () => {
  it('accepts the nulls the upstream factory sends and makes the username the API key', async () => {
    const { services, users, keys } = recordingServices();
    const app = buildFixturesApp(services);
    // Exactly what BackendFixtureFactory.make_user() posts (dataclasses.asdict of UserCmd).
    const res = await app.inject({
      method: 'POST',
      url: '/db/user',
      payload: { command: 'up', username: 'user_gw0-abc', password: null, admin: false },
    });
    expect(res.statusCode).toBe(200);
    expect(users).toEqual([{ id: 1, username: 'user_gw0-abc', admin: false }]);
    expect(keys).toEqual([{ userId: 1, key: 'user_gw0-abc' }]);
  });

  it('answers 400 with the reason for an unknown command, and creates nothing', async () => {
    const { services, users } = recordingServices();
    const app = buildFixturesApp(services);
    const res = await app.inject({ method: 'POST', url: '/db/user', payload: { command: 'explode', username: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(/bad \/db\/user command/);
    expect(users).toEqual([]);
  });
});

describe('fixture service POST /db/organization and /db/team (real storage)', () => {
  // The bodies BackendFixtureFactory.make_org / add_org_user / make_team post (asdict of OrgCmd / TeamCmd).
  it('creates an org with its admin, adds members with roles, a team inside it, and cleans up', async () => {
    const real = await openRealApp();
    try {
      const app = buildFixturesApp(real.runtime.services);
      const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });
      // The factory's usernames are long enough to double as API keys.
      const alice = `user_gw0-${'a'.repeat(40)}`;
      const bob = `user_gw0-${'b'.repeat(40)}`;
      for (const u of [alice, bob]) {
        expect((await post('/db/user', { command: 'up', username: u, password: null, admin: false })).statusCode).toBe(200);
      }
      const { meta } = real.runtime.services;
      expect((await post('/db/organization', { command: 'up', orgName: 'org-gw0-x', username: alice, fixtureData: null })).statusCode).toBe(200);
      expect((await post('/db/organization', {
        command: 'add_members', orgName: 'org-gw0-x', username: null,
        fixtureData: { members: [{ username: bob, role: 'viewer' }] },
      })).statusCode).toBe(200);
      expect((await post('/db/team', {
        command: 'up', username: alice,
        fixtureData: { planName: 'plan-gw0-y', team: { name: 'team-gw0-z' }, organization: { name: 'org-gw0-x' } },
      })).statusCode).toBe(200);

      const org = await meta.findOrganizationByName('org-gw0-x');
      const team = await meta.findEntityByName('team-gw0-z');
      expect(team).toMatchObject({ type: 'team', orgId: org!.id });
      const aliceUser = await meta.findUserByUsername(alice);
      const bobUser = await meta.findUserByUsername(bob);
      expect(await meta.roleOf(org!.entityId, aliceUser!.id)).toBe('admin');
      expect(await meta.roleOf(org!.entityId, bobUser!.id)).toBe('viewer');
      expect(await meta.roleOf(team!.id, aliceUser!.id)).toBe('admin');

      const bad = await post('/db/organization', { command: 'add_members', orgName: 'org-gw0-x', fixtureData: { members: [{ username: bob, role: 'owner' }] } });
      expect(bad.statusCode).toBe(400);
      expect(await meta.roleOf(org!.entityId, bobUser!.id)).toBe('viewer');

      expect((await post('/db/organization', { command: 'down', orgName: 'org-gw0-x', username: null, fixtureData: null })).statusCode).toBe(200);
      expect(await meta.findOrganizationByName('org-gw0-x')).toBeNull();
      expect(await meta.findEntityByName('team-gw0-z')).toBeNull();
    } finally {
      await real.close();
    }
  });
});
