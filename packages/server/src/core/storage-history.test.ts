import { describe, expect, it } from 'vitest';
import { storageHistory } from './storage-history.js';

describe('storageHistory', () => {
  it('steps up at each commit and down at each deletion, ending at now', () => {
    const h = storageHistory({
      logical: [{ from: 10, until: null, bytes: 100 }, { from: 20, until: 40, bytes: 50 }],
      stored: [{ from: 10, until: null, bytes: 80 }, { from: 20, until: 40, bytes: 30 }],
    }, 100);
    expect(h).toEqual({ t: [10, 20, 40, 100], logical: [100, 150, 100, 100], stored: [80, 110, 80, 80] });
  });

  it('is one zero point with nothing logged; a deletion stamped after now counts at now, a later commit not at all', () => {
    expect(storageHistory({ logical: [], stored: [] }, 5)).toEqual({ t: [5], logical: [0], stored: [0] });
    expect(storageHistory({ logical: [{ from: 1, until: 9, bytes: 7 }, { from: 8, until: null, bytes: 3 }], stored: [] }, 5))
      .toEqual({ t: [1, 5], logical: [7, 0], stored: [0, 0] });
  });

  it('keeps at most 400 points, the last value of each time slice', () => {
    const logical = Array.from({ length: 5000 }, (_, i) => ({ from: i, until: null, bytes: 1 }));
    const h = storageHistory({ logical, stored: [] }, 5000);
    expect(h.t.length).toBeLessThanOrEqual(400);
    expect(h.t.at(-1)).toBe(5000);
    expect(h.logical.at(-1)).toBe(5000);
    // Monotone data stays monotone after thinning.
    expect(h.logical.every((v, i) => i === 0 || v >= h.logical[i - 1]!)).toBe(true);
  });
});
