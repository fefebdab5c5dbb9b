import { describe, expect, it } from 'vitest';
import { groupFilter, groupItems, groupKey } from './grouping';
import type { RunRow } from './RunsTable';

const row = (name: string): RunRow => ({
  name, displayName: null, state: 'finished', createdAt: '2026-01-01T00:00:00Z', heartbeatAt: '2026-01-01T00:00:00Z',
  tags: [], group: null, jobType: null, notes: null, host: null, config: {}, summary: {},
});

describe('runs table grouping', () => {
  it('narrows the table filter to one group, keeping the value typed', () => {
    expect(groupFilter(undefined, 'config.lr', 0.1)).toEqual({ 'config.lr': 0.1 });
    expect(groupFilter({ state: 'finished' }, 'group', null)).toEqual({ $and: [{ state: 'finished' }, { group: null }] });
  });

  it('tells values of different types apart', () => {
    expect(groupKey(1)).not.toBe(groupKey('1'));
    expect(groupKey(null)).not.toBe(groupKey('null'));
  });

  it('puts each expanded group\'s runs under its header, with a "more" line while some are not loaded', () => {
    const groups = [{ value: 'a', count: 3 }, { value: null, count: 1 }, { value: 'b', count: 2 }];
    const expanded = new Map([[groupKey('a'), 2], [groupKey('b'), 50]]);
    const loaded = new Map([[groupKey('a'), [row('r1'), row('r2')]], [groupKey('b'), [row('r3'), row('r4')]]]);
    const items = groupItems('group', groups, expanded, loaded);
    expect(items.map((i) => (i.kind === 'run' ? `run:${i.row.name}` : i.kind === 'group' ? `group:${i.label}:${i.count}:${i.expanded}` : `more:${i.left}`))).toEqual([
      'group:group: a:3:true', 'run:r1', 'run:r2', 'more:1', 'group:group: (none):1:false', 'group:group: b:2:true', 'run:r3', 'run:r4',
    ]);
  });
});
