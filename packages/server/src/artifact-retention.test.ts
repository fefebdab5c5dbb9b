import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ProjectId } from '@cairn/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from './blob/fs.js';
import { ArtifactRetention } from './core/artifact-retention.js';
import { contentKey } from './core/artifacts.js';
import type { Logger } from './core/logger.js';
import type { ArtifactStore, MetaStore } from './core/ports.js';
import { commitVersion, hexOf } from './store/artifact-fixtures.test-support.js';
import { KyselyArtifactStore } from './store/artifact-store.js';
import { KyselyMetaStore } from './store/meta-store.js';
import { sqlBackends } from './store/sql-backends.test-support.js';

const silent: Logger = { info() {}, warn() {}, error() {} };

// Artifact retention over a real store and a real blob store: what a purge releases is deleted through a queue
// written in the purge's transaction, so a process dying between the two leaves work, not orphaned bytes.
for (const backend of sqlBackends()) {
  describe(`ArtifactRetention purge queue: ${backend.name}`, () => {
    let meta: MetaStore;
    let store: ArtifactStore;
    let dispose: () => Promise<void>;
    let root: string;

    beforeEach(async () => {
      const opened = await backend.open();
      meta = new KyselyMetaStore(opened.sqlDb);
      store = new KyselyArtifactStore(opened.sqlDb);
      dispose = opened.dispose;
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-retention-'));
    });
    afterEach(async () => {
      await meta.close();
      await dispose();
      fs.rmSync(root, { recursive: true, force: true });
    });

    async function project(name: string) {
      const user = await meta.createUser({ username: `u-${name}`, email: null, admin: false });
      return (await meta.ensureProject(user.entityId, name)).id;
    }

    const version = async (projectId: ProjectId, collection: string, files: Record<string, [number, number]>) =>
      (await commitVersion(store, projectId, collection, files)).artifact;

    it('deletes released bytes from the queue the purge wrote, also after a process died between purge and delete', async () => {
      const blobs = new FsBlobStore(root);
      const put = (n: number) => blobs.put(contentKey(hexOf(n)), Readable.from([Buffer.from(`bytes ${n}`)]));
      const exists = async (n: number) => (await blobs.head(contentKey(hexOf(n)))) !== null;
      const projectId = await project('p');
      const gone = await version(projectId, 'a', { 'x': [1, 7], 'shared': [2, 7] });
      const revived = await version(projectId, 'b', { 'y': [3, 7] });
      const keeper = await version(projectId, 'c', { 'shared': [2, 7] });
      for (const n of [1, 2, 3]) await put(n);
      const now = Date.now();
      await store.softDelete(gone.id, now - 10_000);
      await store.softDelete(revived.id, now - 10_000);
      // A process purges both versions and dies before touching the blob store.
      await store.purge(gone.id);
      await store.purge(revived.id);
      expect((await store.queuedBlobDeletions(10)).sort()).toEqual([hexOf(1), hexOf(3)]); // 2 is still listed by c
      // Meanwhile a new upload claims content 3 again: its bytes must stay.
      await store.claimContent(hexOf(3), keeper.id);
      const r = await new ArtifactRetention(store, blobs, 1000, silent).run(now);
      expect(r).toMatchObject({ purged: 0, blobsDeleted: 1 });
      expect([await exists(1), await exists(2), await exists(3)]).toEqual([false, true, true]);
      expect(await store.queuedBlobDeletions(10)).toEqual([]);
      // Idempotent: nothing left to do.
      expect(await new ArtifactRetention(store, blobs, 1000, silent).run(now)).toMatchObject({ blobsDeleted: 0 });
    });
  });
}
