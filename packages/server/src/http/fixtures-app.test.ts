import { describe, expect, it } from 'vitest';
import type { Services } from '../core/services.js';
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
