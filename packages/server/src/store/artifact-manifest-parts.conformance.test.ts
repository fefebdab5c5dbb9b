import type { ProjectId } from '@cairn/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore, NewArtifact } from '../core/ports.js';
import { KyselyArtifactStore } from './artifact-store.js';
import { sqlBackends } from './sql-backends.test-support.js';

// Incremental and distributed artifacts in the store: partial manifests, one pending version per distributed id.
for (const backend of sqlBackends()) {
  describe(`ArtifactStore partial manifests and distributed versions: ${backend.name}`, () => {
    let store: ArtifactStore;
    let dispose: () => Promise<void>;
    const projectId = 1 as ProjectId;

    beforeEach(async () => {
      const opened = await backend.open();
      store = new KyselyArtifactStore(opened.sqlDb);
      dispose = opened.dispose;
    });
    afterEach(() => dispose());

    async function sequence(name = 'preds') {
      const type = await store.ensureType(projectId, 'dataset');
      return { type, seq: await store.ensureSequence(projectId, type.id, name, null) };
    }
    const pending = (seqId: number, typeId: number, extra: Partial<NewArtifact> = {}): NewArtifact => ({
      projectId, sequenceId: seqId, typeId, digest: '0'.repeat(32), description: null, metadata: null, ttlSeconds: null,
      ttlInherited: true, historyStep: null, createdByRunId: null, clientId: null, distributedId: null, requestedAliases: [], tags: [],
      ...extra,
    });

    it('lands writers that race on one distributed id in one pending version, with all their aliases and tags', async () => {
      const { type, seq } = await sequence();
      const writers = await Promise.all(['a', 'b', 'c', 'd'].map((w) =>
        store.insertArtifact(pending(seq.id, type.id, { distributedId: 'job-1', requestedAliases: [`by-${w}`], tags: [`t-${w}`] }))));
      expect(new Set(writers.map((a) => a.id)).size).toBe(1);
      const shared = (await store.findDistributed(seq.id, 'job-1'))!;
      expect(shared.id).toBe(writers[0]!.id);
      expect([...shared.requestedAliases].sort()).toEqual(['by-a', 'by-b', 'by-c', 'by-d']);
      expect(await store.listTags(shared.id)).toEqual(['t-a', 't-b', 't-c', 't-d']);
      // Another distributed id, or the same id in another collection, is another version.
      const other = await store.insertArtifact(pending(seq.id, type.id, { distributedId: 'job-2' }));
      const { seq: seq2 } = await sequence('other');
      const elsewhere = await store.insertArtifact(pending(seq2.id, type.id, { distributedId: 'job-1' }));
      expect(new Set([shared.id, other.id, elsewhere.id]).size).toBe(3);
      // Plain versions never share.
      const plain = await Promise.all([1, 2].map(() => store.insertArtifact(pending(seq.id, type.id))));
      expect(plain[0]!.id).not.toBe(plain[1]!.id);
    });

    it('finds the finished version of a distributed id, and a new pending one may follow only once it is deleted', async () => {
      const { type, seq } = await sequence();
      const first = await store.insertArtifact(pending(seq.id, type.id, { distributedId: 'job' }));
      await store.commit(first.id, [], 'c1');
      expect((await store.findDistributed(seq.id, 'job'))).toMatchObject({ id: first.id, state: 'COMMITTED', versionIndex: 0 });
      await store.markDeleted(first.id);
      expect(await store.findDistributed(seq.id, 'job')).toBeNull();
      const again = await store.insertArtifact(pending(seq.id, type.id, { distributedId: 'job' }));
      expect(again.id).not.toBe(first.id);
      expect((await store.findDistributed(seq.id, 'job'))?.id).toBe(again.id);
    });

    it('keeps partial manifests in creation order, updates their digest, and drops them on purge', async () => {
      const { type, seq } = await sequence();
      const a = await store.insertArtifact(pending(seq.id, type.id));
      const b = await store.insertArtifact(pending(seq.id, type.id));
      const p1 = await store.insertManifestPart({ artifactId: a.id, type: 'PATCH', name: 'wandb_manifest.patch.json', digest: '', blobKey: 'k1', baseArtifactId: null });
      await store.insertManifestPart({ artifactId: b.id, type: 'PATCH', name: 'wandb_manifest.patch.json', digest: '', blobKey: 'kb', baseArtifactId: null });
      const p2 = await store.insertManifestPart({ artifactId: a.id, type: 'INCREMENTAL', name: 'wandb_manifest.incremental.json', digest: 'd', blobKey: 'k2', baseArtifactId: 7 });
      await store.updateManifestPartDigest(p1.id, 'final');
      expect(await store.findManifestPart(p1.id)).toEqual({ ...p1, digest: 'final' });
      expect(await store.findManifestPart(999_999)).toBeNull();
      expect((await store.listManifestParts(a.id)).map((p) => [p.id, p.blobKey, p.baseArtifactId])).toEqual([[p1.id, 'k1', null], [p2.id, 'k2', 7]]);
      await store.markDeleted(a.id);
      await store.purge(a.id);
      expect(await store.listManifestParts(a.id)).toEqual([]);
      expect(await store.listManifestParts(b.id)).toHaveLength(1);
    });

    it('commits a merged manifest with its digest in the same step, and never re-commits', async () => {
      const { type, seq } = await sequence();
      const a = await store.insertArtifact(pending(seq.id, type.id, { digest: 'f'.repeat(32) }));
      const merged = { digest: 'a'.repeat(32), manifest: { artifactId: a.id, type: 'FULL', name: 'wandb_manifest.json', digest: 'm', blobKey: 'artifacts/x', baseArtifactId: null } };
      const files = [{ name: 'x.txt', digest: 'ZGlnZXN0ZGlnZXN0ZGlnZQ==', size: 3, ref: null, birthArtifactId: a.id }];
      const committed = await store.commit(a.id, files, 'c1', merged);
      expect(committed).toMatchObject({ state: 'COMMITTED', digest: 'a'.repeat(32), versionIndex: 0, size: 3, fileCount: 1 });
      expect(await store.findManifest(a.id)).toEqual(merged.manifest);
      expect((await store.findCommittedByDigest(seq.id, 'a'.repeat(32)))?.id).toBe(a.id);
      const again = await store.commit(a.id, [], 'c2', { ...merged, digest: 'b'.repeat(32) });
      expect(again).toMatchObject({ digest: 'a'.repeat(32), commitHash: 'c1', fileCount: 1 });
      // Without a merged manifest the client's digest stays.
      const plain = await store.insertArtifact(pending(seq.id, type.id, { digest: 'c'.repeat(32) }));
      expect((await store.commit(plain.id, [], 'c3')).digest).toBe('c'.repeat(32));
    });
  });
}
