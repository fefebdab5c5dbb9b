import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeGqlId, type ProjectId } from '@cairn/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeActor } from './core/ports.js';
import { signWebhookBody } from './core/webhooks.js';
import { openRealApp, type RealApp } from './real-app.test-support.js';
import { KyselyRegistryStore } from './store/registry-store.js';

/**
 * Protected aliases, promotion history and webhooks through the real app (SQLite) and its GraphQL API, with
 * registry collections linked through the registry store.
 */
const key = (c: string) => `local-${c.repeat(40)}`;
const KEYS = { boss: key('a'), member: key('b'), regadmin: key('c'), outsider: key('d') };
const cli = { system: 'cli' } as const;

let real: RealApp;
let registryId: ProjectId;
const versions: number[] = [];
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
let receiver: http.Server;
let receiverUrl: string;

async function gqlAs(apiKey: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await real.inject({
    method: 'POST', url: '/graphql', payload: JSON.stringify({ query, variables }),
    headers: { authorization: `Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}`, 'content-type': 'application/json' },
  });
  return { status: res.statusCode, body: res.json() as { data?: any; errors?: { message: string }[] } };
}

const ADD = 'mutation($input: AddAliasesInput!) { addAliases(input: $input) { success } }';
const DEL = 'mutation($input: DeleteAliasesInput!) { deleteAliases(input: $input) { success } }';
const aliasInput = (artifactId: number, alias: string) => ({
  input: {
    artifactID: encodeGqlId('Artifact', artifactId),
    aliases: [{ alias, artifactCollectionName: 'churn', entityName: 'acme-org', projectName: 'wandb-registry-model' }],
  },
});
const HISTORY = `query($alias: String) { promotionHistory(entityName: "acme", projectName: "model", collectionName: "churn", alias: $alias) {
  edges { node { id at action alias fromVersion toVersion actor toArtifact { id } } } } }`;
const AT = `query($at: String) { aliasAt(entityName: "acme-org", projectName: "wandb-registry-model", collectionName: "churn", alias: "production", at: $at) {
  version since event { actor } } }`;

async function history(alias: string | null = 'production') {
  const r = await gqlAs(KEYS.boss, HISTORY, { alias });
  expect(r.status).toBe(200);
  return (r.body.data.promotionHistory.edges as { node: any }[]).map((e) => e.node);
}

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(received.length === 1 ? 500 : 204).end(); // the first delivery fails: it must be retried
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  real = await openRealApp({ webhookAllowCidrs: '127.0.0.0/8', webhookRetryBaseSeconds: 0.01 });
  const { auth, orgs, meta } = real.runtime.services;
  for (const [name, k] of Object.entries(KEYS)) {
    const user = await auth.createUser({ username: name, email: `${name}@example.com` });
    await auth.createApiKey(user.id, { key: k });
  }
  await orgs.createOrganization(cli, { name: 'acme', entityName: 'acme-org', admin: 'boss' });
  await orgs.setMember(cli, 'acme', 'member', 'member');
  await orgs.setMember(cli, 'acme', 'regadmin', 'member');
  const orgEntity = (await meta.findEntityByName('acme-org'))!;
  const registries = new KyselyRegistryStore(real.runtime.sqlDb);
  const registry = await registries.createRegistry({
    entityId: orgEntity.id, name: 'wandb-registry-model', description: null,
    settings: { visibility: 'organization', allowAllTypes: true, artifactTypes: [] }, admin: null,
  });
  registryId = registry!.id;
  const regadmin = (await meta.findUserByUsername('regadmin'))!;
  await registries.setMember(registryId, 'user', regadmin.id, 'admin', { userId: null, username: 'cli' });
  // A registry member writes (links, unprotected aliases); org members without a registry role only read.
  await registries.setMember(registryId, 'user', (await meta.findUserByUsername('member'))!.id, 'member', { userId: null, username: 'cli' });

  // Three versions logged in the member's own project, all linked into acme/model/churn (v0, v1, v2).
  const member = (await meta.findUserByUsername('member'))!;
  const actor: ChangeActor = { userId: member.id, username: 'member' };
  const store = real.runtime.services.artifacts.artifactStore;
  const project = await meta.ensureProject(member.entityId, 'train');
  const type = await store.ensureType(project.id, 'model');
  const seq = await store.ensureSequence(project.id, type.id, 'churn-model', null);
  for (let i = 0; i < 3; i++) {
    const a = await store.insertArtifact({
      projectId: project.id, sequenceId: seq.id, typeId: type.id, digest: String(i).padStart(32, 'a'), description: null, metadata: null,
      ttlSeconds: null, ttlInherited: true, historyStep: null, createdByRunId: null, clientId: null, distributedId: null, requestedAliases: [], tags: [],
    });
    await store.commit(a.id, [], `c${i}`, undefined, actor);
    await registries.link({ projectId: registryId, collectionName: 'churn', typeName: 'model', artifactId: a.id, aliases: [], actor });
    versions.push(a.id);
  }
}, 60_000);

