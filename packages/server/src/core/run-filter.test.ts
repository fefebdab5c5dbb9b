import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.js';
import { checkRegex, parseFieldRef, parseRunFilter, parseRunOrder } from './run-filter.js';

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

describe('parseFieldRef', () => {
  it('maps documented field names', () => {
    expect(parseFieldRef('state')).toEqual({ kind: 'column', column: 'state' });
    expect(parseFieldRef('display_name')).toEqual({ kind: 'column', column: 'displayName' });
    expect(parseFieldRef('config.lr')).toEqual({ kind: 'config', path: ['lr', 'value'] });
    expect(parseFieldRef('config.lr.value')).toEqual({ kind: 'config', path: ['lr', 'value'] });
    expect(parseFieldRef('config.opt.beta')).toEqual({ kind: 'config', path: ['opt', 'value', 'beta'] });
    expect(parseFieldRef('summary_metrics.val.loss')).toEqual({ kind: 'summary', path: ['val', 'loss'] });
  });
  it('rejects unknown fields clearly', () => {
    expect(bad(() => parseFieldRef('bogus'))).toContain('unknown filter field');
    bad(() => parseFieldRef('config.'));
    bad(() => parseFieldRef('config'));
  });
});

describe('parseRunFilter', () => {
  it('reads implicit equality, operators and logic', () => {
    expect(parseRunFilter('{}')).toEqual({ type: 'true' });
    expect(parseRunFilter(null)).toEqual({ type: 'true' });
    expect(parseRunFilter('{"state": "finished"}')).toEqual({ type: 'compare', field: { kind: 'column', column: 'state' }, op: 'eq', value: 'finished' });
    const f = parseRunFilter('{"$or": [{"summary_metrics.loss": {"$lt": 0.5, "$gte": 0}}, {"tags": {"$in": ["a", "b"]}}]}');
    expect(f.type).toBe('or');
    expect(parseRunFilter('{"display_name": {"$regex": "^run-", "$options": "i"}}')).toMatchObject({ type: 'regex', caseInsensitive: true });
    expect(parseRunFilter('{"config.lr": {"$exists": false}}')).toMatchObject({ type: 'exists', exists: false });
    expect(parseRunFilter('{"state": {"$not": {"$eq": "crashed"}}}')).toMatchObject({ type: 'not' });
  });
  it('rejects malformed filters with a clear message', () => {
    expect(bad(() => parseRunFilter('{nope'))).toContain('not valid JSON');
    expect(bad(() => parseRunFilter('[1]'))).toContain('JSON object');
    expect(bad(() => parseRunFilter('{"state": {"$where": "1"}}'))).toContain('unknown filter operator');
    expect(bad(() => parseRunFilter('{"$function": {}}'))).toContain('unknown filter operator');
    bad(() => parseRunFilter('{"$and": []}'));
    bad(() => parseRunFilter('{"state": {"$in": "x"}}'));
    bad(() => parseRunFilter('{"state": {"$gt": {"a": 1}}}'));
    bad(() => parseRunFilter(JSON.stringify({ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ state: 'x' }] }] }] }] }] }] }] }] }] }] }] }] }] }] }] }] }] }] })));
  });
  it('refuses regexes that could backtrack catastrophically', () => {
    expect(checkRegex('^train-[0-9]+$')).toBe('^train-[0-9]+$');
    bad(() => checkRegex('(a+)+$'));
    bad(() => checkRegex('(x*)*y'));
    bad(() => checkRegex('(a)\\1'));
    bad(() => checkRegex('(?=a)'));
    bad(() => checkRegex('(unclosed'));
    bad(() => parseRunFilter(JSON.stringify({ state: { $regex: 'a'.repeat(1000) } })));
    // Found by fuzzing: exponential without a quantifier inside the group's own parentheses.
    for (const p of ['^(a|aa)+$', '(?:(?:a)+)+', '(a?){25}a{25}', '(\\d|\\w)+$', '.*.*.*=', '[a-z]+[a-z]+[a-z]+!', 'a?a?a?a?a?aaaaa']) bad(() => checkRegex(p));
    // Two unbounded repetitions stay polynomial on the capped input: common names like run-12-3 need them.
    for (const p of ['^run-\\d+-\\d+$', '.*.*=']) expect(checkRegex(p)).toBe(p);
    for (const p of ['^exp-.*', '(train|eval)-[0-9]+$', 'run_\\d{1,4}', '^a.c?$', '(?<tag>ab)+x', '[(|)*+]+']) expect(checkRegex(p)).toBe(p);
  });
  it('refuses filter fields that are Object.prototype members', () => {
    for (const name of ['valueOf', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) bad(() => parseFieldRef(name));
  });
});

describe('parseRunOrder', () => {
  it('reads direction and field', () => {
    expect(parseRunOrder('-summary_metrics.loss')).toEqual({ field: { kind: 'summary', path: ['loss'] }, descending: true });
    expect(parseRunOrder('+created_at')).toEqual({ field: { kind: 'column', column: 'createdAt' }, descending: false });
    expect(parseRunOrder('config.lr.value').descending).toBe(false);
    bad(() => parseRunOrder('-nonsense'));
  });
});
