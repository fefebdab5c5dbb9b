import type { ProjectId } from '@cairn/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { effectiveTtl } from '../core/artifact-ttl.js';
import type { ArtifactStore, MetaStore } from '../core/ports.js';
import { storageHistory } from '../core/storage-history.js';
import { commitVersion } from './artifact-fixtures.test-support.js';
import { KyselyArtifactStore } from './artifact-store.js';
import { KyselyMetaStore } from './meta-store.js';
import { sqlBackends } from './sql-backends.test-support.js';

const DAY = 86_400;

for (const backend of sqlBackends()) {
  describe(`ArtifactStore organization TTL default and storage history: ${backend.name}`, () => {
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

    /** A committed, TTL-inheriting version of `collection` holding files (content number → size), named f0, f1… */
    const version = (projectId: ProjectId, collection: string, files: [number, number][]) =>
      commitVersion(store, projectId, collection, Object.fromEntries(files.map((f, i) => [`f${i}`, f])));

    it("expires a team project's inheriting versions by the organization default, below project defaults; personal projects are not reached", async () => {
      const org = await meta.createOrganization({ name: 'acme', entityName: 'acme' });
      const team = await meta.createTeam('vision', org.id);
      const user = await meta.createUser({ username: 'pat', email: null, admin: false });
      await meta.setEntityOrganization(user.entityId, org.id);
      const teamProject = (await meta.ensureProject(team.id, 'p')).id;
      const optedOut = (await meta.ensureProject(team.id, 'keep')).id;
      const orgProject = (await meta.ensureProject(org.entityId, 'q')).id;
      const personal = (await meta.ensureProject(user.entityId, 'mine')).id;
      const inTeam = await version(teamProject, 'data', [[1, 10]]);
      const kept = await version(optedOut, 'data', [[2, 10]]);
      const inOrg = await version(orgProject, 'data', [[3, 10]]);
      const mine = await version(personal, 'data', [[4, 10]]);
      await store.setTtlDefault(optedOut, 0, 0);

      expect(await store.orgTtlDefault(org.id)).toBeNull();
      await store.setOrgTtlDefault(org.id, DAY);
      expect(await store.orgTtlDefault(org.id)).toBe(DAY);
      expect(await store.ttlDefaults(teamProject, inTeam.sequenceId)).toEqual({ project: null, collection: null, organization: DAY });
      expect(await store.ttlDefaults(personal, mine.sequenceId)).toEqual({ project: null, collection: null, organization: null });
      // Project default 0 ("never") is nearer than the organization's.
      expect(effectiveTtl({ inherited: true, seconds: null }, await store.ttlDefaults(optedOut, kept.sequenceId))).toBeNull();

      const later = Date.now() + 2 * DAY * 1000;
      expect((await store.findExpired(Date.now(), 100)).map((a) => a.id)).toEqual([]);
      expect((await store.findExpired(later, 100)).map((a) => a.id).sort()).toEqual([inTeam.artifact.id, inOrg.artifact.id].sort());

      await store.setOrgTtlDefault(org.id, null);
      expect(await store.orgTtlDefault(org.id)).toBeNull();
      expect(await store.findExpired(later, 100)).toEqual([]);
    });

    it('rebuilds logical and deduplicated bytes over time, dropping when a version is deleted, and keeps logical history after purge', async () => {
      const user = await meta.createUser({ username: 'sam', email: null, admin: false });
      const projectId = (await meta.ensureProject(user.entityId, 'p')).id;
      // v0 holds contents 1 (100 B) and 2 (50 B); v1 shares 1 and adds 3 (30 B).
      const v0 = await version(projectId, 'data', [[1, 100], [2, 50]]);
      const v1 = await version(projectId, 'data', [[1, 100], [3, 30]]);
      const now = Date.now() + 60_000;
      let h = storageHistory(await store.storageSpans(projectId), now);
      expect(h.logical.at(-1)).toBe(280);
      expect(h.stored.at(-1)).toBe(180);
      expect(h.t.at(-1)).toBe(now);

      const deletedAt = now - 30_000;
      await store.softDelete(v0.artifact.id, deletedAt);
      h = storageHistory(await store.storageSpans(projectId), now);
      // Content 2 was only v0's: released; content 1 stays with v1.
      expect(h.logical.at(-1)).toBe(130);
      expect(h.stored.at(-1)).toBe(130);
      expect(Math.max(...h.stored)).toBe(180);
      const i = h.t.indexOf(deletedAt);
      expect(i).toBeGreaterThan(0);
      expect([h.logical[i - 1], h.logical[i]]).toEqual([280, 130]);

      await store.purge(v0.artifact.id);
      h = storageHistory(await store.storageSpans(projectId), now);
      expect(Math.max(...h.logical)).toBe(280);
      expect(h.logical.at(-1)).toBe(130);
      expect(h.stored.at(-1)).toBe(130);
      expect(v1.artifact.state).toBe('COMMITTED');
    });
  });
}
