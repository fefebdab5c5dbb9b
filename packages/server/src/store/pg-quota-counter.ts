import { sql, type Kysely } from 'kysely';
import type { QuotaCounter, QuotaState } from '../core/quota.js';

/**
 * A fixed-window QuotaCounter in PostgreSQL (table quota_windows), shared by every process on the database: one
 * atomic upsert per hit opens a new window when the old one has run out, or adds to it. Same semantics as
 * InMemoryQuotaCounter. Used for login throttling, where counting per process would multiply an attacker's
 * attempts by the number of processes; `namespace` keeps counters with different limits apart.
 */
export class PgQuotaCounter implements QuotaCounter {
  private lastSweep = 0;

  constructor(
    private readonly db: Kysely<any>,
    private readonly namespace: string,
    readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async add(key: string, cost = 1): Promise<QuotaState> {
    const now = this.now();
    const expiredBefore = now - this.windowMs;
    const k = `${this.namespace}:${key}`;
    const r = await sql<{ window_start: number; used: number }>`
      insert into quota_windows (key, window_start, used) values (${k}, ${now}, ${cost})
      on conflict (key) do update set
        window_start = case when quota_windows.window_start <= ${expiredBefore} then excluded.window_start else quota_windows.window_start end,
        used = case when quota_windows.window_start <= ${expiredBefore} then excluded.used else quota_windows.used + excluded.used end
      returning window_start, used`.execute(this.db);
    const row = r.rows[0]!;
    const start = Number(row.window_start);
    const used = Number(row.used);
    if (now - this.lastSweep >= this.windowMs) {
      this.lastSweep = now;
      // Finished windows are dropped now and then: many distinct keys (an attacker's) must not grow the table forever.
      await sql`delete from quota_windows where key like ${`${this.namespace}:%`} and window_start <= ${expiredBefore}`.execute(this.db);
    }
    const resetSeconds = Math.max(1, Math.ceil((start + this.windowMs - now) / 1000));
    return { used, limit: this.limit, remaining: Math.max(0, this.limit - used), resetSeconds, exceeded: used > this.limit };
  }
}
