import { describe, expect, it } from 'vitest';
import { escapeRegex, searchFilters } from './search';

describe('registry search filters', () => {
  it('is nothing for blank text', () => {
    expect(searchFilters('  ')).toBeNull();
  });

  it('matches names by case-insensitive substring and tags/aliases exactly', () => {
    const f = searchFilters(' churn ')!;
    expect(JSON.parse(f.registries)).toEqual({ name: { $regex: 'churn', $options: 'i' } });
    expect(JSON.parse(f.collections)).toEqual({ $or: [{ name: { $regex: 'churn', $options: 'i' } }, { tag: 'churn' }] });
    expect(JSON.parse(f.versions)).toEqual({ $or: [{ alias: 'churn' }, { tag: 'churn' }] });
  });

  it('finds a version number and escapes regex characters', () => {
    expect(JSON.parse(searchFilters('v3')!.versions).$or).toContainEqual({ version: 3 });
    expect(escapeRegex('a.b*(c)')).toBe('a\\.b\\*\\(c\\)');
    expect(new RegExp(escapeRegex('x+y?')).test('x+y?')).toBe(true);
  });
});
