import type { EntityId, ProjectId, UserId } from '@cairn/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../core/errors.js';
import type { ArtifactStore, ChangeActor, MetaStore } from '../core/ports.js';
import {
  parseCollectionFilter, parseCollectionOrder, parseRegistryFilter, parseRegistryOrder, parseVersionFilter, parseVersionOrder,
} from '../core/registry-filter.js';
import { KyselyArtifactStore } from './artifact-store.js';
import { KyselyMetaStore } from './meta-store.js';
import { KyselyRegistryStore } from './registry-store.js';
import { sqlBackends } from './sql-backends.test-support.js';
import type { SqlDatabase } from './sql-database.js';

const alice: ChangeActor = { userId: 1 as UserId, username: 'alice' };
const settings = { visibility: 'organization' as const, allowAllTypes: true, artifactTypes: [] };

for (const backend of sqlBackends()) {
  describe(`RegistryStore: ${backend.name}`, () => {
    let sqlDb: SqlDatabase;
    let meta: MetaStore;
    let artifacts: ArtifactStore;
    let store: KyselyRegistryStore;
    let dispose: () => Promise<void>;

    beforeEach(async () => {
      const opened = await backend.open();
      sqlDb = opened.sqlDb;
      meta = new KyselyMetaStore(sqlDb);
      artifacts = new KyselyArtifactStore(sqlDb);
      store = new KyselyRegistryStore(sqlDb);
      dispose = opened.dispose;
    });
    afterEach(async () => {
      await meta.close();
      await dispose();
    });

    /** An org, a team project with committed versions (metadata, tags), and a user. */
    async function world(versions: { meta: Record<string, unknown>; tags: string[]; type?: string }[]) {
      const user = await meta.createUser({ username: 'alice', email: null, admin: false });
      const org = await meta.createOrganization({ name: 'acme', entityName: 'acme' });
      const team = await meta.createTeam('ml', org.id);
      const source = await meta.ensureProject(team.id, 'train');
      const ids: number[] = [];
      for (const [i, v] of versions.entries()) {
        const type = await artifacts.ensureType(source.id, v.type ?? 'model');
        const seq = await artifacts.ensureSequence(source.id, type.id, `${v.type ?? 'model'}-seq`, null);
        const a = await artifacts.insertArtifact({
          projectId: source.id, sequenceId: seq.id, typeId: type.id, digest: String(i).padStart(32, '0'), description: null,
          metadata: JSON.stringify(v.meta), ttlSeconds: null, ttlInherited: true, historyStep: null, createdByRunId: null, clientId: null,
          distributedId: null, requestedAliases: [], tags: v.tags,
        });
        ids.push((await artifacts.commit(a.id, [{ name: 'w', digest: 'd', size: 10 * (i + 1), ref: 's3://b/w', birthArtifactId: null }], `c${i}`, undefined, alice)).id);
      }
      return { user, org, team, source, ids };
    }

    const aliasesIn = async (collectionId: number) => Object.fromEntries(
      (await sqlDb.db.selectFrom('artifact_aliases').select(['alias', 'artifact_id']).where('collection_id', '=', collectionId).execute())
        .map((r) => [r.alias, Number(r.artifact_id)]));

    it('creates registries with settings and their first admin; types are only ever added', async () => {
      const { user, org } = await world([]);
      const p = await store.createRegistry({ entityId: org.entityId, name: 'wandb-registry-vision', description: 'cv', admin: user.id,
        settings: { visibility: 'restricted', allowAllTypes: false, artifactTypes: ['model', 'checkpoint'] } });
      expect(p?.name).toBe('wandb-registry-vision');
      expect(await store.createRegistry({ entityId: org.entityId, name: 'wandb-registry-vision', description: null, admin: null, settings })).toBeNull();
      expect(await store.findSettings(p!.id)).toEqual({ projectId: p!.id, visibility: 'restricted', allowAllTypes: false, artifactTypes: ['checkpoint', 'model'].sort() });
      const saved = await store.saveSettings(p!.id, { visibility: 'organization', addTypes: ['onnx'] }, settings);
      expect(saved.visibility).toBe('organization');
      expect([...saved.artifactTypes].sort()).toEqual(['checkpoint', 'model', 'onnx']);
      expect((await store.listMembers(p!.id)).map((m) => [m.kind, m.memberId, m.role])).toEqual([['user', user.id, 'admin']]);
      // A registry without a settings row gets one from the defaults it is given.
      const bare = await meta.ensureProject(org.entityId, 'wandb-registry-model');
      expect(await store.findSettings(bare.id)).toBeNull();
      expect((await store.saveSettings(bare.id, {}, { visibility: 'organization', allowAllTypes: false, artifactTypes: ['model'] })).artifactTypes).toEqual(['model']);
      const renamed = await store.updateProject(p!.id, { name: 'wandb-registry-cv', description: 'computer vision' });
      expect([renamed.name, renamed.description]).toEqual(['wandb-registry-cv', 'computer vision']);
      await expect(store.updateProject(p!.id, { name: 'wandb-registry-model' })).rejects.toMatchObject({ code: 'CONFLICT' });
    });

    it('keeps user and team members with roles, and answers a user\'s roles through their teams', async () => {
      const { user, org, team } = await world([]);
      const p = (await store.createRegistry({ entityId: org.entityId, name: 'wandb-registry-r', description: null, admin: null, settings }))!;
      expect(await store.setMember(p.id, 'user', user.id, 'viewer')).toBeNull();
      expect(await store.setMember(p.id, 'user', user.id, 'member')).toBe('viewer');
      expect(await store.setMember(p.id, 'team', team.id, 'admin')).toBeNull();
      const roles = await store.memberRoles([p.id], user.id, [team.id as EntityId]);
      expect([...(roles.get(p.id) ?? [])].sort()).toEqual(['admin', 'member']);
      expect((await store.memberRoles([p.id], user.id, [])).get(p.id)).toEqual(['member']);
      expect(await store.removeMember(p.id, 'team', team.id)).toBe('admin');
      expect(await store.removeMember(p.id, 'team', team.id)).toBeNull();
      expect((await store.listMembers(p.id)).map((m) => m.kind)).toEqual(['user']);
    });

    it('links versions as v0, v1, … with latest and unique aliases, never reusing an index; refuses other types', async () => {
      const { org, ids } = await world([{ meta: {}, tags: [] }, { meta: {}, tags: [] }, { meta: {}, tags: [] }, { meta: {}, tags: [], type: 'dataset' }]);
      const reg = (await store.createRegistry({ entityId: org.entityId, name: 'wandb-registry-model', description: null, admin: null, settings }))!;
      const l0 = await store.link({ projectId: reg.id, collectionName: 'churn', typeName: 'model', artifactId: ids[0]!, aliases: ['best'], actor: alice });
      expect([l0.versionIndex, l0.created, l0.collection.kind]).toEqual([0, true, 'portfolio']);
      const l1 = await store.link({ projectId: reg.id, collectionName: 'churn', typeName: 'model', artifactId: ids[1]!, aliases: ['best'], actor: alice });
      expect(l1.versionIndex).toBe(1);
      expect(await aliasesIn(l0.collection.id)).toEqual({ latest: ids[1], best: ids[1] });
      // Linking a member again keeps its index and only moves aliases (latest stays with the newest link).
      const again = await store.link({ projectId: reg.id, collectionName: 'churn', typeName: 'model', artifactId: ids[0]!, aliases: ['best'], actor: alice });
      expect([again.versionIndex, again.created]).toEqual([0, false]);
      expect(await aliasesIn(l0.collection.id)).toEqual({ latest: ids[1], best: ids[0] });
      // Another type into this collection: refused, nothing changes.
      await expect(store.link({ projectId: reg.id, collectionName: 'churn', typeName: 'dataset', artifactId: ids[3]!, aliases: [], actor: alice }))
        .rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect((await artifacts.listVersions(l0.collection.id, 0, 10)).map((v) => v.versionIndex)).toEqual([1, 0]);
      // Unlinking the newest: its aliases go, latest moves back, and the next link is v2 (not v1 again).
      expect(await store.unlink(l0.collection.id, ids[1]!, alice)).toBe(true);
      expect(await store.unlink(l0.collection.id, ids[1]!, alice)).toBe(false);
      expect(await aliasesIn(l0.collection.id)).toEqual({ latest: ids[0], best: ids[0] });
      const l2 = await store.link({ projectId: reg.id, collectionName: 'churn', typeName: 'model', artifactId: ids[2]!, aliases: [], actor: alice });
      expect(l2.versionIndex).toBe(2);
      expect((await store.portfoliosOf(ids[2]!)).map((p) => [p.collection.name, p.versionIndex])).toEqual([['churn', 2]]);
      expect(await store.linkedAt(l0.collection.id, ids[2]!)).toBeInstanceOf(Date);
      expect(await store.typesInUse(reg.id)).toEqual(['model']);
      // Every link and unlink is in the promotion history.
      const events = await sqlDb.db.selectFrom('promotion_events').select(['action', 'to_version', 'from_version']).where('collection_id', '=', l0.collection.id)
        .where('action', 'in', ['link', 'unlink']).orderBy('id').execute();
      expect(events.map((e) => [e.action, e.to_version ?? e.from_version].map((x) => (typeof x === 'string' ? x : Number(x)))))
        .toEqual([['link', 0], ['link', 1], ['unlink', 1], ['link', 2]]);
      // A name that is a sequence in that project is not a portfolio.
      const type = await artifacts.ensureType(reg.id, 'model');
      await artifacts.ensureSequence(reg.id, type.id, 'seq', null);
      await expect(store.link({ projectId: reg.id, collectionName: 'seq', typeName: 'model', artifactId: ids[0]!, aliases: [], actor: alice }))
        .rejects.toBeInstanceOf(DomainError);
      // Deleting the portfolio unlinks everything; the versions stay.
      await store.deletePortfolio(l0.collection.id, alice);
      expect(await artifacts.findCollectionById(l0.collection.id)).toBeNull();
      expect(await store.portfoliosOf(ids[0]!)).toEqual([]);
      expect((await artifacts.findArtifact(ids[0]!))?.state).toBe('COMMITTED');
    });

    it('searches registries, collections and versions with Mongo filters, order and paging', async () => {
      const { org, ids } = await world([
        { meta: { accuracy: 0.8, framework: 'torch', nested: { layers: 3 }, labels: ['a', 'b'] }, tags: ['baseline'] },
        { meta: { accuracy: 0.85, framework: 'sk' }, tags: ['tuned'] },
        { meta: { accuracy: 0.93, framework: 'torch', flag: true }, tags: ['tuned', 'final'] },
      ]);
      const model = (await store.createRegistry({ entityId: org.entityId, name: 'wandb-registry-model', description: 'models', admin: null, settings }))!;
      const other = (await store.createRegistry({ entityId: org.entityId, name: 'wandb-registry-other', description: null, admin: null, settings }))!;
      const hidden = (await store.createRegistry({ entityId: org.entityId, name: 'wandb-registry-hidden', description: null, admin: null, settings }))!;
      const churn = await store.link({ projectId: model.id, collectionName: 'churn', typeName: 'model', artifactId: ids[0]!, aliases: ['best', 'candidate'], actor: alice });
      await store.link({ projectId: model.id, collectionName: 'churn', typeName: 'model', artifactId: ids[1]!, aliases: ['candidate'], actor: alice });
      await store.link({ projectId: model.id, collectionName: 'churn', typeName: 'model', artifactId: ids[2]!, aliases: ['best'], actor: alice });
      await store.link({ projectId: other.id, collectionName: 'fraud', typeName: 'model', artifactId: ids[2]!, aliases: [], actor: alice });
      await store.link({ projectId: hidden.id, collectionName: 'secret', typeName: 'model', artifactId: ids[2]!, aliases: [], actor: alice });
      await artifacts.addCollectionTags(churn.collection.id, ['prod-line']);
      const visible = [model.id, other.id] as ProjectId[];

      const regs = async (filter: unknown, order: string | null = null, offset = 0, limit = 10) => (await store.searchRegistries({
        projectIds: visible, registryFilter: parseRegistryFilter(JSON.stringify(filter)), order: parseRegistryOrder(order), offset, limit,
      })).map((p) => p.name);
      expect(await regs({})).toEqual(['wandb-registry-model', 'wandb-registry-other']); // not the hidden one
      expect(await regs({ name: { $regex: 'oth' } })).toEqual(['wandb-registry-other']);
      expect(await regs({ name: { $contains: 'mod' } })).toEqual(['wandb-registry-model']);
      expect(await regs({ description: { $exists: true } })).toEqual(['wandb-registry-model']);
      expect(await regs({ id: model.id })).toEqual(['wandb-registry-model']);
      expect(await regs({ id: Buffer.from(`Project:${other.id}`).toString('base64') })).toEqual(['wandb-registry-other']);
      expect(await regs({}, '-name')).toEqual(['wandb-registry-other', 'wandb-registry-model']);
      expect(await regs({}, 'name', 1, 1)).toEqual(['wandb-registry-other']);
      expect(await regs({ created_at: { $gt: '2000-01-01' } })).toHaveLength(2);

      const colls = async (registryFilter: unknown, collectionFilter: unknown, order: string | null = null) => (await store.searchCollections({
        projectIds: visible, registryFilter: parseRegistryFilter(JSON.stringify(registryFilter)),
        collectionFilter: parseCollectionFilter(JSON.stringify(collectionFilter)), order: parseCollectionOrder(order), offset: 0, limit: 10,
      })).map((c) => c.name);
      expect(await colls({}, {})).toEqual(['churn', 'fraud']);
      expect(await colls({}, {}, '-name')).toEqual(['fraud', 'churn']);
      expect(await colls({ name: 'wandb-registry-other' }, {})).toEqual(['fraud']);
      expect(await colls({}, { tag: 'prod-line' })).toEqual(['churn']);
      expect(await colls({}, { tag: { $exists: false } })).toEqual(['fraud']);
      expect(await colls({}, { type: 'model', name: { $in: ['fraud', 'x'] } })).toEqual(['fraud']);
      expect(await store.countCollections({ projectIds: visible, registryFilter: parseRegistryFilter('{}'), collectionFilter: parseCollectionFilter('{}') })).toBe(2);

      const vers = async (filter: unknown, order: string | null = null, collectionFilter: unknown = { name: 'churn' }) => (await store.searchVersions({
        projectIds: visible, registryFilter: parseRegistryFilter('{}'), collectionFilter: parseCollectionFilter(JSON.stringify(collectionFilter)),
        versionFilter: parseVersionFilter(JSON.stringify(filter)), order: parseVersionOrder(order), offset: 0, limit: 10,
      })).map((v) => `${v.collection.name}:v${v.versionIndex}`);
      expect(await vers({})).toEqual(['churn:v0', 'churn:v1', 'churn:v2']);
      expect(await vers({ 'metadata.accuracy': { $gt: 0.9 } })).toEqual(['churn:v2']);
      expect(await vers({ 'metadata.accuracy': { $gte: 0.8, $lt: 0.9 } })).toEqual(['churn:v0', 'churn:v1']);
      expect(await vers({ 'metadata.framework': 'torch' })).toEqual(['churn:v0', 'churn:v2']);
      expect(await vers({ 'metadata.framework': { $ne: 'torch' } })).toEqual(['churn:v1']);
      expect(await vers({ 'metadata.nested.layers': 3 })).toEqual(['churn:v0']);
      expect(await vers({ 'metadata.flag': true })).toEqual(['churn:v2']);
      expect(await vers({ 'metadata.flag': { $exists: false } })).toEqual(['churn:v0', 'churn:v1']);
      expect(await vers({ 'metadata.labels': { $all: ['a', 'b'] } })).toEqual(['churn:v0']);
      expect(await vers({ 'metadata.framework': { $regex: '^TO', $options: 'i' } })).toEqual(['churn:v0', 'churn:v2']);
      expect(await vers({ 'metadata.framework': { $contains: 'k' } })).toEqual(['churn:v1']);
      expect(await vers({ tag: 'tuned' })).toEqual(['churn:v1', 'churn:v2']);
      expect(await vers({ tag: { $all: ['tuned', 'final'] } })).toEqual(['churn:v2']);
      expect(await vers({ tag: { $nin: ['tuned'] } })).toEqual(['churn:v0']);
      expect(await vers({ alias: 'best' })).toEqual(['churn:v2']);
      expect(await vers({ alias: { $in: ['candidate', 'latest'] } })).toEqual(['churn:v1', 'churn:v2']);
      expect(await vers({ alias: { $exists: false } })).toEqual(['churn:v0']);
      expect(await vers({ version: 'v1' })).toEqual(['churn:v1']);
      expect(await vers({ version: { $gte: 1 } })).toEqual(['churn:v1', 'churn:v2']);
      expect(await vers({ id: Buffer.from(`Artifact:${ids[1]}`).toString('base64') })).toEqual(['churn:v1']);
      expect(await vers({ $or: [{ 'metadata.framework': 'sk' }, { tag: 'baseline' }] })).toEqual(['churn:v0', 'churn:v1']);
      expect(await vers({ $nor: [{ 'metadata.framework': 'sk' }] })).toEqual(['churn:v0', 'churn:v2']);
      expect(await vers({ $not: { tag: 'tuned' } })).toEqual(['churn:v0']);
      expect(await vers({ 'metadata.framework': { $not: { $eq: 'torch' } } })).toEqual(['churn:v1']);
      expect(await vers({}, '-artifact_size')).toEqual(['churn:v2', 'churn:v1', 'churn:v0']);
      expect(await vers({}, '-linked_at')).toHaveLength(3);
      // Across registries: the same version in two visible collections; the hidden one never shows.
      expect(await vers({ 'metadata.flag': true }, null, {})).toEqual(['churn:v2', 'fraud:v0']);
      expect(await store.countVersions({ projectIds: visible, registryFilter: parseRegistryFilter('{}'), collectionFilter: parseCollectionFilter('{}'),
        versionFilter: parseVersionFilter('{"tag": "tuned"}') })).toBe(3);
      expect(await store.searchVersions({ projectIds: [], registryFilter: parseRegistryFilter('{}'), collectionFilter: parseCollectionFilter('{}'),
        versionFilter: parseVersionFilter('{}'), order: null, offset: 0, limit: 10 })).toEqual([]);
      // User values are data, never SQL.
      expect(await vers({ 'metadata.framework': "torch' OR 1=1 --" })).toEqual([]);
      expect(await regs({ name: "x'); DROP TABLE projects; --" })).toEqual([]);
      expect(await regs({})).toHaveLength(2);
    });

    it('deletes an empty registry with its collections, members and settings; refuses one holding its own data', async () => {
      const { user, org, ids } = await world([{ meta: {}, tags: [] }]);
      const reg = (await store.createRegistry({ entityId: org.entityId, name: 'wandb-registry-tmp', description: null, admin: user.id, settings }))!;
      const link = await store.link({ projectId: reg.id, collectionName: 'c', typeName: 'model', artifactId: ids[0]!, aliases: ['x'], actor: alice });
      expect(await store.deleteRegistry(reg.id)).toBe('deleted');
      expect(await meta.findProjectById(reg.id)).toBeNull();
      expect(await artifacts.findCollectionById(link.collection.id)).toBeNull();
      expect(await store.findSettings(reg.id)).toBeNull();
      expect(await store.listMembers(reg.id)).toEqual([]);
      expect((await artifacts.findArtifact(ids[0]!))?.state).toBe('COMMITTED');
      const withRuns = (await store.createRegistry({ entityId: org.entityId, name: 'wandb-registry-runs', description: null, admin: null, settings }))!;
      await meta.insertRun({ projectId: withRuns.id, name: 'r', userId: user.id }, () => 'r-1');
      expect(await store.deleteRegistry(withRuns.id)).toBe('not-empty');
      expect(await meta.findProjectById(withRuns.id)).not.toBeNull();
    });
  });
}
