import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetaStore } from '../core/ports.js';
import { KyselyMetaStore } from './meta-store.js';
import { sqlBackends } from './sql-backends.test-support.js';

for (const backend of sqlBackends()) {
  describe(`project visibility and members: ${backend.name}`, () => {
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

    it('new projects are private; visibility changes persist and show in lookups and listings', async () => {
      const owner = await meta.createUser({ username: 'owner', email: null, admin: false });
      const p = await meta.ensureProject(owner.entityId, 'p');
      expect(p.visibility).toBe('private');
      for (const v of ['organization', 'restricted', 'public', 'private'] as const) {
        expect((await meta.setProjectVisibility(p.id, v)).visibility).toBe(v);
        expect((await meta.findProject(owner.entityId, 'p'))?.visibility).toBe(v);
        expect((await meta.findProjectById(p.id))?.visibility).toBe(v);
      }
      await meta.setProjectVisibility(p.id, 'public');
      await meta.ensureProject(owner.entityId, 'other');
      const listed = await meta.listProjects(owner.entityId);
      expect(listed.map((x) => [x.name, x.visibility]).sort()).toEqual([['other', 'private'], ['p', 'public']]);
      // ensureProject on an existing project keeps its visibility.
      expect((await meta.ensureProject(owner.entityId, 'p')).visibility).toBe('public');
    });

    it('named members: add, change role, list in order, remove; per project; deleted users have none', async () => {
      const owner = await meta.createUser({ username: 'owner', email: null, admin: false });
      const carol = await meta.createUser({ username: 'carol', email: null, admin: false });
      const dave = await meta.createUser({ username: 'dave', email: null, admin: false });
      const p = await meta.ensureProject(owner.entityId, 'p');
      const q = await meta.ensureProject(owner.entityId, 'q');
      expect(await meta.projectRoleOf(p.id, carol.id)).toBeNull();
      await meta.setProjectMember(p.id, carol.id, 'viewer');
      await meta.setProjectMember(p.id, dave.id, 'member');
      await meta.setProjectMember(p.id, carol.id, 'admin'); // a role change, not a second row
      expect(await meta.projectRoleOf(p.id, carol.id)).toBe('admin');
      expect(await meta.projectRoleOf(q.id, carol.id)).toBeNull();
      expect((await meta.listProjectMembers(p.id)).map((m) => [m.user.username, m.role])).toEqual([['carol', 'admin'], ['dave', 'member']]);
      expect(await meta.listProjectMembers(q.id)).toEqual([]);

      await meta.deleteUser(dave.id);
      expect(await meta.projectRoleOf(p.id, dave.id)).toBeNull();
      expect((await meta.listProjectMembers(p.id)).map((m) => m.user.username)).toEqual(['carol']);

      expect(await meta.removeProjectMember(p.id, carol.id)).toBe(true);
      expect(await meta.removeProjectMember(p.id, carol.id)).toBe(false);
      expect(await meta.projectRoleOf(p.id, carol.id)).toBeNull();
    });
  });
}
