import { describe, expect, it } from 'vitest';
import { parseAliasList } from './admin-api';

describe('parseAliasList', () => {
  it('splits, trims and drops empties and repeats', () => {
    expect(parseAliasList(' staging, production ,, staging,prod ')).toEqual(['staging', 'production', 'prod']);
    expect(parseAliasList('  ')).toEqual([]);
  });
});