afterAll(async () => {
  await real?.close();
  await new Promise((r) => receiver.close(r));
});

describe('protected aliases', () => {
  it('lets an org admin promote to production, and refuses a registry member with 403: alias and history unchanged', async () => {
    const admin = await gqlAs(KEYS.boss, ADD, aliasInput(versions[0]!, 'production'));
    expect(admin.status).toBe(200);
    expect((await history()).map((e) => [e.action, e.toVersion, e.actor])).toEqual([['alias_add', 'v0', 'boss']]);

    const refused = await gqlAs(KEYS.member, ADD, aliasInput(versions[1]!, 'production'));
    expect(refused.status).toBe(403);
    expect(refused.body.errors?.[0]?.message).toMatch(/"production" is a protected alias in registry model; only registry admins/);
    const removal = await gqlAs(KEYS.member, DEL, aliasInput(versions[0]!, 'production'));
    expect(removal.status).toBe(403);
    expect(await history()).toHaveLength(1);
    const now = await gqlAs(KEYS.member, AT);
    expect(now.body.data.aliasAt).toMatchObject({ version: 'v0', event: { actor: 'boss' } });

    // Unprotected aliases stay open to members.
    expect((await gqlAs(KEYS.member, ADD, aliasInput(versions[1]!, 'candidate'))).status).toBe(200);
    expect((await history('candidate')).map((e) => [e.action, e.toVersion, e.actor])).toEqual([['alias_add', 'v1', 'member']]);
  });

  it('lets a registry admin (registry role, not org admin) move and remove protected aliases', async () => {
    expect((await gqlAs(KEYS.regadmin, ADD, aliasInput(versions[1]!, 'production'))).status).toBe(200);
    expect((await gqlAs(KEYS.regadmin, ADD, aliasInput(versions[1]!, 'staging'))).status).toBe(200);
    expect((await gqlAs(KEYS.regadmin, DEL, aliasInput(versions[1]!, 'staging'))).status).toBe(200);
    const h = await history(null);
    expect(h.filter((e) => e.alias === 'staging').map((e) => [e.action, e.fromVersion, e.toVersion, e.actor]))
      .toEqual([['alias_add', null, 'v1', 'regadmin'], ['alias_remove', 'v1', null, 'regadmin']]);
    expect(h.filter((e) => e.alias === 'production').at(-1)).toMatchObject({ action: 'alias_move', fromVersion: 'v0', toVersion: 'v1' });
  });

  it('keeps the protected list per registry: only admins change it, and then it applies', async () => {
    const SET = 'mutation($a: [String!]) { setRegistryProtectedAliases(input: {entityName: "acme", projectName: "model", aliases: $a}) { aliases } }';
    const GET = '{ registryProtectedAliases(entityName: "acme", projectName: "model") }';
    expect((await gqlAs(KEYS.member, GET)).body.data.registryProtectedAliases).toEqual(['staging', 'production']);
    expect((await gqlAs(KEYS.member, SET, { a: ['gold'] })).status).toBe(403);
    expect((await gqlAs(KEYS.boss, SET, { a: ['latest'] })).status).toBe(400);
    expect((await gqlAs(KEYS.boss, SET, { a: ['gold'] })).body.data.setRegistryProtectedAliases.aliases).toEqual(['gold']);
    const audited = (await real.runtime.services.audit.list(20)).find((e) => e.action === 'registry.protected-aliases');
    expect(audited).toMatchObject({ actor: 'boss', target: 'acme-org/wandb-registry-model', detail: { aliases: ['gold'] } });
    expect((await gqlAs(KEYS.member, ADD, aliasInput(versions[2]!, 'gold'))).status).toBe(403);
    expect((await gqlAs(KEYS.member, ADD, aliasInput(versions[2]!, 'staging'))).status).toBe(200); // no longer protected
    expect((await gqlAs(KEYS.boss, SET, { a: null })).body.data.setRegistryProtectedAliases.aliases).toEqual(['staging', 'production']);
    expect((await gqlAs(KEYS.member, DEL, aliasInput(versions[2]!, 'staging'))).status).toBe(403);
  });

  it('hides a registry from outsiders exactly like a missing one', async () => {
    const hidden = await gqlAs(KEYS.outsider, HISTORY, { alias: null });
    const missing = await gqlAs(KEYS.outsider, HISTORY.replace('"churn"', '"nope"'), { alias: null });
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(hidden.body.errors?.[0]?.message).toMatch(/not found/);
    expect((await gqlAs(KEYS.outsider, ADD, aliasInput(versions[2]!, 'production'))).status).toBe(404);
  });
});

