import { describe, expect, it } from 'vitest';
import { metadataFilter } from './metadata-filter';

describe('metadataFilter', () => {
  it('turns comparisons into a MongoDB-style filter on metadata', () => {
    expect(JSON.parse(metadataFilter('accuracy > 0.9, framework = torch')!)).toEqual({
      $and: [{ 'metadata.accuracy': { $gt: 0.9 } }, { 'metadata.framework': 'torch' }],
    });
    expect(JSON.parse(metadataFilter('epochs <= 10 and name != "a b"')!)).toEqual({
      $and: [{ 'metadata.epochs': { $lte: 10 } }, { 'metadata.name': { $ne: 'a b' } }],
    });
    expect(JSON.parse(metadataFilter('metadata.best == true')!)).toEqual({ 'metadata.best': true });
  });

  it('passes JSON through, and is empty for an empty box', () => {
    expect(metadataFilter('  ')).toBeNull();
    expect(metadataFilter('{"metadata.x": 1}')).toBe('{"metadata.x": 1}');
  });

  it('says which part it cannot read', () => {
    expect(() => metadataFilter('accuracy >> 0.9')).toThrow(/accuracy >> 0.9/);
    expect(() => metadataFilter('accuracy')).toThrow(/key op value/);
    expect(() => metadataFilter('framework > torch')).toThrow(/compares numbers/);
  });
});
