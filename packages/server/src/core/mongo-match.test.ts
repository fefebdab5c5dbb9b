import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.js';
import { compileMongoFilter } from './mongo-match.js';

const doc = { state: 'COMMITTED', version: 'v3', versionIndex: 3, aliases: ['latest', 'best'], tags: [], metadata: { acc: 0.91, arch: 'cnn' } };
const m = (f: unknown) => compileMongoFilter(JSON.stringify(f))(doc);

describe('compileMongoFilter', () => {
  it('matches fields, nested paths, arrays and logic', () => {
    expect(m({})).toBe(true);
    expect(compileMongoFilter(null)(doc)).toBe(true);
    expect(m({ state: 'COMMITTED' })).toBe(true);
    expect(m({ aliases: 'best' })).toBe(true);
    expect(m({ aliases: { $in: ['prod', 'best'] } })).toBe(true);
    expect(m({ aliases: { $nin: ['best'] } })).toBe(false);
    expect(m({ 'metadata.acc': { $gt: 0.9, $lte: 1 } })).toBe(true);
    expect(m({ 'metadata.acc': { $gt: '0.9' } })).toBe(false); // strings and numbers do not compare
    expect(m({ 'metadata.arch': { $regex: '^CN', $options: 'i' } })).toBe(true);
    expect(m({ 'metadata.missing': { $exists: false } })).toBe(true);
    expect(m({ 'metadata.missing': null })).toBe(true);
    expect(m({ $or: [{ versionIndex: 1 }, { version: 'v3' }] })).toBe(true);
    expect(m({ $nor: [{ versionIndex: 3 }] })).toBe(false);
    expect(m({ $not: { state: 'DELETED' } })).toBe(true);
    expect(m({ versionIndex: { $not: { $lt: 2 } } })).toBe(true);
  });
  it('rejects bad filters with clear messages', () => {
    for (const bad of ['{nope', '[]', '{"$where": "1"}', '{"a": {"$bogus": 1}}', '{"a": {"$regex": "(a+)+"}}', '{"a": {"$in": 3}}']) {
      expect(() => compileMongoFilter(bad)).toThrow(DomainError);
    }
  });
});
