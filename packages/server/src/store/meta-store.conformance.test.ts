import type { ProjectId, RunId, UserId } from '@cairn/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetaStore, NewRun } from '../core/ports.js';
import { KyselyMetaStore } from './meta-store.js';
import { sqlBackends } from './sql-backends.test-support.js';

const nameFor = (n: number) => `name-${n}`;

for (const backend of sqlBackends()) {
  describe(`MetaStore conformance: ${backend.name}`, () => {
    let meta: MetaStore;
    let dispose: () => Promise<void>;

    beforeEach(async () => {
      const opened = await backend.open();
      meta = new KyselyMetaStore(opened.sqlDb);
      dispose = opened.dispose;
    });
    afterEach(async () => {
      await meta.close();
      await dispose();
    });

    async function newProject(name = 'proj') {
      const user = await meta.createUser({ username: `u-${name}`, email: null, admin: false });
      return { user, project: await meta.ensureProject(user.entityId, name) };
    }
    const runInput = (projectId: ProjectId, name: string, extra: Partial<NewRun> = {}): NewRun =>
      ({ projectId, name, userId: null, ...extra });

    describe('users and entities', () => {
      it('creates a user with its personal entity and membership', async () => {
        const user = await meta.createUser({ username: 'alice', email: 'a@example.com', admin: true });
        expect(user).toMatchObject({ username: 'alice', email: 'a@example.com', admin: true, deletedAt: null });
        const entity = await meta.findEntityByName('alice');
        expect(entity).toMatchObject({ id: user.entityId, name: 'alice', type: 'user' });
        expect(await meta.findEntityById(user.entityId)).toEqual(entity);
        expect(await meta.isMember(user.entityId, user.id)).toBe(true);
        expect(await meta.findUserByUsername('alice')).toEqual(user);
        expect(await meta.findUserById(user.id)).toEqual(user);
        expect(await meta.countUsers()).toBe(1);
      });

      it('returns null for unknown names and ids', async () => {
        expect(await meta.findUserByUsername('nobody')).toBeNull();
        expect(await meta.findUserById(999 as UserId)).toBeNull();
        expect(await meta.findEntityByName('nobody')).toBeNull();
      });

      it('refuses a second user or entity with a taken name, and leaves no half-made user', async () => {
        await meta.createUser({ username: 'bob', email: null, admin: false });
        await expect(meta.createUser({ username: 'bob', email: null, admin: false })).rejects.toThrow();
        await meta.createEntity('team-x', 'team');
        await expect(meta.createUser({ username: 'team-x', email: null, admin: false })).rejects.toThrow();
        expect(await meta.findUserByUsername('team-x')).toBeNull();
        expect(await meta.countUsers()).toBe(1);
      });

      it('deleting a user hides it, revokes its keys, and keeps it readable by id', async () => {
        const user = await meta.createUser({ username: 'carol', email: null, admin: false });
        await meta.insertApiKey({ userId: user.id, keyHash: 'h-carol', prefix: 'local-abc', name: null });
        await meta.deleteUser(user.id);
        expect(await meta.findUserByUsername('carol')).toBeNull();
        expect(await meta.countUsers()).toBe(0);
        expect((await meta.findUserById(user.id))?.deletedAt).toBeInstanceOf(Date);
        expect((await meta.findApiKeyByHash('h-carol'))?.revokedAt).toBeInstanceOf(Date);
      });

      it('searches users by part of the username or email (wildcards literal) and keeps a default entity', async () => {
        const ann = await meta.createUser({ username: 'ann_x', email: 'Ann@Example.com', admin: false });
        await meta.createUser({ username: 'annabel', email: null, admin: false });
        await meta.createUser({ username: 'bob', email: 'bob@example.com', admin: false });
        expect((await meta.searchUsers('ANN', 10)).map((u) => u.username)).toEqual(['ann_x', 'annabel']);
        expect((await meta.searchUsers('example.com', 1)).map((u) => u.username)).toEqual(['ann_x']);
        expect((await meta.searchUsers('n_', 10)).map((u) => u.username)).toEqual(['ann_x']);
        expect(await meta.searchUsers('%', 10)).toEqual([]);
        expect(await meta.findUserDefaultEntityId(ann.id)).toBeNull();
        const team = await meta.createTeam('t-default', (await meta.createOrganization({ name: 'o-default', entityName: 'o-default' })).id);
        await meta.setUserDefaultEntityId(ann.id, team.id);
        expect(await meta.findUserDefaultEntityId(ann.id)).toBe(team.id);
        await meta.setUserDefaultEntityId(ann.id, null);
        expect(await meta.findUserDefaultEntityId(ann.id)).toBeNull();
      });

      it('lists the teams a user belongs to, by name, and updates a role on re-add', async () => {
        const user = await meta.createUser({ username: 'dave', email: null, admin: false });
        const zeta = await meta.createEntity('zeta', 'team');
        const alpha = await meta.createEntity('alpha', 'team');
        await meta.createEntity('other', 'team');
        await meta.addMember(zeta.id, user.id, 'member');
        await meta.addMember(alpha.id, user.id, 'member');
        await meta.addMember(alpha.id, user.id, 'admin');
        expect((await meta.listTeamsOfUser(user.id)).map((e) => e.name)).toEqual(['alpha', 'dave', 'zeta']); // their own entity too, as W&B lists it
        expect(await meta.isMember(alpha.id, user.id)).toBe(true);
        const other = await meta.findEntityByName('other');
        expect(await meta.isMember(other!.id, user.id)).toBe(false);
      });
    });

    describe('organizations, teams and roles', () => {
      it('creates an organization with its org entity, found by name and id', async () => {
        const org = await meta.createOrganization({ name: 'acme', entityName: 'acme-org' });
        expect(org).toMatchObject({ name: 'acme' });
        const entity = await meta.findEntityById(org.entityId);
        expect(entity).toMatchObject({ name: 'acme-org', type: 'organization', orgId: org.id });
        expect(await meta.findOrganizationByName('acme')).toEqual(org);
        expect(await meta.findOrganizationById(org.id)).toEqual(org);
        expect(await meta.findOrganizationByName('nope')).toBeNull();
        // The org entity shares the one namespace of users and teams.
        await expect(meta.createOrganization({ name: 'acme2', entityName: 'acme-org' })).rejects.toThrow();
        await expect(meta.createOrganization({ name: 'acme', entityName: 'other' })).rejects.toThrow();
        expect(await meta.findEntityByName('other')).toBeNull();
        expect((await meta.listOrganizations()).map((o) => o.name)).toEqual(['acme']);
      });

      it('keeps roles per entity, changes them on re-add, lists members and removes them', async () => {
        const org = await meta.createOrganization({ name: 'acme', entityName: 'acme' });
        const team = await meta.createTeam('ml', org.id);
        expect(team).toMatchObject({ name: 'ml', type: 'team', orgId: org.id });
        const ann = await meta.createUser({ username: 'ann', email: 'Ann@Example.com', admin: false });
        const bob = await meta.createUser({ username: 'bob', email: null, admin: false });
        await meta.addMember(team.id, bob.id, 'viewer');
        await new Promise((resolve) => setTimeout(resolve, 5));
        await meta.addMember(team.id, ann.id, 'member');
        await meta.addMember(org.entityId, ann.id, 'admin');
        expect(await meta.roleOf(team.id, bob.id)).toBe('viewer');
        await meta.addMember(team.id, bob.id, 'member');
        expect(await meta.roleOf(team.id, bob.id)).toBe('member');
        expect(await meta.roleOf(org.entityId, bob.id)).toBeNull();
        // In joining order (a role change keeps the place).
        expect((await meta.listMembers(team.id)).map((m) => [m.user.username, m.role])).toEqual([['bob', 'member'], ['ann', 'member']]);
        expect(await meta.removeMember(team.id, bob.id)).toBe(true);
        expect(await meta.removeMember(team.id, bob.id)).toBe(false);
        expect(await meta.roleOf(team.id, bob.id)).toBeNull();
        // Deleted users are no one's members.
        await meta.deleteUser(ann.id);
        expect(await meta.listMembers(team.id)).toEqual([]);
      });

      it('lists the organizations of a user and the teams of an organization, by name', async () => {
        const zorg = await meta.createOrganization({ name: 'zorg', entityName: 'zorg' });
        const aorg = await meta.createOrganization({ name: 'aorg', entityName: 'aorg' });
        await meta.createOrganization({ name: 'other', entityName: 'other' });
        const user = await meta.createUser({ username: 'cy', email: null, admin: false });
        await meta.addMember(zorg.entityId, user.id, 'viewer');
        await meta.addMember(aorg.entityId, user.id, 'member');
        expect((await meta.listOrganizationsOfUser(user.id)).map((o) => o.name)).toEqual(['aorg', 'zorg']);
        await meta.createTeam('t2', zorg.id);
        await meta.createTeam('t1', zorg.id);
        await meta.createTeam('t3', aorg.id);
        expect((await meta.listTeamsOfOrganization(zorg.id)).map((t) => t.name)).toEqual(['t1', 't2']);
        // The personal entity belongs to at most one organization.
        await meta.setEntityOrganization(user.entityId, aorg.id);
        expect((await meta.findEntityById(user.entityId))?.orgId).toBe(aorg.id);
        await meta.setEntityOrganization(user.entityId, null);
        expect((await meta.findEntityById(user.entityId))?.orgId).toBeNull();
      });

      it('flags service accounts and finds users by email case-insensitively', async () => {
        const sa = await meta.createUser({ username: 'ci-bot', email: null, admin: false, serviceAccount: true });
        const human = await meta.createUser({ username: 'dee', email: 'Dee@Example.com', admin: false });
        expect(sa.serviceAccount).toBe(true);
        expect(human.serviceAccount).toBe(false);
        expect((await meta.findUserByUsername('ci-bot'))?.serviceAccount).toBe(true);
        expect(await meta.findUserByEmail('dee@example.COM')).toEqual(human);
        expect(await meta.findUserByEmail('nobody@example.com')).toBeNull();
        // An email shared by two users names neither.
        await meta.createUser({ username: 'dee2', email: 'dee@example.com', admin: false });
        expect(await meta.findUserByEmail('dee@example.com')).toBeNull();
      });

      it('deletes teams and organizations with their memberships, but never ones that own projects', async () => {
        const org = await meta.createOrganization({ name: 'acme', entityName: 'acme' });
        const busy = await meta.createTeam('busy', org.id);
        const idle = await meta.createTeam('idle', org.id);
        const user = await meta.createUser({ username: 'eve', email: null, admin: false });
        await meta.addMember(busy.id, user.id, 'member');
        await meta.addMember(idle.id, user.id, 'member');
        await meta.addMember(org.entityId, user.id, 'member');
        await meta.setEntityOrganization(user.entityId, org.id);
        await meta.ensureProject(busy.id, 'p');

        expect(await meta.deleteTeam(busy.id)).toBe('has-projects');
        expect(await meta.deleteOrganization(org.id)).toBe('has-projects');
        expect(await meta.roleOf(busy.id, user.id)).toBe('member');
        expect(await meta.deleteTeam(idle.id)).toBe('deleted');
        expect(await meta.findEntityByName('idle')).toBeNull();
        expect(await meta.roleOf(idle.id, user.id)).toBeNull();

        const empty = await meta.createOrganization({ name: 'empty', entityName: 'empty-org' });
        const team = await meta.createTeam('t', empty.id);
        await meta.addMember(team.id, user.id, 'admin');
        await meta.addMember(empty.entityId, user.id, 'admin');
        expect(await meta.deleteOrganization(empty.id)).toBe('deleted');
        expect(await meta.findOrganizationByName('empty')).toBeNull();
        expect(await meta.findEntityByName('empty-org')).toBeNull();
        expect(await meta.findEntityByName('t')).toBeNull();
        expect((await meta.listOrganizationsOfUser(user.id)).map((o) => o.name)).toEqual(['acme']);
        expect((await meta.findEntityById(user.entityId))?.orgId).toBe(org.id);
      });

      it('counts the bytes of run files an entity stores', async () => {
        const { user, project } = await newProject();
        expect(await meta.storageBytes(user.entityId)).toBe(0);
        const { run } = await meta.insertRun(runInput(project.id, 'r'), nameFor);
        await meta.upsertRunFile({ runId: run.id, name: 'a', blobKey: 'k', sizeBytes: 100, md5: null, mimetype: null });
        await meta.upsertRunFile({ runId: run.id, name: 'b', blobKey: 'k2', sizeBytes: 23, md5: null, mimetype: null });
        expect(await meta.storageBytes(user.entityId)).toBe(123);
      });
    });

    describe('API keys', () => {
      it('stores, finds, lists and revokes keys by hash', async () => {
        const user = await meta.createUser({ username: 'erin', email: null, admin: false });
        const k1 = await meta.insertApiKey({ userId: user.id, keyHash: 'hash-1', prefix: 'local-1111', name: 'laptop' });
        await meta.insertApiKey({ userId: user.id, keyHash: 'hash-2', prefix: 'local-2222', name: null });
        expect(k1).toMatchObject({ userId: user.id, keyHash: 'hash-1', prefix: 'local-1111', name: 'laptop', revokedAt: null });
        expect(await meta.findApiKeyByHash('hash-1')).toEqual(k1);
        expect(await meta.findApiKeyByHash('nope')).toBeNull();
        expect((await meta.listApiKeys(user.id)).map((k) => k.keyHash)).toEqual(['hash-1', 'hash-2']);
        expect(await meta.revokeApiKey('hash-1')).toBe(true);
        expect(await meta.revokeApiKey('hash-1')).toBe(false);
        expect(await meta.revokeApiKey('unknown')).toBe(false);
        expect((await meta.findApiKeyByHash('hash-1'))?.revokedAt).toBeInstanceOf(Date);
        expect((await meta.findApiKeyByHash('hash-2'))?.revokedAt).toBeNull();
      });

      it('refuses a duplicate key hash', async () => {
        const user = await meta.createUser({ username: 'frank', email: null, admin: false });
        await meta.insertApiKey({ userId: user.id, keyHash: 'dup', prefix: 'p', name: null });
        await expect(meta.insertApiKey({ userId: user.id, keyHash: 'dup', prefix: 'p', name: null })).rejects.toThrow();
      });
    });

    describe('projects', () => {
      it('ensureProject creates once and then returns the same project', async () => {
        const user = await meta.createUser({ username: 'gina', email: null, admin: false });
        const p1 = await meta.ensureProject(user.entityId, 'mnist');
        const p2 = await meta.ensureProject(user.entityId, 'mnist');
        expect(p2.id).toBe(p1.id);
        expect(p1).toMatchObject({ entityId: user.entityId, name: 'mnist', runCount: 0 });
        expect(await meta.findProject(user.entityId, 'mnist')).toEqual(p1);
        expect(await meta.findProjectById(p1.id)).toEqual(p1);
        expect(await meta.findProject(user.entityId, 'other')).toBeNull();
      });

      it('ensureProject under concurrent calls yields one project', async () => {
        const user = await meta.createUser({ username: 'hank', email: null, admin: false });
        const results = await Promise.all(Array.from({ length: 16 }, () => meta.ensureProject(user.entityId, 'race')));
        expect(new Set(results.map((p) => p.id)).size).toBe(1);
        expect((await meta.listProjects(user.entityId)).map((p) => p.name)).toEqual(['race']);
      });

      it('keeps same-named projects of different entities apart', async () => {
        const a = await meta.createUser({ username: 'ivy', email: null, admin: false });
        const b = await meta.createUser({ username: 'jon', email: null, admin: false });
        const pa = await meta.ensureProject(a.entityId, 'shared-name');
        const pb = await meta.ensureProject(b.entityId, 'shared-name');
        expect(pa.id).not.toBe(pb.id);
      });
    });

    describe('runs', () => {
      it('numbers runs 1, 2, 3 in their project and names them from the number', async () => {
        const { project } = await newProject();
        const seen: number[] = [];
        const displayNameFor = (n: number) => {
          seen.push(n);
          return nameFor(n);
        };
        const runs = [];
        for (const name of ['a', 'b', 'c']) runs.push((await meta.insertRun(runInput(project.id, name), displayNameFor)).run);
        expect(runs.map((r) => r.number)).toEqual([1, 2, 3]);
        expect(runs.map((r) => r.displayName)).toEqual(['name-1', 'name-2', 'name-3']);
        expect(seen).toEqual([1, 2, 3]);
        expect((await meta.findProjectById(project.id))?.runCount).toBe(3);
      });

      it('keeps the client display name and initial fields', async () => {
        const { user, project } = await newProject();
        const { run, inserted } = await meta.insertRun(
          runInput(project.id, 'r1', { userId: user.id, displayName: 'mine', config: '{"lr":{"value":0.1}}', tags: ['x', 'y'], groupName: 'g' }),
          nameFor,
        );
        expect(inserted).toBe(true);
        expect(run).toMatchObject({
          projectId: project.id, name: 'r1', displayName: 'mine', number: 1, userId: user.id, state: 'running',
          config: '{"lr":{"value":0.1}}', summary: '{}', tags: ['x', 'y'], groupName: 'g', exitCode: null, stopRequested: false,
        });
        expect(await meta.findRun(project.id, 'r1')).toEqual(run);
        expect(await meta.findRunById(run.id)).toEqual(run);
      });

      it('re-inserting an existing run returns it unchanged and uses no number', async () => {
        const { project } = await newProject();
        const first = await meta.insertRun(runInput(project.id, 'again', { displayName: 'orig' }), nameFor);
        const second = await meta.insertRun(runInput(project.id, 'again', { displayName: 'changed' }), nameFor);
        expect(second.inserted).toBe(false);
        expect(second.run).toEqual(first.run);
        const next = await meta.insertRun(runInput(project.id, 'next'), nameFor);
        expect(next.run.number).toBe(2);
        expect((await meta.findProjectById(project.id))?.runCount).toBe(2);
      });

      it('concurrent inserts get distinct consecutive numbers; a concurrent duplicate is inserted once', async () => {
        const { project } = await newProject();
        const distinct = await Promise.all(
          Array.from({ length: 12 }, (_, i) => meta.insertRun(runInput(project.id, `run-${i}`), nameFor)),
        );
        expect(distinct.map((r) => r.run.number).sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
        const same = await Promise.all(Array.from({ length: 8 }, () => meta.insertRun(runInput(project.id, 'dup'), nameFor)));
        expect(same.filter((r) => r.inserted)).toHaveLength(1);
        expect(new Set(same.map((r) => r.run.id)).size).toBe(1);
        expect((await meta.listRuns(project.id))).toHaveLength(13);
      });

      it('updateRun changes only the given fields', async () => {
        const { project } = await newProject();
        const { run } = await meta.insertRun(runInput(project.id, 'u', { notes: 'keep me', host: 'h1' }), nameFor);
        const heartbeat = new Date(run.heartbeatAt.getTime() + 5000);
        const updated = await meta.updateRun(run.id, {
          state: 'finished', exitCode: 0, summary: '{"loss":NaN}', tags: ['t'], stopRequested: true, heartbeatAt: heartbeat,
        });
        expect(updated).toMatchObject({
          id: run.id, state: 'finished', exitCode: 0, summary: '{"loss":NaN}', tags: ['t'], stopRequested: true,
          notes: 'keep me', host: 'h1', displayName: run.displayName, config: run.config,
        });
        expect(updated.heartbeatAt.getTime()).toBe(heartbeat.getTime());
        expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(run.updatedAt.getTime());
        expect(await meta.findRunById(run.id)).toEqual(updated);
        const cleared = await meta.updateRun(run.id, { notes: null });
        expect(cleared.notes).toBeNull();
        expect(cleared.state).toBe('finished');
      });

      it('updateRun of a missing run fails', async () => {
        await expect(meta.updateRun(424242 as RunId, { state: 'finished' })).rejects.toThrow();
      });

      it('deleteRun removes the run and its files only', async () => {
        const { project } = await newProject();
        const { run: gone } = await meta.insertRun(runInput(project.id, 'gone'), nameFor);
        const { run: kept } = await meta.insertRun(runInput(project.id, 'kept'), nameFor);
        for (const r of [gone, kept]) {
          await meta.upsertRunFile({ runId: r.id, name: 'f.txt', blobKey: `k/${r.id}`, sizeBytes: 1, md5: null, mimetype: null });
        }
        await meta.deleteRun(gone.id);
        expect(await meta.findRunById(gone.id)).toBeNull();
        expect(await meta.listRunFiles(gone.id)).toEqual([]);
        expect(await meta.findRunById(kept.id)).not.toBeNull();
        expect(await meta.listRunFiles(kept.id)).toHaveLength(1);
      });

      it('finds stale runs and marks them only while they are still stale', async () => {
        const { project } = await newProject();
        const old = new Date(Date.now() - 3_600_000);
        const { run: silent } = await meta.insertRun(runInput(project.id, 'silent'), nameFor);
        const { run: preempting } = await meta.insertRun(runInput(project.id, 'pre'), nameFor);
        const { run: revived } = await meta.insertRun(runInput(project.id, 'revived'), nameFor);
        const { run: finished } = await meta.insertRun(runInput(project.id, 'done'), nameFor);
        const { run: fresh } = await meta.insertRun(runInput(project.id, 'fresh'), nameFor);
        await meta.updateRun(silent.id, { heartbeatAt: old });
        await meta.updateRun(preempting.id, { heartbeatAt: old, state: 'preempting' });
        await meta.updateRun(revived.id, { heartbeatAt: old });
        await meta.updateRun(finished.id, { heartbeatAt: old, state: 'finished' });
        void fresh;

        const before = new Date(Date.now() - 60_000);
        const stale = await meta.findStaleRuns(['running', 'preempting'], before);
        expect(stale.map((r) => r.name).sort()).toEqual(['pre', 'revived', 'silent']);

        // The run heartbeats between the scan and the mark: it must stay running.
        await meta.updateRun(revived.id, { heartbeatAt: new Date() });
        expect(await meta.markStale(revived.id, ['running'], 'crashed', before, 'crashed@1')).toBe(false);
        expect(await meta.markStale(silent.id, ['running'], 'crashed', before, 'crashed@1')).toBe(true);
        expect(await meta.markStale(silent.id, ['running'], 'crashed', before, 'crashed@2')).toBe(false);
        expect(await meta.markStale(preempting.id, ['running'], 'crashed', before, 'crashed@1')).toBe(false);
        expect(await meta.markStale(preempting.id, ['preempting'], 'preempted', before, null)).toBe(true);
        // The alert a crash owes is written with it, and cleared only under its own key.
        expect((await meta.findPendingStateAlerts(10)).map((p) => [p.run.name, p.key])).toEqual([['silent', 'crashed@1']]);
        await meta.clearStateAlertPending(silent.id, 'crashed@0');
        expect(await meta.findPendingStateAlerts(10)).toHaveLength(1);
        await meta.clearStateAlertPending(silent.id, 'crashed@1');
        expect(await meta.findPendingStateAlerts(10)).toEqual([]);

        expect((await meta.findRunById(silent.id))?.state).toBe('crashed');
        expect((await meta.findRunById(preempting.id))?.state).toBe('preempted');
        expect((await meta.findRunById(revived.id))?.state).toBe('running');
        expect(await meta.findStaleRuns(['running', 'preempting'], before)).toEqual([]);
      });
    });

    describe('run files', () => {
      it('upserts by (run, name), keeps the uploaded flag unless given, and lists by name', async () => {
        const { project } = await newProject();
        const { run } = await meta.insertRun(runInput(project.id, 'files'), nameFor);
        const f = await meta.upsertRunFile({ runId: run.id, name: 'b.txt', blobKey: 'k1', sizeBytes: 10, md5: 'm1', mimetype: 'text/plain' });
        expect(f).toMatchObject({ runId: run.id, name: 'b.txt', blobKey: 'k1', sizeBytes: 10, md5: 'm1', uploaded: false });
        await meta.upsertRunFile({ runId: run.id, name: 'a.txt', blobKey: 'k0', sizeBytes: 1, md5: null, mimetype: null, uploaded: true });

        await meta.markRunFilesUploaded(run.id, ['b.txt', 'not-there.txt']);
        expect((await meta.findRunFile(run.id, 'b.txt'))?.uploaded).toBe(true);

        // A re-upload URL request updates size/md5 but must not reset "uploaded" it was not told about.
        const again = await meta.upsertRunFile({ runId: run.id, name: 'b.txt', blobKey: 'k2', sizeBytes: 20, md5: 'm2', mimetype: null });
        expect(again).toMatchObject({ blobKey: 'k2', sizeBytes: 20, md5: 'm2', mimetype: null, uploaded: true });
        const reset = await meta.upsertRunFile({ runId: run.id, name: 'b.txt', blobKey: 'k2', sizeBytes: 20, md5: 'm2', mimetype: null, uploaded: false });
        expect(reset.uploaded).toBe(false);

        expect((await meta.listRunFiles(run.id)).map((x) => x.name)).toEqual(['a.txt', 'b.txt']);
        expect(await meta.findRunFile(run.id, 'missing')).toBeNull();
        await meta.markRunFilesUploaded(run.id, []);
      });
    });
  });
}
