import type { EntityId, ProjectId } from '@cairn/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRunFilter, parseRunOrder } from '../core/run-filter.js';
import { KyselyMetaStore } from './meta-store.js';
import { sqlBackends } from './sql-backends.test-support.js';

const runs = [
  { name: 'a', state: 'finished', tags: ['base', 'x'], config: { lr: 0.1, opt: { beta: 0.9 } }, summary: '{"loss": 0.5, "acc": 0.8}', group: 'g1' },
  { name: 'b', state: 'crashed', tags: ['x'], config: { lr: 0.01 }, summary: '{"loss": 0.2, "acc": NaN}', group: 'g1' },
  { name: 'c', state: 'finished', tags: [], config: { lr: 0.001, note: 'hi' }, summary: '{"loss": Infinity}', group: 'g2' },
  { name: 'd', state: 'running', tags: ['base'], config: {}, summary: '{"loss": "n/a"}', group: null },
];

for (const backend of sqlBackends()) {
  describe(`run queries: ${backend.name}`, () => {
    let meta: KyselyMetaStore;
    let dispose: () => Promise<void>;
    let projectId: ProjectId;

    beforeEach(async () => {
      const opened = await backend.open();
      meta = new KyselyMetaStore(opened.sqlDb);
      dispose = opened.dispose;
      const user = await meta.createUser({ username: 'u', email: null, admin: false });
      projectId = (await meta.ensureProject(user.entityId as EntityId, 'p')).id;
      for (const r of runs) {
        const config = JSON.stringify(Object.fromEntries(Object.entries(r.config).map(([k, v]) => [k, { value: v }])));
        await meta.insertRun({
          projectId, name: r.name, userId: user.id, state: r.state as 'finished', tags: r.tags, config, summary: r.summary,
          groupName: r.group,
        }, (n) => `run-${n}`);
      }
    });
    afterEach(() => dispose());

    const names = async (filter: unknown, order = '+created_at') =>
      (await meta.queryRuns(projectId, { filter: parseRunFilter(JSON.stringify(filter)), order: parseRunOrder(order), offset: 0, limit: 100 }))
        .map((r) => r.name);

    it('filters on columns, tags, config and summary with Mongo semantics', async () => {
      expect(await names({ state: 'finished' })).toEqual(['a', 'c']);
      expect(await names({ state: { $ne: 'finished' } })).toEqual(['b', 'd']);
      expect(await names({ tags: 'base' })).toEqual(['a', 'd']);
      expect(await names({ tags: { $in: ['x', 'zzz'] } })).toEqual(['a', 'b']);
      expect(await names({ tags: { $nin: ['x'] } })).toEqual(['c', 'd']);
      expect(await names({ 'config.lr': { $lt: 0.05 } })).toEqual(['b', 'c']);
      expect(await names({ 'config.lr.value': 0.1 })).toEqual(['a']);
      expect(await names({ 'config.opt.beta': { $gte: 0.9 } })).toEqual(['a']);
      expect(await names({ 'config.note': { $exists: true } })).toEqual(['c']);
      expect(await names({ 'summary_metrics.loss': { $lt: 0.4 } })).toEqual(['b']); // "n/a", Infinity do not compare
      expect(await names({ 'summary_metrics.loss': { $gt: 100 } })).toEqual([]); // Infinity is stored as null
      expect(await names({ 'summary_metrics.loss': 'n/a' })).toEqual(['d']);
      expect(await names({ 'summary_metrics.acc': null })).toEqual(['b', 'c', 'd']); // NaN → null, missing
      expect(await names({ group: null })).toEqual(['d']);
      expect(await names({ $or: [{ group: 'g2' }, { state: 'running' }] })).toEqual(['c', 'd']);
      expect(await names({ $nor: [{ group: 'g1' }] })).toEqual(['c', 'd']);
      expect(await names({ $and: [{ state: 'finished' }, { 'config.lr': { $gt: 0.01 } }] })).toEqual(['a']);
      expect(await names({ name: { $regex: '^[ab]$' } })).toEqual(['a', 'b']);
      expect(await names({ display_name: { $regex: 'RUN-1', $options: 'i' } })).toEqual(['a']);
      expect(await names({ 'config.note': { $regex: '^h' } })).toEqual(['c']);
      expect(await names({ createdAt: { $gt: '2000-01-01T00:00:00' } })).toEqual(['a', 'b', 'c', 'd']);
      expect(await names({ username: 'u' })).toEqual(['a', 'b', 'c', 'd']);
    });

    it('sorts by summary or config values, numbers first, missing last, stable', async () => {
      expect(await names({}, '-summary_metrics.loss')).toEqual(['a', 'b', 'd', 'c']); // non-numbers last, newest first
      expect(await names({}, '+config.lr')).toEqual(['c', 'b', 'a', 'd']);
      expect((await names({}, '+summary_metrics.loss')).slice(0, 2)).toEqual(['b', 'a']);
    });

    it('counts and pages', async () => {
      expect(await meta.countRuns(projectId, parseRunFilter('{"state": "finished"}'))).toBe(2);
      const page = await meta.queryRuns(projectId, { filter: parseRunFilter('{}'), order: parseRunOrder('+created_at'), offset: 1, limit: 2 });
      expect(page.map((r) => r.name)).toEqual(['b', 'c']);
    });
  });
}
