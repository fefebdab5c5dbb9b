import { describe, expect, it } from 'vitest';
import { runSetFilter, runSetOrder } from './runset-filter';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const leaf = (section: string, name: string, op: string, value: unknown, extra: Record<string, unknown> = {}) =>
  ({ key: { section, name }, op, value, disabled: false, ...extra });
const v2 = (...filters: unknown[]) => ({ filterFormat: 'filterV2', filters });

describe('runSetFilter', () => {
  it('maps each operator wandb-workspaces writes to the runs query', () => {
    const one = (l: unknown) => runSetFilter(v2(l), NOW);
    expect(one(leaf('config', 'lr', '=', 0.01))).toEqual({ filter: { 'config.lr': { $eq: 0.01 } }, unsupported: [] });
    expect(one(leaf('config', 'opt', '==', null)).filter).toEqual({ 'config.opt': { $eq: null } });
    expect(one(leaf('run', 'displayName', '!=', 'x')).filter).toEqual({ display_name: { $ne: 'x' } });
    expect(one(leaf('summary', 'acc', '<', 1)).filter).toEqual({ 'summary_metrics.acc': { $lt: 1 } });
    expect(one(leaf('summary', 'acc', '<=', 1)).filter).toEqual({ 'summary_metrics.acc': { $lte: 1 } });
    expect(one(leaf('summary', 'acc', '>', 1)).filter).toEqual({ 'summary_metrics.acc': { $gt: 1 } });
    expect(one(leaf('summary', 'acc', '>=', 1)).filter).toEqual({ 'summary_metrics.acc': { $gte: 1 } });
    expect(one(leaf('run', 'tags', 'IN', ['a', 'b'])).filter).toEqual({ tags: { $in: ['a', 'b'] } });
    expect(one(leaf('config', 'a', 'NIN', [1, 2])).filter).toEqual({ 'config.a': { $nin: [1, 2] } });
    expect(one(leaf('run', 'createdAt', 'WITHINSECONDS', 3600)).filter).toEqual({ createdAt: { $gte: '2026-11-26T11:00:00.000Z' } });
    expect(one(leaf('run', 'state', '=', 'finished')).filter).toEqual({ state: { $eq: 'finished' } });
    // The "tags" section names one tag, valued true (has it) or false.
    expect(one(leaf('tags', 'best', '=', true)).filter).toEqual({ tags: 'best' });
    expect(one(leaf('tags', 'best', '=', false)).filter).toEqual({ tags: { $ne: 'best' } });
  });

  it('filterV2: AND binds tighter than OR; groups nest', () => {
    // Config('lr') = 0.01 or Summary('acc') >= 0.5 and Tags() in ['a'] (exactly what wandb-workspaces writes)
    expect(runSetFilter(v2(
      leaf('config', 'lr', '=', 0.01),
      leaf('summary', 'acc', '>=', 0.5, { connector: 'OR' }),
      leaf('run', 'tags', 'IN', ['a'], { connector: 'AND' }),
    ), NOW).filter).toEqual({ $or: [
      { 'config.lr': { $eq: 0.01 } },
      { $and: [{ 'summary_metrics.acc': { $gte: 0.5 } }, { tags: { $in: ['a'] } }] },
    ] });
    // A and (B or C)
    expect(runSetFilter(v2(
      leaf('run', 'state', '=', 'finished'),
      { connector: 'AND', filters: [leaf('config', 'a', '=', 1), leaf('config', 'a', '=', 2, { connector: 'OR' })] },
    ), NOW).filter).toEqual({ $and: [
      { state: { $eq: 'finished' } },
      { $or: [{ 'config.a': { $eq: 1 } }, { 'config.a': { $eq: 2 } }] },
    ] });
  });

  it('the older tree format: nested AND/OR', () => {
    const tree = { op: 'OR', filters: [
      { op: 'AND', filters: [leaf('config', 'lr', '>=', 0.1), leaf('run', 'state', '=', 'finished')] },
      { op: 'AND', filters: [leaf('run', 'group', '=', 'g')] },
    ] };
    expect(runSetFilter(tree, NOW).filter).toEqual({ $or: [
      { $and: [{ 'config.lr': { $gte: 0.1 } }, { state: { $eq: 'finished' } }] },
      { group: { $eq: 'g' } },
    ] });
  });

  it('leaves disabled filters out, and no filters means every run', () => {
    expect(runSetFilter(v2(leaf('config', 'lr', '=', 1, { disabled: true }), leaf('config', 'b', '=', 2, { connector: 'AND' })), NOW).filter)
      .toEqual({ 'config.b': { $eq: 2 } });
    // A or (B, disabled) and C → A or C
    expect(runSetFilter(v2(leaf('config', 'a', '=', 1), leaf('config', 'b', '=', 2, { connector: 'OR', disabled: true }),
      leaf('config', 'c', '=', 3, { connector: 'AND' })), NOW).filter).toEqual({ $or: [{ 'config.a': { $eq: 1 } }, { 'config.c': { $eq: 3 } }] });
    expect(runSetFilter({ op: 'OR', filters: [{ op: 'AND', filters: [leaf('config', 'a', '=', 1, { disabled: true })] }] }, NOW))
      .toEqual({ filter: undefined, unsupported: [] });
    expect(runSetFilter(v2(), NOW)).toEqual({ filter: undefined, unsupported: [] });
    expect(runSetFilter(null, NOW)).toEqual({ filter: undefined, unsupported: [] });
  });

  it('reports what it cannot apply instead of ignoring it silently', () => {
    const out = runSetFilter(v2(leaf('config', 'a', '=', 1), leaf('config', 'b', 'MATCHES', 'x', { connector: 'AND' }),
      leaf('run', 'duration', '>', 5, { connector: 'AND' }), leaf('keys_info', 'k', '=', 1, { connector: 'AND' })), NOW);
    expect(out.filter).toEqual({ 'config.a': { $eq: 1 } });
    expect(out.unsupported).toHaveLength(3);
    expect(out.unsupported[0]).toContain('operator "MATCHES" is not supported');
    expect(out.unsupported[1]).toContain('run.duration');
    expect(out.unsupported[2]).toContain('keys_info.k');
  });
});

describe('runSetOrder', () => {
  it('uses the first sort key, newest first by default', () => {
    expect(runSetOrder({ keys: [{ key: { section: 'run', name: 'createdAt' }, ascending: false }] })).toBe('-createdAt');
    expect(runSetOrder({ keys: [{ key: { section: 'summary', name: 'loss' }, ascending: true }] })).toBe('+summary_metrics.loss');
    expect(runSetOrder({ keys: [{ key: { section: 'config', name: 'lr' }, ascending: false }] })).toBe('-config.lr');
    expect(runSetOrder({ keys: [{ key: { section: 'run', name: 'tags' }, ascending: true }] })).toBe('-createdAt');
    expect(runSetOrder(null)).toBe('-createdAt');
  });
});
