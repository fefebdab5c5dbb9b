import { describe, expect, it } from 'vitest';
import { describeEvent } from './timeline';

describe('promotion events in words', () => {
  it('says who did what to which version', () => {
    const base = { alias: null, fromVersion: null, toVersion: null, actor: 'boss' };
    expect(describeEvent({ ...base, action: 'link', toVersion: 'v2' })).toBe('boss linked v2');
    expect(describeEvent({ ...base, action: 'alias_add', alias: 'production', toVersion: 'v1' })).toBe('boss set production on v1');
    expect(describeEvent({ ...base, action: 'alias_move', alias: 'production', fromVersion: 'v1', toVersion: 'v2' })).toBe('boss moved production from v1 to v2');
    expect(describeEvent({ ...base, action: 'alias_remove', alias: 'staging', fromVersion: 'v0' })).toBe('boss removed staging from v0');
    expect(describeEvent({ ...base, action: 'mystery', alias: 'x' })).toBe('boss: mystery x');
  });
});
