/**
 * Counting hits per key in fixed time windows: the per-credential request budget (RateLimit-* headers) and
 * failed sign-ins. One process keeps counts in memory; a scaled-out deployment swaps in a shared counter
 * (e.g. Redis INCR + EXPIRE) behind the same interface.
 */
export interface QuotaState {
  /** Hits counted in the current window, including this one. */
  used: number;
  limit: number;
  /** max(0, limit - used). */
  remaining: number;
  /** Seconds until the window ends and the count starts again (≥ 1, whole seconds). */
  resetSeconds: number;
  exceeded: boolean;
}

export interface QuotaCounter {
  /** Adds `cost` hits (0 = only look) to `key`'s current window and returns the state after. */
  add(key: string, cost?: number): Promise<QuotaState>;
}

export class InMemoryQuotaCounter implements QuotaCounter {
  private readonly windows = new Map<string, { start: number; used: number }>();
  private lastSweep = 0;

  constructor(
    readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async add(key: string, cost = 1): Promise<QuotaState> {
    const now = this.now();
    this.sweep(now);
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, used: 0 };
      if (cost > 0) this.windows.set(key, w);
    }
    w.used += cost;
    const resetSeconds = Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
    return { used: w.used, limit: this.limit, remaining: Math.max(0, this.limit - w.used), resetSeconds, exceeded: w.used > this.limit };
  }

  /** Drops finished windows now and then, so many distinct keys (an attacker's) cannot grow memory forever. */
  private sweep(now: number) {
    if (now - this.lastSweep < this.windowMs && this.windows.size < 100_000) return;
    this.lastSweep = now;
    for (const [key, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(key);
  }

  get size(): number {
    return this.windows.size;
  }
}
