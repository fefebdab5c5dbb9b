import { describe, expect, it } from 'vitest';
import { generateRunDisplayName } from './names.js';

describe('generateRunDisplayName', () => {
  it('is adjective-noun-N with the run number', () => {
    for (const n of [1, 2, 17, 1000]) {
      expect(generateRunDisplayName(n)).toMatch(new RegExp(`^[a-z]+-[a-z]+-${n}$`));
    }
  });

  it('varies between calls', () => {
    const names = new Set(Array.from({ length: 50 }, () => generateRunDisplayName(1)));
    expect(names.size).toBeGreaterThan(1);
  });
});
