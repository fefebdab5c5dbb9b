import type { Kysely, Migration } from 'kysely';

/**
 * Shared fixed-window counters (store/pg-quota-counter.ts): login throttling counted across every process on one
 * PostgreSQL database, so N processes do not give an attacker N times the attempts. Unused on SQLite (one process).
 */
export function quotaWindowsMigration(): Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  return {
    async up(db: Db) {
      await db.schema.createTable('quota_windows')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('used', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('quota_windows_start').on('quota_windows').column('window_start').execute();
    },
  };
}
