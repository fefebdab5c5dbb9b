import type { ProjectId, RunId } from '@cairn/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore, MetaStore } from '../core/ports.js';
import { KyselyArtifactStore } from './artifact-store.js';
import { KyselyMetaStore } from './meta-store.js';
import { sqlBackends } from './sql-backends.test-support.js';

const hexOf = (n: number) => n.toString(16).padStart(32, '0');

for (const backend of sqlBackends()) {
  describe(`ArtifactStore collections (rename, retype, tags, delete) and run outputs: ${backend.name}`, () => {
    let meta: MetaStore;
    let store: ArtifactStore;
    let dispose: () => Promise<void>;

    beforeEach(async () => {
      const opened = await backend.open();
      meta = new KyselyMetaStore(opened.sqlDb);
      store = new KyselyArtifactStore(opened.sqlDb);
      dispose = opened.dispose;
    });
    afterEach(async () => {
      await meta.close();
      await dispose();
    });

    async function projectId(name: string): Promise<ProjectId> {
      const user = await meta.createUser({ username: `u-${name}`, email: null, admin: false });
      return (await meta.ensureProject(user.entityId, name)).id;
    }

    async function version(pid: ProjectId, collection: string, type = 'dataset', runId: RunId | null = null) {
      const t = await store.ensureType(pid, type);
      const seq = await store.ensureSequence(pid, t.id, collection, null);
      const a = await store.insertArtifact({
        projectId: pid, sequenceId: seq.id, typeId: t.id, digest: hexOf(Math.floor(Math.random() * 1e9)), description: null,
        metadata: null, historyStep: null, createdByRunId: runId, clientId: null, distributedId: null, requestedAliases: [], tags: [],
        ttlSeconds: null, ttlInherited: true,
      });
      return { artifact: await store.commit(a.id, [], 'c'), sequenceId: seq.id };
    }

    it('renames and describes a collection; a name taken in the project, deleted collections included, is a conflict', async () => {
      const pid = await projectId('p');
      const a = await version(pid, 'a');
      const b = await version(pid, 'b');
      const renamed = await store.updateCollection(a.sequenceId, { name: 'a2', description: '' });
      expect([renamed.name, renamed.description]).toEqual(['a2', '']);
      expect(await store.findCollection(pid, 'a')).toBeNull();
      await expect(store.updateCollection(a.sequenceId, { name: 'b' })).rejects.toMatchObject({ code: 'CONFLICT' });
      await store.markCollectionDeleted(b.sequenceId);
      await expect(store.updateCollection(a.sequenceId, { name: 'b' })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await store.findCollectionById(a.sequenceId))?.name).toBe('a2');
    });

    it('moves a collection and all its versions to another type', async () => {
      const pid = await projectId('p');
      const v0 = await version(pid, 'seq');
      const v1 = await version(pid, 'seq');
      const model = await store.ensureType(pid, 'model');
      const moved = await store.moveCollection(v0.sequenceId, model.id);
      expect(moved.typeId).toBe(model.id);
      for (const v of [v0, v1]) expect((await store.findArtifact(v.artifact.id))?.typeId).toBe(model.id);
      expect((await store.listCollections(pid, model.id)).map((c) => c.name)).toEqual(['seq']);
    });

    it('keeps collection tags as a set', async () => {
      const pid = await projectId('p');
      const { sequenceId } = await version(pid, 'seq');
      await store.addCollectionTags(sequenceId, ['x', 'y', 'x']);
      await store.addCollectionTags(sequenceId, ['y']);
      await store.removeCollectionTags(sequenceId, ['x', 'absent']);
      expect(await store.listCollectionTags(sequenceId)).toEqual(['y']);
    });

    it('hides a deleted sequence until a version is logged under its name or restored', async () => {
      const pid = await projectId('p');
      const v0 = await version(pid, 'seq');
      await store.addCollectionTags(v0.sequenceId, ['t']);
      await store.markDeleted(v0.artifact.id);
      await store.markCollectionDeleted(v0.sequenceId);
      const typeId = v0.artifact.typeId;
      expect(await store.findCollection(pid, 'seq')).toBeNull();
      expect(await store.listProjectCollections(pid)).toEqual([]);
      expect(await store.listCollections(pid, typeId)).toEqual([]);
      expect(await store.listCollectionTags(v0.sequenceId)).toEqual([]);

      expect(await store.restore(v0.artifact.id)).toBe(true);
      expect((await store.findCollection(pid, 'seq'))?.id).toBe(v0.sequenceId);

      await store.markCollectionDeleted(v0.sequenceId);
      // Logged again, under another type: the same sequence comes back with that type.
      const again = await version(pid, 'seq', 'model');
      expect(again.sequenceId).toBe(v0.sequenceId);
      expect((await store.findCollection(pid, 'seq'))?.typeId).toBe(again.artifact.typeId);
    });

    it('lists the versions a run created and those it logged again (dedup) as its outputs, once each', async () => {
      const pid = await projectId('p');
      const first = await meta.insertRun({ projectId: pid, name: 'first', userId: null }, () => 'first');
      const later = await meta.insertRun({ projectId: pid, name: 'later', userId: null }, () => 'later');
      const mine = await version(pid, 'mine', 'dataset', first.run.id);
      const other = await version(pid, 'other', 'dataset', later.run.id);
      await store.recordOutput(later.run.id, mine.artifact.id);
      await store.recordOutput(later.run.id, mine.artifact.id);
      expect((await store.listOutputs(later.run.id)).map((a) => a.id)).toEqual([mine.artifact.id, other.artifact.id]);
      expect((await store.listOutputs(first.run.id)).map((a) => a.id)).toEqual([mine.artifact.id]);
      // A deleted version is nobody's output any more.
      await store.markDeleted(mine.artifact.id);
      expect((await store.listOutputs(later.run.id)).map((a) => a.id)).toEqual([other.artifact.id]);
    });
  });
}
