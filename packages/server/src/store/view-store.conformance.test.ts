import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessPolicy } from '../core/access.js';
import type { Viewer } from '../core/auth.js';
import { DomainError } from '../core/errors.js';
import type { MetaStore } from '../core/ports.js';
import { ReportService } from '../core/reports.js';
import { KyselyMetaStore } from './meta-store.js';
import { sqlBackends } from './sql-backends.test-support.js';
import { KyselyViewStore } from './view-store.js';

const codeOf = async (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof DomainError ? e.code : String(e)));

// A spec with what must survive byte for byte: key order, spacing, unicode, escapes, big numbers.
const SPEC = '{"version": 5, "blocks":[{"type":"heading","children":[{"text":"Ünïcode ✓ \\u00e9"}]}],  "z": 1e400, "a": 12345678901234567890}';

for (const backend of sqlBackends()) {
  describe(`reports (views): ${backend.name}`, () => {
    let meta: MetaStore;
    let reports: ReportService;
    let dispose: () => Promise<void>;
    let ada: Viewer;
    let bob: Viewer;
    let clock: number;

    beforeEach(async () => {
      const opened = await backend.open();
      dispose = opened.dispose;
      meta = new KyselyMetaStore(opened.sqlDb);
      clock = Date.UTC(2026, 0, 1);
      reports = new ReportService(meta, new AccessPolicy(meta), new KyselyViewStore(opened.sqlDb), () => new Date(clock++));
      ada = { user: await meta.createUser({ username: 'ada', email: null, admin: false }) };
      bob = { user: await meta.createUser({ username: 'bob', email: null, admin: false }) };
      await meta.ensureProject(ada.user.entityId, 'p');
    });
    afterEach(async () => {
      await meta.close();
      await dispose();
    });

    const save = (viewer: Viewer, extra: Record<string, unknown> = {}) =>
      reports.upsert(viewer, { entityName: 'ada', projectName: 'p', displayName: 'R', spec: SPEC, type: 'runs', createdUsing: 'WANDB_SDK', ...extra });

    it('keeps the spec exactly as sent, updates by id or name, and lists newest first', async () => {
      const first = await save(ada, { name: 'n1' });
      expect(first.inserted).toBe(true);
      const read = await reports.get(ada, first.saved.view.id);
      expect(read.view.spec).toBe(SPEC);
      expect(read.view).toMatchObject({ name: 'n1', displayName: 'R', type: 'runs', createdUsing: 'WANDB_SDK', parentId: null });

      const byId = await reports.upsert(ada, { id: first.saved.view.id, displayName: 'R2', spec: '{"b":1}' });
      expect(byId.inserted).toBe(false);
      expect(byId.saved.view).toMatchObject({ id: first.saved.view.id, displayName: 'R2', spec: '{"b":1}', name: 'n1' });
      const byName = await save(ada, { name: 'n1', displayName: 'R3' });
      expect(byName).toMatchObject({ inserted: false, saved: { view: { id: first.saved.view.id, displayName: 'R3', spec: SPEC } } });

      const second = await save(ada);
      expect(second.saved.view.name).toMatch(/^[\w-]{12}$/); // generated
      const { entity, project } = read;
      expect((await reports.list(ada, entity, project)).map((v) => v.view.id)).toEqual([second.saved.view.id, first.saved.view.id]);
      expect((await reports.list(ada, entity, project, { name: 'n1' })).map((v) => v.view.id)).toEqual([first.saved.view.id]);
    });

    it('rejects a spec that is not a JSON object and stores nothing', async () => {
      expect(await codeOf(save(ada, { spec: '{"blocks": [' }))).toBe('INVALID_INPUT');
      expect(await codeOf(save(ada, { spec: '[1]' }))).toBe('INVALID_INPUT');
      const { entity, project } = await reports.get(ada, (await save(ada)).saved.view.id);
      expect(await codeOf(reports.upsert(ada, { id: (await reports.list(ada, entity, project))[0]!.view.id, spec: 'nope' }))).toBe('INVALID_INPUT');
      const left = await reports.list(ada, entity, project);
      expect(left.map((v) => v.view.spec)).toEqual([SPEC]);
    });

    it('hides views from those who may not read the project; readers cannot write', async () => {
      const { saved } = await save(ada);
      expect(await codeOf(reports.get(bob, saved.view.id))).toBe('NOT_FOUND');
      expect(await codeOf(reports.upsert(bob, { id: saved.view.id, spec: '{}' }))).toBe('NOT_FOUND');
      expect(await codeOf(reports.delete(bob, saved.view.id, true))).toBe('NOT_FOUND');
      expect(await codeOf(save(bob))).toBe('ENTITY_NOT_FOUND');
      const team = await meta.createEntity('team', 'team');
      await meta.addMember(team.id, ada.user.id, 'admin');
      await meta.addMember(team.id, bob.user.id, 'viewer');
      await meta.ensureProject(team.id, 'tp');
      const teamReport = await save(ada, { entityName: 'team', projectName: 'tp' });
      expect((await reports.get(bob, teamReport.saved.view.id)).view.spec).toBe(SPEC);
      expect(await codeOf(reports.upsert(bob, { id: teamReport.saved.view.id, spec: '{}' }))).toBe('FORBIDDEN');
      expect(await codeOf(reports.delete(bob, teamReport.saved.view.id, true))).toBe('FORBIDDEN');
    });

    it('drafts: only their author sees them; publishing copies a draft into its parent and removes it', async () => {
      const team = await meta.createEntity('team', 'team');
      await meta.addMember(team.id, ada.user.id, 'member');
      await meta.addMember(team.id, bob.user.id, 'member');
      await meta.ensureProject(team.id, 'tp');
      const published = await save(ada, { entityName: 'team', projectName: 'tp', displayName: 'Pub' });
      const draft = await save(bob, {
        entityName: 'team', projectName: 'tp', type: 'runs/draft', displayName: 'Pub v2', spec: '{"edited":true}', parentId: published.saved.view.id,
      });
      const { entity, project } = published.saved;
      expect(await codeOf(reports.get(ada, draft.saved.view.id))).toBe('NOT_FOUND');
      expect((await reports.list(ada, entity, project, { type: null })).map((v) => v.view.id)).toEqual([published.saved.view.id]);
      expect((await reports.list(bob, entity, project, { type: 'runs/draft' })).map((v) => v.view.id)).toEqual([draft.saved.view.id]);
      // A view with drafts stays unless its drafts go too.
      expect(await reports.delete(ada, published.saved.view.id, false)).toEqual({ success: false, pendingDrafts: true });

      const after = await reports.publish(bob, draft.saved.view.id);
      expect(after.view).toMatchObject({ id: published.saved.view.id, displayName: 'Pub v2', spec: '{"edited":true}', type: 'runs' });
      expect(await codeOf(reports.get(bob, draft.saved.view.id))).toBe('NOT_FOUND');
      expect(await codeOf(reports.publish(bob, published.saved.view.id))).toBe('INVALID_INPUT'); // not a draft

      const standalone = await save(bob, { entityName: 'team', projectName: 'tp', type: 'runs/draft' });
      expect((await reports.publish(bob, standalone.saved.view.id)).view).toMatchObject({ id: standalone.saved.view.id, type: 'runs' });
      expect((await reports.get(ada, standalone.saved.view.id)).view.spec).toBe(SPEC);

      const draft2 = await save(bob, { entityName: 'team', projectName: 'tp', type: 'runs/draft', parentId: published.saved.view.id });
      expect(await reports.delete(ada, published.saved.view.id, true)).toEqual({ success: true, pendingDrafts: false });
      expect(await codeOf(reports.get(bob, draft2.saved.view.id))).toBe('NOT_FOUND');
    });
  });
}
