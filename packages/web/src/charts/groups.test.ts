import { describe, expect, it } from 'vitest';
import { RUN_PALETTE } from '../lib/colors';
import { chartGroupsOf } from './groups';

describe('chartGroupsOf', () => {
  it('makes one group per header with loaded runs, in table order, leaving out hidden runs and empty groups', () => {
    const groups = chartGroupsOf([
      { kind: 'group', key: '"a"', label: 'group: a' },
      { kind: 'run', row: { name: 'r1' } },
      { kind: 'run', row: { name: 'r2' } },
      { kind: 'more', key: '"a"', left: 3 } as { kind: string },
      { kind: 'group', key: '"b"', label: 'group: b' },
      { kind: 'group', key: '"c"', label: 'group: c' },
      { kind: 'run', row: { name: 'r3' } },
      { kind: 'run', row: { name: 'r4' } },
    ], new Set(['r4']));
    expect(groups.map((g) => [g.name, g.label, g.members])).toEqual([['"a"', 'group: a', ['r1', 'r2']], ['"c"', 'group: c', ['r3']]]);
    expect(new Set(groups.map((g) => g.color)).size).toBe(2);
    for (const g of groups) expect(RUN_PALETTE).toContain(g.color);
  });
});
