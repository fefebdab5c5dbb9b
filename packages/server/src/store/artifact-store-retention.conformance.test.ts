import type { ProjectId } from '@cairn/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore, MetaStore, NewArtifact } from '../core/ports.js';
import { commitVersion, b64, hexOf } from './artifact-fixtures.test-support.js';
import { KyselyArtifactStore } from './artifact-store.js';
import { KyselyMetaStore } from './meta-store.js';
import { sqlBackends } from './sql-backends.test-support.js';

const DAY = 86_400;

for (const backend of sqlBackends()) {
  describe(`ArtifactStore TTL defaults, storage and content scopes: ${backend.name}`, () => {
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

    async function project(name: string) {
      const user = await meta.createUser({ username: `u-${name}`, email: null, admin: false });
      return { entityId: user.entityId, projectId: (await meta.ensureProject(user.entityId, name)).id };
    }

    const version = (projectId: ProjectId, collection: string, files: Record<string, [number, number]>,
      ttl?: Pick<NewArtifact, 'ttlSeconds' | 'ttlInherited'>, refs?: Record<string, number>) => commitVersion(store, projectId, collection, files, ttl, refs);

    it('expires versions by their own TTL, else the collection default, else the project default; 0 means never', async () => {
      const { projectId } = await project('p');
      const plain = await version(projectId, 'plain', { 'a': [1, 1] });
      const short = await version(projectId, 'short', { 'b': [2, 1] });
      const keep = await version(projectId, 'keep', { 'c': [3, 1] });
      const own = await version(projectId, 'plain2', { 'd': [4, 1] }, { ttlSeconds: 10 * DAY, ttlInherited: false });
      const never = await version(projectId, 'plain3', { 'e': [5, 1] }, { ttlSeconds: null, ttlInherited: false });
      await store.setTtlDefault(projectId, 0, 2 * DAY);
      await store.setTtlDefault(projectId, short.sequenceId, DAY);
      await store.setTtlDefault(projectId, keep.sequenceId, 0);
      expect(await store.ttlDefaults(projectId, short.sequenceId)).toEqual({ project: 2 * DAY, collection: DAY, organization: null });
      expect(await store.ttlDefaults(projectId, plain.sequenceId)).toEqual({ project: 2 * DAY, collection: null, organization: null });

      const now = Date.now();
      const expiredAt = async (days: number) => (await store.findExpired(now + days * DAY * 1000, 100)).map((a) => a.id).sort();
      expect(await expiredAt(0.5)).toEqual([]);
      expect(await expiredAt(1.5)).toEqual([short.artifact.id]);
      expect(await expiredAt(2.5)).toEqual([plain.artifact.id, short.artifact.id].sort());
      expect(await expiredAt(11)).toEqual([plain.artifact.id, short.artifact.id, own.artifact.id].sort());
      // Removing the collection's "never" lets the project default through; nothing else ever expires `never`.
      await store.setTtlDefault(projectId, keep.sequenceId, null);
      expect(await expiredAt(1000)).toEqual([plain.artifact.id, short.artifact.id, keep.artifact.id, own.artifact.id].sort());
      expect((await store.findArtifact(never.artifact.id))?.ttlInherited).toBe(false);

      // Switching a version to inherit (and back to its own "none") takes effect at once.
      await store.updateArtifact(never.artifact.id, { ttl: { seconds: null, inherited: true } });
      expect(await expiredAt(2.5)).toContain(never.artifact.id);
      await store.updateArtifact(never.artifact.id, { ttl: { seconds: null, inherited: false } });
      expect(await expiredAt(1000)).not.toContain(never.artifact.id);
    });

    it('counts storage per project and collection: logical as logged, stored once per content, live versions only', async () => {
      const { projectId } = await project('p');
      const other = await project('q');
      await version(projectId, 'm1', { 'shared': [1, 1000], 'one': [2, 10] }, undefined, { 'ref': 5000 });
      await version(projectId, 'm1', { 'shared': [1, 1000], 'one': [3, 20] });
      await version(projectId, 'm2', { 'shared': [1, 1000] });
      const gone = await version(projectId, 'm3', { 'x': [4, 77] });
      await store.markDeleted(gone.artifact.id);
      await version(other.projectId, 'n', { 'shared': [1, 1000] });
      // Claimed but never stored (an upload that died): counted nowhere.
      await store.claimContent(hexOf(99), gone.artifact.id);

      const usage = await store.storageUsage(projectId);
      // The reference's 5000 bytes count as logged (the version's size) but are not stored here.
      expect(usage).toEqual({
        logicalBytes: 1010 + 5000 + 1020 + 1000, storedBytes: 1000 + 10 + 20,
        collections: [
          { name: 'm1', logicalBytes: 1010 + 5000 + 1020, storedBytes: 1030, versions: 2 },
          { name: 'm2', logicalBytes: 1000, storedBytes: 1000, versions: 1 },
        ],
      });
      const report = await store.storageReport();
      const row = (project: string, collection: string | null) => report.find((r) => r.project === project && r.collection === collection);
      expect(row('p', null)).toMatchObject({ entity: 'u-p', logicalBytes: usage.logicalBytes, storedBytes: usage.storedBytes, versions: 3 });
      expect(row('p', 'm1')).toMatchObject({ logicalBytes: 7030, storedBytes: 1030, versions: 2 });
      expect(row('p', 'm3')).toBeUndefined();
      expect(row('q', null)).toMatchObject({ entity: 'u-q', logicalBytes: 1000, storedBytes: 1000, versions: 1 });
    });

    it('finds content only in live versions of the scope asked about', async () => {
      const { entityId, projectId } = await project('p');
      const other = await project('q');
      const v = await version(projectId, 'm1', { 'f': [1, 42] });
      await version(other.projectId, 'n', { 'g': [2, 7] });
      expect(await store.contentHeld(b64(hexOf(1)), { artifactId: v.artifact.id })).toEqual({ size: 42 });
      expect(await store.contentHeld(b64(hexOf(1)), { collectionId: v.sequenceId })).toEqual({ size: 42 });
      expect(await store.contentHeld(b64(hexOf(1)), { entityId })).toEqual({ size: 42 });
      expect(await store.contentHeld(b64(hexOf(2)), { entityId })).toBeNull();
      expect(await store.contentHeld(b64(hexOf(1)), { entityId: other.entityId })).toBeNull();
      await store.markDeleted(v.artifact.id);
      expect(await store.contentHeld(b64(hexOf(1)), { artifactId: v.artifact.id })).toBeNull();
      expect(await store.contentHeld(b64(hexOf(1)), { entityId })).toBeNull();
    });

    it('gives bytes that were claimed but never stored to the next claimant as birth artifact', async () => {
      const { projectId } = await project('p');
      const first = await version(projectId, 'a', { 'x': [1, 1] });
      await store.claimContent(hexOf(5), first.artifact.id);       // an upload that never arrived
      const second = await version(projectId, 'b', { 'y': [5, 3] }); // claims, stores and commits it
      expect((await store.findContent(hexOf(5)))?.birthArtifactId).toBe(second.artifact.id);
      // Stored bytes keep their birth whoever claims them later.
      await store.claimContent(hexOf(5), first.artifact.id);
      expect((await store.findContent(hexOf(5)))?.birthArtifactId).toBe(second.artifact.id);
    });
  });
}
