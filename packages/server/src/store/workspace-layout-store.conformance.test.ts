import type { ProjectId } from '@cairn/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessPolicy } from '../core/access.js';
import { ErrorCodes } from '../core/errors.js';
import type { MetaStore, User } from '../core/ports.js';
import { parseFieldRef, parseRunFilter } from '../core/run-filter.js';
import { WorkspaceLayoutService, type WorkspaceLayout } from '../core/workspace-layouts.js';
import { KyselyMetaStore } from './meta-store.js';
import { sqlBackends } from './sql-backends.test-support.js';
import { KyselyWorkspaceLayoutStore } from './workspace-layout-store.js';

const layout = (over: Partial<WorkspaceLayout> = {}): WorkspaceLayout => ({
  version: 1, panels: { added: ['val/loss'], removed: ['train/acc'], sizes: { 'val/loss': 2 } },
  runColors: { r1: '#0072B2' }, columns: ['config:lr', 'summary:loss'], hiddenRuns: ['r2'], hiddenColumns: ['tags'], ...over,
});

for (const backend of sqlBackends()) {
  describe(`workspace layouts and run groups: ${backend.name}`, () => {
    let meta: MetaStore;
    let layouts: WorkspaceLayoutService;
    let dispose: () => Promise<void>;
    let ada: User;
    let bob: User;
    let projectId: ProjectId;

    beforeEach(async () => {
      const opened = await backend.open();
      dispose = opened.dispose;
      meta = new KyselyMetaStore(opened.sqlDb);
      let clock = Date.UTC(2026, 0, 1);
      layouts = new WorkspaceLayoutService(new AccessPolicy(meta), new KyselyWorkspaceLayoutStore(opened.sqlDb), () => new Date(clock++));
      ada = await meta.createUser({ username: 'ada', email: null, admin: false });
      bob = await meta.createUser({ username: 'bob', email: null, admin: false });
      projectId = (await meta.ensureProject(ada.entityId, 'p')).id;
    });
    afterEach(async () => {
      await meta.close();
      await dispose();
    });

    it('keeps one layout per user and project, replaced whole on save', async () => {
      expect(await layouts.get({ user: ada }, 'ada', 'p')).toEqual({ layout: null, updatedAt: null });
      await layouts.put({ user: ada }, 'ada', 'p', layout());
      const second = layout({ columns: null, runColors: {}, hiddenRuns: [], hiddenColumns: [] });
      await layouts.put({ user: ada }, 'ada', 'p', second);
      const got = await layouts.get({ user: ada }, 'ada', 'p');
      expect(got.layout).toEqual(second);
      // A layout saved before hidden runs and columns existed reads back with none hidden.
      const { hiddenRuns: _r, hiddenColumns: _c, ...older } = layout();
      await layouts.put({ user: ada }, 'ada', 'p', older as WorkspaceLayout);
      expect((await layouts.get({ user: ada }, 'ada', 'p')).layout).toEqual({ ...older, hiddenRuns: [], hiddenColumns: [] });
      expect(got.updatedAt).toEqual(new Date(Date.UTC(2026, 0, 1) + 1));
      await layouts.reset({ user: ada }, 'ada', 'p');
      expect((await layouts.get({ user: ada }, 'ada', 'p')).layout).toBeNull();
    });

    it('refuses a malformed layout and keeps the saved one', async () => {
      await layouts.put({ user: ada }, 'ada', 'p', layout());
      for (const bad of [{ version: 2 }, layout({ runColors: { r1: 'red' } }), { ...layout(), extra: 1 },
        layout({ panels: { added: [], removed: [], sizes: { k: 9 } } })]) {
        await expect(layouts.put({ user: ada }, 'ada', 'p', bad)).rejects.toMatchObject({ code: ErrorCodes.INVALID_INPUT });
      }
      expect((await layouts.get({ user: ada }, 'ada', 'p')).layout).toEqual(layout());
    });

    it('hides a private project from a user who may not read it', async () => {
      await expect(layouts.get({ user: bob }, 'ada', 'p')).rejects.toMatchObject({ code: ErrorCodes.ENTITY_NOT_FOUND });
      await expect(layouts.put({ user: bob }, 'ada', 'p', layout())).rejects.toMatchObject({ code: ErrorCodes.ENTITY_NOT_FOUND });
    });

    it('counts runs per value of a column or a config key, typed, within a filter', async () => {
      const runs: [string, string | null, unknown, string][] = [
        ['r1', 'g-a', 0.1, 'finished'], ['r2', 'g-a', 0.01, 'finished'], ['r3', 'g-b', 0.1, 'crashed'], ['r4', null, undefined, 'finished'],
      ];
      for (const [name, group, lr, state] of runs) {
        const { run } = await meta.insertRun({ projectId, name, userId: ada.id, state: state as 'finished' }, () => name);
        await meta.updateRun(run.id, {
          groupName: group, config: JSON.stringify(lr === undefined ? {} : { lr: { value: lr }, flag: { value: name !== 'r2' } }),
        });
      }
      const all = parseRunFilter(null);
      expect(await meta.groupRuns(projectId, all, parseFieldRef('group'), 100)).toEqual([
        { value: 'g-a', count: 2 }, { value: 'g-b', count: 1 }, { value: null, count: 1 },
      ]);
      expect(await meta.groupRuns(projectId, all, parseFieldRef('config.lr'), 100)).toEqual([
        { value: 0.01, count: 1 }, { value: 0.1, count: 2 }, { value: null, count: 1 },
      ]);
      const flags = await meta.groupRuns(projectId, all, parseFieldRef('config.flag'), 100);
      expect(flags).toHaveLength(3);
      expect(flags).toEqual(expect.arrayContaining([{ value: true, count: 2 }, { value: false, count: 1 }, { value: null, count: 1 }]));
      expect(await meta.groupRuns(projectId, parseRunFilter(JSON.stringify({ state: 'finished' })), parseFieldRef('config.lr'), 100)).toEqual([
        { value: 0.01, count: 1 }, { value: 0.1, count: 1 }, { value: null, count: 1 },
      ]);
      await expect(meta.groupRuns(projectId, all, parseFieldRef('tags'), 100)).rejects.toMatchObject({ code: ErrorCodes.INVALID_INPUT });
    });
  });
}
