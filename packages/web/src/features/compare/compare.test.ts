import { describe, expect, it } from 'vitest';
import { compareRows, runsParam } from './compare';

describe('compare rows', () => {
  const a = { lr: 0.1, layers: 4, opt: 'adam', _wandb: { x: 1 }, nested: { a: [1, 2] } };
  const b = { lr: 0.01, layers: 4, opt: 'adam', nested: { a: [1, 2] }, extra: null };

  it('lists every key any run has, sorted, internal keys left out, missing values as undefined', () => {
    const rows = compareRows([a, b], false);
    expect(rows.map((r) => r.key)).toEqual(['extra', 'layers', 'lr', 'nested', 'opt']);
    expect(rows.find((r) => r.key === 'extra')).toEqual({ key: 'extra', values: [undefined, null], differs: true });
    expect(rows.find((r) => r.key === 'nested')?.differs).toBe(false);
  });

  it('keeps only differing keys with diff only', () => {
    expect(compareRows([a, b], true).map((r) => r.key)).toEqual(['extra', 'lr']);
    expect(compareRows([a, a], true)).toEqual([]);
  });

  it('reads run names from the query string, deduplicated and capped', () => {
    expect(runsParam('runs=a,b,,a, c')).toEqual(['a', 'b', 'c']);
    expect(runsParam('x=1')).toEqual([]);
    expect(runsParam(`runs=${Array.from({ length: 30 }, (_, i) => `r${i}`).join(',')}`, 20)).toHaveLength(20);
  });
});
