import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.js';
import { compareCells, pageOf, tableFromJson, viewOf, WeightedLru } from './table-view.js';

const table = tableFromJson({
  columns: ['id', 'name', 'score', 'img'],
  data: [
    [0, 'beta', 0.5, { _type: 'image-file', path: 'media/images/a.png' }],
    [1, 'Alpha', null, null],
    [2, 'gamma', 2, { _type: 'image-file', path: 'media/images/b.png' }],
    [3, 'alpha 10', -1, null],
    [4, 'alpha 9', NaN, null],
  ],
});
const ids = (v: Int32Array) => [...v].map((i) => table.rows[i]![0]);

describe('table view: sort, filter, page', () => {
  it('sorts numbers numerically with NaN after numbers and nulls last in either direction', () => {
    expect(ids(viewOf(table, { sort: { column: 'score', desc: false } }))).toEqual([3, 0, 2, 4, 1]);
    expect(ids(viewOf(table, { sort: { column: 'score', desc: true } }))).toEqual([4, 2, 0, 3, 1]);
  });

  it('sorts a numeric column (fast path) exactly as the general comparator does', () => {
    const values = Array.from({ length: 500 }, (_, i) => (i % 17 === 0 ? null : i % 23 === 0 ? NaN : ((i * 7919) % 101) - 50));
    const t = tableFromJson({ columns: ['v'], data: values.map((v) => [v]) });
    for (const desc of [false, true]) {
      const reference = values.map((_, i) => i).sort((x, y) => {
        const [a, b] = [values[x], values[y]];
        if (a === null || b === null) return a === b ? x - y : a === null ? 1 : -1;
        return (desc ? -1 : 1) * compareCells(a, b) || x - y;
      });
      expect([...viewOf(t, { sort: { column: 'v', desc } })]).toEqual(reference);
    }
  });

  it('sorts text case-insensitively with numeric runs in order, stable on ties', () => {
    expect(ids(viewOf(table, { sort: { column: 'name', desc: false } }))).toEqual([1, 4, 3, 0, 2]);
    expect(compareCells('a', 'a')).toBe(0);
  });

  it('filters by operator (numbers given as text compare as numbers) and by search over every cell', () => {
    expect(ids(viewOf(table, { filters: [{ column: 'score', op: '>=', value: '0.5' }] }))).toEqual([0, 2]);
    expect(ids(viewOf(table, { filters: [{ column: 'name', op: 'contains', value: 'ALPHA' }] }))).toEqual([1, 3, 4]);
    expect(ids(viewOf(table, { filters: [{ column: 'id', op: '!=', value: 2 }, { column: 'score', op: '<', value: 1 }] }))).toEqual([0, 3]);
    expect(ids(viewOf(table, { search: 'b.png' }))).toEqual([2]);
    expect(ids(viewOf(table, { search: 'alpha', sort: { column: 'id', desc: true } }))).toEqual([4, 3, 1]);
  });

  it('pages through the view with each row\'s index in the logged table', () => {
    const view = viewOf(table, { sort: { column: 'id', desc: true } });
    const page = pageOf(table, view, 1, 2);
    expect(page.total).toBe(5);
    expect(page.rows.map((r) => r.index)).toEqual([3, 2]);
    expect(pageOf(table, view, 10, 2).rows).toEqual([]);
  });

  it('rejects unknown columns and files that are not tables, with a message saying why', () => {
    expect(() => viewOf(table, { sort: { column: 'nope', desc: false } })).toThrow(/no column "nope"/);
    expect(() => tableFromJson([1, 2])).toThrow(DomainError);
    expect(() => tableFromJson({ columns: ['a'], data: [[1, 2]] })).toThrow(/row 0 has 2 cells for 1 columns/);
    expect(() => tableFromJson({ columns: ['a'] })).toThrow(/no "data"/);
  });
});

describe('WeightedLru', () => {
  it('evicts the least recently used entries beyond the weight or count budget, keeping the newest', () => {
    const lru = new WeightedLru<string>(10, 3);
    lru.set('a', 'A', 4);
    lru.set('b', 'B', 4);
    expect(lru.get('a')).toBe('A'); // a is now the most recent
    lru.set('c', 'C', 4); // 12 > 10: b (least recent) goes
    expect(lru.get('b')).toBeUndefined();
    expect(lru.weight).toBe(8);
    lru.set('huge', 'H', 100);
    expect(lru.size).toBe(1);
    expect(lru.get('huge')).toBe('H');
  });
});
