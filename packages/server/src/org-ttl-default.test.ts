import type { ProjectId } from '@cairn/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRealApp, type RealApp } from './real-app.test-support.js';

const DAY = 86_400;

/** The organization default TTL through the admin routes: read, dry run, apply; site admins only. */
describe('organization default TTL (/api/v1/admin/orgs/:org/ttl-default)', () => {
  let r: RealApp;
  let outsider: Record<string, string>;
  let artifactId: number;

  beforeAll(async () => {
    r = await openRealApp();
    const { meta, artifacts, auth } = r.runtime.services;
    const org = await meta.createOrganization({ name: 'acme', entityName: 'acme' });
    const team = await meta.createTeam('vision', org.id);
    const projectId = (await meta.ensureProject(team.id, 'p')).id as ProjectId;
    const store = artifacts.artifactStore;
    const type = await store.ensureType(projectId, 'dataset');
    const seq = await store.ensureSequence(projectId, type.id, 'data', null);
    const a = await store.insertArtifact({
      projectId, sequenceId: seq.id, typeId: type.id, digest: 'e'.repeat(32), description: null, metadata: null, historyStep: null,
      createdByRunId: null, clientId: null, distributedId: null, requestedAliases: [], tags: [], ttlSeconds: null, ttlInherited: true,
    });
    await store.commit(a.id, [], 'c');
    artifactId = a.id;
    const user = await meta.createUser({ username: 'nobody', email: null, admin: false });
    outsider = { authorization: `Basic ${Buffer.from(`api:${await auth.createApiKey(user.id, { name: null })}`).toString('base64')}`, 'content-type': 'application/json' };
  });
  afterAll(async () => { await r?.close(); });

  const get = (url: string, headers = r.headers()) => r.inject({ method: 'GET', url, headers });
  const put = (body: unknown, headers = r.headers(), org = 'acme') =>
    r.inject({ method: 'PUT', url: `/api/v1/admin/orgs/${org}/ttl-default`, headers, payload: JSON.stringify(body) });

  it('previews without changing anything, then applies to the versions that inherit', async () => {
    expect((await get('/api/v1/admin/orgs/acme/ttl-default')).json()).toEqual({ organization: 'acme', seconds: null });
    const preview = (await get(`/api/v1/admin/orgs/acme/ttl-default-preview?value=${DAY}`)).json();
    expect(preview).toMatchObject({ inheriting: 1, changed: 1, wouldExpire: 1, pastDue: 0 });
    expect((await get('/api/v1/admin/orgs/acme/ttl-default')).json()).toEqual({ organization: 'acme', seconds: null });

    expect((await put({ seconds: DAY })).json()).toEqual({ organization: 'acme', seconds: DAY });
    expect((await get('/api/v1/admin/orgs/acme/ttl-default')).json()).toEqual({ organization: 'acme', seconds: DAY });
    const artifact = (await r.runtime.services.artifacts.artifactStore.findArtifact(artifactId))!;
    expect(await r.runtime.services.artifactTtl.of(artifact)).toEqual({ seconds: DAY, inherited: true });
    // With the default in force, unsetting it is the change the preview reports.
    expect((await get('/api/v1/admin/orgs/acme/ttl-default-preview')).json()).toMatchObject({ inheriting: 1, changed: 1, wouldExpire: 0 });

    expect((await put({ seconds: null })).statusCode).toBe(200);
    expect(await r.runtime.services.artifactTtl.of(artifact)).toEqual({ seconds: null, inherited: true });
  });

  it('refuses bad values with a 400 and an unknown organization with a 404', async () => {
    for (const body of [{ seconds: -1 }, { seconds: 1.5 }, { seconds: '30d' }, {}]) {
      const res = await put(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error ?? res.json().message).toMatch(/default TTL/);
    }
    expect((await get('/api/v1/admin/orgs/acme/ttl-default-preview?value=-3')).statusCode).toBe(400);
    expect((await get('/api/v1/admin/orgs/nope/ttl-default')).statusCode).toBe(404);
    expect((await put({ seconds: DAY }, r.headers(), 'nope')).statusCode).toBe(404);
  });

  it('answers anyone but a site admin like a page that does not exist, and changes nothing', async () => {
    const read = await get('/api/v1/admin/orgs/acme/ttl-default', outsider);
    const preview = await get(`/api/v1/admin/orgs/acme/ttl-default-preview?value=${DAY}`, outsider);
    const write = await put({ seconds: DAY }, outsider);
    const missing = await get('/api/v1/admin/orgs/nope/ttl-default', outsider);
    for (const res of [read, preview, write]) {
      expect(res.statusCode).toBe(404);
      expect(res.body).toBe(missing.body);
    }
    expect((await get('/api/v1/admin/orgs/acme/ttl-default')).json().seconds).toBeNull();
  });
});
