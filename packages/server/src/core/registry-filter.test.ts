import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.js';
import {
  parseCollectionFilter, parseCollectionOrder, parseRegistryFilter, parseRegistryOrder, parseVersionFilter, parseVersionOrder,
} from './registry-filter.js';

const bad = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe('INVALID_INPUT');
    return (e as DomainError).message;
  }
  throw new Error('expected a DomainError');
};

describe('registry search filters', () => {
  it('read the SDK\'s basic and advanced field names and their aliases', () => {
    expect(parseRegistryFilter('{"name": "wandb-registry-model"}')).toEqual({ type: 'compare', field: { column: 'name' }, op: 'eq', value: 'wandb-registry-model' });
    expect(parseRegistryFilter('{"project_id": 3}')).toMatchObject({ field: { column: 'id' } });
    expect(parseCollectionFilter('{"artifact_collection_id": 3}')).toMatchObject({ field: { column: 'id' } });
    expect(parseCollectionFilter('{"tags": {"$in": ["a"]}}')).toMatchObject({ type: 'in', field: { column: 'tag' } });
    expect(parseVersionFilter('{"metadata.accuracy": {"$gt": 0.9}}')).toEqual({ type: 'compare', field: { metadata: ['accuracy'] }, op: 'gt', value: 0.9 });
    expect(parseVersionFilter('{"artifact_metadata.a.b": 1}')).toMatchObject({ field: { metadata: ['a', 'b'] } });
    expect(parseVersionFilter('{"aliases": "prod"}')).toMatchObject({ field: { column: 'alias' } });
    expect(parseVersionFilter('{"version_index": 2}')).toMatchObject({ field: { column: 'version' } });
    expect(parseVersionFilter('{"acm_created_at": {"$gt": "2026-01-01"}}')).toMatchObject({ field: { column: 'linkedAt' } });
    expect(parseVersionFilter('{"$and": [{"tag": "a"}, {"$not": {"alias": "b"}}]}')).toMatchObject({ type: 'and' });
  });
  it('refuse unknown fields, operators, malformed JSON and catastrophic regexes', () => {
    expect(bad(() => parseVersionFilter('{"color": 1}'))).toContain('unknown version filter field "color"');
    expect(bad(() => parseVersionFilter('{"metadata": {"a": 1}}'))).toContain('metadata.<key>');
    expect(bad(() => parseRegistryFilter('{"constructor": 1}'))).toContain('unknown registry filter field');
    expect(bad(() => parseCollectionFilter('{"name": {"$where": "1"}}'))).toContain('unknown filter operator');
    expect(bad(() => parseVersionFilter('{nope'))).toContain('not valid JSON');
    expect(bad(() => parseVersionFilter('{"alias": {"$regex": "(a+)+$"}}'))).toContain('nested repetition');
    expect(bad(() => parseRegistryFilter('{"name": {"$regex": "(a|aa)+$"}}'))).toContain('nested repetition');
  });
  it('read orders on the fields each level sorts by', () => {
    expect(parseRegistryOrder('-name')).toEqual({ field: { column: 'name' }, descending: true });
    expect(parseCollectionOrder('created_at')).toEqual({ field: { column: 'createdAt' }, descending: false });
    expect(parseVersionOrder('-linked_at')).toEqual({ field: { column: 'linkedAt' }, descending: true });
    expect(parseRegistryOrder(null)).toBeNull();
    bad(() => parseRegistryOrder('description'));
    bad(() => parseVersionOrder('metadata.acc'));
  });
});
