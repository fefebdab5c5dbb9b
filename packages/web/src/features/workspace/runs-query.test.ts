import { describe, expect, it } from 'vitest';
import { emptyRunsQuery, parseValue, serverField, toMongoFilter, toOrder } from './runs-query';

describe('runs table query', () => {
  it('asks for all runs when nothing is set', () => {
    expect(toMongoFilter(emptyRunsQuery())).toBeUndefined();
    expect(toOrder(null)).toBeUndefined();
  });

  it('searches names case-insensitively, with regex characters taken literally', () => {
    const f = toMongoFilter({ ...emptyRunsQuery(), search: ' lr=1e-3 (b) ' });
    const m = { $regex: 'lr=1e-3 \\(b\\)', $options: 'i' };
    expect(f).toEqual({ $or: [{ display_name: m }, { name: m }] });
    expect(new RegExp(m.$regex, 'i').test('LR=1E-3 (B) run')).toBe(true);
  });

  it('combines state, search and field filters with $and, typing numbers and booleans', () => {
    const f = toMongoFilter({
      search: '',
      states: ['running', 'finished'],
      filters: [
        { field: 'config.lr', op: '>', value: '0.01' },
        { field: 'summary_metrics.acc', op: '≤', value: '0.5' },
        { field: 'config.optimizer', op: '=', value: 'adam' },
        { field: 'config.use_amp', op: '≠', value: 'true' },
        { field: 'tags', op: 'matches', value: '^base' },
        { field: '', op: '=', value: 'ignored while the field is empty' },
      ],
      sort: null,
    });
    expect(f).toEqual({ $and: [
      { state: { $in: ['running', 'finished'] } },
      { 'config.lr': { $gt: 0.01 } },
      { 'summary_metrics.acc': { $lte: 0.5 } },
      { 'config.optimizer': 'adam' },
      { 'config.use_amp': { $ne: true } },
      { tags: { $regex: '^base', $options: 'i' } },
    ] });
  });

  it('keeps text that only looks numeric-ish as text', () => {
    expect(parseValue('42')).toBe(42);
    expect(parseValue('-1.5e-3')).toBe(-0.0015);
    expect(parseValue('')).toBe('');
    expect(parseValue('v2')).toBe('v2');
    expect(parseValue('null')).toBeNull();
  });

  it('orders by server field names', () => {
    expect(toOrder({ field: 'summary_metrics.loss', desc: true })).toBe('-summary_metrics.loss');
    expect(toOrder({ field: 'config.lr', desc: false })).toBe('+config.lr');
    expect(serverField('summary:val/loss')).toBe('summary_metrics.val/loss');
    expect(serverField('config:lr')).toBe('config.lr');
    expect(serverField('name')).toBe('display_name');
    expect(serverField('tags')).toBeNull();
  });

  it('turns in / not in lists and exists / missing into $in, $nin and $exists', () => {
    const f = toMongoFilter({ ...emptyRunsQuery(), filters: [
      { field: 'state', op: 'in', value: 'running, crashed' }, { field: 'config.bs', op: 'not in', value: '32,64' },
      { field: 'summary_metrics.acc', op: 'exists', value: '' }, { field: 'group', op: 'missing', value: 'ignored' },
    ] });
    expect(f).toEqual({ $and: [
      { state: { $in: ['running', 'crashed'] } }, { 'config.bs': { $nin: [32, 64] } },
      { 'summary_metrics.acc': { $exists: true } }, { group: { $exists: false } },
    ] });
  });
});
