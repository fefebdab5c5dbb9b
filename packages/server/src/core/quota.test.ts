import { describe, expect, it } from 'vitest';
import { InMemoryQuotaCounter } from './quota.js';

describe('InMemoryQuotaCounter', () => {
  it('counts per key in fixed windows and reports remaining and reset', async () => {
    let now = 1_000_000;
    const q = new InMemoryQuotaCounter(3, 10_000, () => now);
    expect(await q.add('a')).toEqual({ used: 1, limit: 3, remaining: 2, resetSeconds: 10, exceeded: false });
    now += 2_500;
    expect(await q.add('a')).toMatchObject({ used: 2, remaining: 1, resetSeconds: 8, exceeded: false });
    expect(await q.add('a')).toMatchObject({ used: 3, remaining: 0, exceeded: false });
    expect(await q.add('a')).toMatchObject({ used: 4, remaining: 0, exceeded: true });
    // Other keys have their own budget.
    expect(await q.add('b')).toMatchObject({ used: 1, exceeded: false });
    // A new window starts once the old one is over.
    now += 7_500;
    expect(await q.add('a')).toMatchObject({ used: 1, remaining: 2, resetSeconds: 10, exceeded: false });
  });

  it('cost 0 only looks and does not create state', async () => {
    const q = new InMemoryQuotaCounter(2, 1000, () => 0);
    expect(await q.add('x', 0)).toMatchObject({ used: 0, remaining: 2, exceeded: false });
    expect(q.size).toBe(0);
  });

  it('never reports a reset below one second', async () => {
    let now = 0;
    const q = new InMemoryQuotaCounter(1, 1000, () => now);
    await q.add('k');
    now = 999;
    expect((await q.add('k')).resetSeconds).toBe(1);
  });

  it('forgets finished windows, so many distinct keys do not pile up', async () => {
    let now = 0;
    const q = new InMemoryQuotaCounter(5, 1000, () => now);
    for (let i = 0; i < 500; i++) await q.add(`key-${i}`);
    expect(q.size).toBe(500);
    now = 5000;
    await q.add('fresh');
    expect(q.size).toBe(1);
  });
});
