import type { ProjectId, UserId } from '@cairn/shared';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore, ChangeActor, MetaStore, OrganizationId } from '../core/ports.js';
import { KyselyArtifactStore } from './artifact-store.js';
import { KyselyMetaStore } from './meta-store.js';
import { KyselyPromotionStore } from './promotion-store.js';
import { KyselyRegistryStore } from './registry-store.js';
import { sqlBackends } from './sql-backends.test-support.js';
import type { SqlDatabase } from './sql-database.js';

const alice: ChangeActor = { userId: 7 as UserId, username: 'alice' };
const bob: ChangeActor = { userId: 8 as UserId, username: 'bob' };

for (const backend of sqlBackends()) {
  describe(`promotion history, protected aliases and webhooks: ${backend.name}`, () => {
    let sqlDb: SqlDatabase;
    let meta: MetaStore;
    let artifacts: ArtifactStore;
    let store: KyselyPromotionStore;
    let dispose: () => Promise<void>;

    beforeEach(async () => {
      const opened = await backend.open();
      sqlDb = opened.sqlDb;
      meta = new KyselyMetaStore(sqlDb);
      artifacts = new KyselyArtifactStore(sqlDb);
      store = new KyselyPromotionStore(sqlDb);
      dispose = opened.dispose;
    });
    afterEach(async () => {
      await meta.close();
      await dispose();
    });

    /** A project with one sequence holding `n` committed versions. */
    async function sequenceWith(n: number) {
      const user = await meta.createUser({ username: 'owner', email: null, admin: false });
      const projectId = (await meta.ensureProject(user.entityId, 'p')).id;
      const type = await artifacts.ensureType(projectId, 'model');
      const seq = await artifacts.ensureSequence(projectId, type.id, 'm', null);
      const versions = [];
      for (let i = 0; i < n; i++) {
        const a = await artifacts.insertArtifact({
          projectId, sequenceId: seq.id, typeId: type.id, digest: String(i).padStart(32, '0'), description: null, metadata: null,
          ttlSeconds: null, ttlInherited: true, historyStep: null, createdByRunId: null, clientId: null, distributedId: null, requestedAliases: [], tags: [],
        });
        versions.push(await artifacts.commit(a.id, [], `c${i}`, undefined, alice));
      }
      return { projectId, typeId: type.id, sequenceId: seq.id, versions };
    }

    /** A portfolio (registry collection) linking the given versions as v0, v1, … (written directly: linking is another service's). */
    async function portfolio(projectId: ProjectId, typeId: number, artifactIds: number[]) {
      const now = Date.now();
      const c = await sqlDb.db.insertInto('artifact_collections').values({
        project_id: projectId, type_id: typeId, name: 'reg', kind: 'portfolio', description: null, client_id: null, created_at: now, updated_at: now,
      }).returning('id').executeTakeFirstOrThrow();
      for (const [i, id] of artifactIds.entries()) {
        await sqlDb.db.insertInto('artifact_memberships').values({ collection_id: c.id, artifact_id: id, version_index: i, created_at: now }).execute();
      }
      return Number(c.id);
    }

    it('records every real alias change with who, from and to versions; a no-op records nothing', async () => {
      const { projectId, sequenceId, versions } = await sequenceWith(3);
      const [v0, v1, v2] = versions.map((v) => v.id) as [number, number, number];
      // Each commit moved `latest`: added at v0, then moved v0 → v1 → v2.
      let events = await store.listEvents({ projectId, collectionId: sequenceId, alias: 'latest', limit: 100 });
      expect(events.map((e) => [e.action, e.fromVersion, e.toVersion, e.actorName])).toEqual([
        ['alias_add', null, 0, 'alice'], ['alias_move', 0, 1, 'alice'], ['alias_move', 1, 2, 'alice'],
      ]);
      await artifacts.setAliases(sequenceId, v0, ['production'], alice);
      await artifacts.setAliases(sequenceId, v0, ['production'], bob); // already there: no event
      await artifacts.setAliases(sequenceId, v1, ['production'], bob);
      await artifacts.removeAliases(sequenceId, v0, ['production'], alice); // points at v1 now: nothing to remove
      await artifacts.removeAliases(sequenceId, v1, ['production'], alice);
      events = await store.listEvents({ projectId, collectionId: sequenceId, alias: 'production', limit: 100 });
      expect(events.map((e) => [e.action, e.fromArtifactId, e.toArtifactId, e.fromVersion, e.toVersion, e.actorName, e.actorUserId])).toEqual([
        ['alias_add', null, v0, null, 0, 'alice', 7], ['alias_move', v0, v1, 0, 1, 'bob', 8], ['alias_remove', v1, null, 1, null, 'alice', 7],
      ]);
      expect(v2).toBeGreaterThan(v1);
      // History and state agree.
      expect((await artifacts.listAliases(v1)).map((a) => a.alias)).not.toContain('production');
    });

    it('answers what an alias pointed to at any time, from the event timestamps', async () => {
      const { sequenceId, versions } = await sequenceWith(3);
      const ids = versions.map((v) => v.id);
      const moves = [0, 1, 2, 0];
      for (const v of moves) {
        await artifacts.setAliases(sequenceId, ids[v]!, ['production'], alice);
        await new Promise((r) => setTimeout(r, 3)); // distinct milliseconds, so each state is observable
      }
      const events = await store.listEvents({ projectId: versions[0]!.projectId, collectionId: sequenceId, alias: 'production', limit: 100 });
      expect(events.map((e) => e.toVersion)).toEqual(moves);
      const before = new Date(events[0]!.at.getTime() - 1);
      expect(await store.lastAliasEventAt(sequenceId, 'production', before)).toBeNull();
      for (const [i, e] of events.entries()) {
        expect((await store.lastAliasEventAt(sequenceId, 'production', e.at))?.toVersion).toBe(moves[i]);
        const next = events[i + 1];
        if (next) expect((await store.lastAliasEventAt(sequenceId, 'production', new Date(next.at.getTime() - 1)))?.toVersion).toBe(moves[i]);
      }
      expect((await store.lastAliasEventAt(sequenceId, 'production', new Date(Date.now() + 60_000)))?.toVersion).toBe(0);
      expect(await store.lastAliasEventAt(sequenceId, 'staging', new Date())).toBeNull();
    });

    it('records the aliases a deleted version loses, in every collection', async () => {
      const { projectId, typeId, sequenceId, versions } = await sequenceWith(2);
      const v1 = versions[1]!.id;
      const reg = await portfolio(projectId, typeId, [versions[0]!.id, v1]);
      await artifacts.setAliases(reg, v1, ['production'], alice);
      await artifacts.markDeleted(v1, bob);
      const seqEvents = await store.listEvents({ projectId, collectionId: sequenceId, alias: 'latest', limit: 100 });
      expect(seqEvents.at(-1)).toMatchObject({ action: 'alias_remove', fromArtifactId: v1, actorName: 'bob', detail: { reason: 'version deleted' } });
      const regEvents = await store.listEvents({ projectId, collectionId: reg, limit: 100 });
      expect(regEvents.map((e) => [e.action, e.alias, e.fromVersion, e.toVersion, e.actorName])).toEqual([
        ['alias_add', 'production', null, 1, 'alice'], ['alias_remove', 'production', 1, null, 'bob'],
      ]);
      expect(await artifacts.listAliases(v1)).toEqual([]);
    });

    it('is append-only in the database itself', async () => {
      const { projectId } = await sequenceWith(1);
      const [first] = await store.listEvents({ projectId, limit: 1 });
      await expect(sqlDb.db.updateTable('promotion_events').set({ actor_name: 'mallory' }).where('id', '=', first!.id).execute()).rejects.toThrow(/append-only/);
      await expect(sqlDb.db.deleteFrom('promotion_events').where('id', '=', first!.id).execute()).rejects.toThrow(/append-only/);
      expect((await store.listEvents({ projectId, limit: 1 }))[0]!.actorName).toBe('alice');
    });

    it('records registry role changes with the change itself, in the project history, and pages by id', async () => {
      const { projectId } = await sequenceWith(2);
      const registries = new KyselyRegistryStore(sqlDb);
      const member = await meta.createUser({ username: 'bob', email: null, admin: false });
      expect(await registries.setMember(projectId, 'user', member.id, 'member', alice)).toBeNull();
      expect(await registries.setMember(projectId, 'user', member.id, 'member', alice)).toBe('member'); // unchanged: no event
      expect(await registries.setMember(projectId, 'user', member.id, 'admin', bob)).toBe('member');
      expect(await registries.removeMember(projectId, 'user', member.id, alice)).toBe('admin');
      const all = await store.listEvents({ projectId, limit: 100 });
      expect(all.filter((e) => e.action === 'role_change').map((e) => [e.collectionId, e.actorName, e.detail?.user, e.detail?.from, e.detail?.to])).toEqual([
        [null, 'alice', 'bob', null, 'member'], [null, 'bob', 'bob', 'member', 'admin'], [null, 'alice', 'bob', 'admin', null],
      ]);
      const page1 = await store.listEvents({ projectId, limit: 1 });
      const page2 = await store.listEvents({ projectId, limit: 100, afterId: page1[0]!.id });
      expect([...page1, ...page2].map((e) => e.id)).toEqual(all.map((e) => e.id));
    });

    it('puts alias events of portfolios (not sequences) in the outbox, fanned out exactly once', async () => {
      const { projectId, typeId, versions } = await sequenceWith(2);
      expect(await store.pendingOutbox(100)).toEqual([]); // sequence `latest` moves are not promotions
      const reg = await portfolio(projectId, typeId, versions.map((v) => v.id));
      await artifacts.setAliases(reg, versions[0]!.id, ['staging'], alice);
      await artifacts.setAliases(reg, versions[1]!.id, ['staging'], alice);
      const pending = await store.pendingOutbox(100);
      expect(pending.map((e) => [e.action, e.toVersion])).toEqual([['alias_add', 0], ['alias_move', 1]]);
      const hook = await store.createWebhook({ scope: { kind: 'registry', id: projectId }, url: 'https://example.com/h', secret: 's'.repeat(16), description: null, createdBy: 'cli' });
      const d = { webhookId: hook.id, eventType: 'promotion', body: '{"x":1}' };
      const [a, b] = await Promise.all([store.fanOut(pending[0]!.id, [d]), store.fanOut(pending[0]!.id, [d])]);
      expect([a, b].sort()).toEqual([false, true]);
      expect(await store.listDeliveries(hook.id, 10)).toHaveLength(1);
      expect((await store.pendingOutbox(100)).map((e) => e.id)).toEqual([pending[1]!.id]);
    });

    it('stores protected aliases per registry; no row means the defaults', async () => {
      const { projectId } = await sequenceWith(0);
      expect(await store.protectedAliases(projectId)).toBeNull();
      await store.setProtectedAliases(projectId, ['production', 'gold'], 'alice');
      expect(await store.protectedAliases(projectId)).toEqual(['production', 'gold']);
      await store.setProtectedAliases(projectId, [], 'alice');
      expect(await store.protectedAliases(projectId)).toEqual([]);
      await store.setProtectedAliases(projectId, null, 'alice');
      expect(await store.protectedAliases(projectId)).toBeNull();
    });

    it('leases due deliveries to one claimant, retries, gives up, and drops pending ones of a removed webhook', async () => {
      const org = 3 as OrganizationId;
      const hook = await store.createWebhook({ scope: { kind: 'organization', id: org }, url: 'https://example.com/a', secret: 'k'.repeat(16), description: 'd', createdBy: 'cli' });
      const other = await store.createWebhook({ scope: { kind: 'registry', id: 9 as ProjectId }, url: 'https://example.com/b', secret: 'k'.repeat(16), description: null, createdBy: 'cli' });
      expect((await store.listWebhooks([{ kind: 'organization', id: org }])).map((w) => w.id)).toEqual([hook.id]);
      expect((await store.listWebhooks([{ kind: 'organization', id: org }, { kind: 'registry', id: 9 as ProjectId }])).map((w) => w.id)).toEqual([hook.id, other.id]);
      const t0 = new Date(Date.now());
      await store.enqueueDeliveries([{ webhookId: hook.id, eventType: 'promotion', body: '{}' }], t0);
      const [first, second] = await Promise.all([store.claimDue(t0, 30_000, 10), store.claimDue(t0, 30_000, 10)]);
      expect(first.length + second.length).toBe(1);
      const claimed = [...first, ...second][0]!;
      expect(claimed.webhook.id).toBe(hook.id);
      // Leased: not due again until the lease runs out.
      expect(await store.claimDue(new Date(t0.getTime() + 1000), 30_000, 10)).toEqual([]);
      await store.recordAttempt(claimed.delivery.id, { delivered: false, statusCode: 500, error: 'HTTP 500', retryAt: new Date(t0.getTime() + 5000), at: t0 });
      expect(await store.claimDue(new Date(t0.getTime() + 4000), 30_000, 10)).toEqual([]);
      const again = await store.claimDue(new Date(t0.getTime() + 5000), 30_000, 10);
      expect(again.map((c) => c.delivery.attempts)).toEqual([1]);
      await store.recordAttempt(again[0]!.delivery.id, { delivered: true, statusCode: 204, error: null, retryAt: null, at: t0 });
      expect(await store.listDeliveries(hook.id, 10)).toMatchObject([{ status: 'delivered', attempts: 2, lastStatusCode: 204 }]);
      await store.enqueueDeliveries([{ webhookId: hook.id, eventType: 'promotion', body: '{}' }], t0);
      expect(await store.disableWebhook(hook.id, t0)).toBe(true);
      expect(await store.disableWebhook(hook.id, t0)).toBe(false);
      expect((await store.listDeliveries(hook.id, 10)).map((d) => d.status)).toEqual(['failed', 'delivered']);
      expect(await store.claimDue(new Date(t0.getTime() + 10_000), 30_000, 10)).toEqual([]);
      expect(await store.listWebhooks([{ kind: 'organization', id: org }])).toEqual([]);
    });

    it('serialises concurrent moves of one alias so the history is a chain', async () => {
      const { projectId, sequenceId, versions } = await sequenceWith(4);
      await Promise.all(versions.map((v) => artifacts.setAliases(sequenceId, v.id, ['production'], alice)));
      const events = await store.listEvents({ projectId, collectionId: sequenceId, alias: 'production', limit: 100 });
      expect(events).toHaveLength(4);
      for (let i = 1; i < events.length; i++) expect(events[i]!.fromArtifactId).toBe(events[i - 1]!.toArtifactId);
      const holder = await sql<{ artifact_id: number }>`SELECT artifact_id FROM artifact_aliases WHERE collection_id = ${sequenceId} AND alias = 'production'`.execute(sqlDb.db);
      expect(Number(holder.rows[0]!.artifact_id)).toBe(events.at(-1)!.toArtifactId);
    });
  });
}