describe('time travel', () => {
  it('answers what production pointed to at each moment of its history', async () => {
    await gqlAs(KEYS.boss, ADD, aliasInput(versions[2]!, 'production'));
    await gqlAs(KEYS.boss, ADD, aliasInput(versions[0]!, 'production'));
    const events = await history();
    expect(events.map((e) => e.toVersion)).toEqual(['v0', 'v1', 'v2', 'v0']);
    const before = new Date(Date.parse(events[0].at) - 1).toISOString();
    expect((await gqlAs(KEYS.member, AT, { at: before })).body.data.aliasAt).toMatchObject({ version: null, since: null });
    for (const [i, e] of events.entries()) {
      // The state at T is that of the last event at or before T (events in one millisecond: the last of them).
      const expected = events.filter((x) => Date.parse(x.at) <= Date.parse(e.at)).at(-1).toVersion;
      expect((await gqlAs(KEYS.member, AT, { at: e.at })).body.data.aliasAt.version, `at event ${i}`).toBe(expected);
    }
    expect((await gqlAs(KEYS.member, AT, { at: 'last tuesday' })).status).toBe(400);
    expect((await gqlAs(KEYS.member, AT, { at: '2024-01-01T00:00:00' })).status).toBe(400);
  });

  it('lists the collection history with links, and registry role changes in the registry history', async () => {
    const all = await history(null);
    expect(all.filter((e) => e.action === 'link').map((e) => e.toVersion)).toEqual(['v0', 'v1', 'v2']);
    const r = await gqlAs(KEYS.boss, '{ promotionHistory(entityName: "acme", projectName: "model", first: 1000) { edges { node { action detail actor } } } }');
    const roles = (r.body.data.promotionHistory.edges as { node: any }[]).map((e) => e.node).filter((n) => n.action === 'role_change');
    expect(roles.map((n) => [n.actor, JSON.parse(n.detail)])).toEqual([
      ['cli', { user: 'regadmin', memberKind: 'user', memberId: expect.any(Number), from: null, to: 'admin' }],
      ['cli', { user: 'member', memberKind: 'user', memberId: expect.any(Number), from: null, to: 'member' }],
    ]);
    // Paging by cursor walks the same events.
    const page = await gqlAs(KEYS.boss, '{ promotionHistory(entityName: "acme", projectName: "model", collectionName: "churn", first: 2) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }');
    const rest = await gqlAs(KEYS.boss, `{ promotionHistory(entityName: "acme", projectName: "model", collectionName: "churn", after: "${page.body.data.promotionHistory.pageInfo.endCursor}") { edges { node { id } } } }`);
    const ids = [...page.body.data.promotionHistory.edges, ...rest.body.data.promotionHistory.edges].map((e: any) => e.node.id);
    expect(ids).toEqual(all.map((e) => e.id));
  });
});

describe('webhooks', () => {
  it('refuses a loopback URL unless allowed, and delivers a signed promotion, retrying a failed attempt', async () => {
    const { webhooks } = real.runtime.services;
    await expect(webhooks.add(cli, 'acme/model', { url: 'http://169.254.169.254/latest', secret: 'x'.repeat(20) })).rejects.toThrow(/refused/);
    await expect(webhooks.add(cli, 'acme/model', { url: receiverUrl, secret: 'short' })).rejects.toThrow(/16 characters/);
    await expect(webhooks.add(cli, 'acme/nope', { url: receiverUrl, secret: 'x'.repeat(20) })).rejects.toThrow(/no organization or registry/);
    const secret = 'webhook-secret-0123456789';
    const hook = await webhooks.add(cli, 'acme/model', { url: receiverUrl, secret });
    await webhooks.tick(); // older events were fanned out before the webhook existed: nothing to send
    received.length = 0;
    expect((await gqlAs(KEYS.boss, ADD, aliasInput(versions[1]!, 'production'))).status).toBe(200);
    for (let i = 0; i < 50 && received.length < 2; i++) {
      await webhooks.tick();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(received).toHaveLength(2); // a 500, then the retry
    for (const r of received) {
      expect(r.headers['x-cairn-signature-256']).toBe(signWebhookBody(secret, r.body));
      expect(r.headers['content-type']).toBe('application/json');
    }
    expect(received[0]!.body).toBe(received[1]!.body);
    const body = JSON.parse(received[1]!.body);
    expect(body).toMatchObject({
      type: 'promotion',
      event: {
        action: 'alias_move', alias: 'production', organization: 'acme', registry: 'model', collection: 'churn',
        from: { version: 'v0' }, to: { version: 'v1', path: 'acme-org/wandb-registry-model/churn:v1' }, actor: { username: 'boss' },
      },
    });
    const log = await webhooks.deliveries(cli, hook.id);
    expect(log).toMatchObject([{ status: 'delivered', attempts: 2, lastStatusCode: 204 }]);
    // Registry admins manage registry webhooks; members do not even list them.
    const member = { user: (await real.runtime.services.meta.findUserByUsername('member'))! };
    await expect(webhooks.list(member, 'acme/model')).rejects.toThrow(/permission denied/);
  });
});
