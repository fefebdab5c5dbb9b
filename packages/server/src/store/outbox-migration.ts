import type { Kysely, Migration } from 'kysely';

/**
 * Work owed after a commit survives the process that committed it (0022):
 * - `runs.state_alert_pending`: set in the same UPDATE that ends a run (finished, failed, crashed), cleared once
 *   the run-state alert is recorded; `run_alerts.dedupe_key` (unique per run) lets a retry record it at most once.
 * - `blob_deletions`: content a purge released, queued in the purge's transaction and deleted from the blob
 *   store afterwards, so a process dying in between leaves work for the next pass rather than orphaned bytes.
 */
export function outboxMigration(): Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  return {
    async up(db: Db) {
      await db.schema.alterTable('runs').addColumn('state_alert_pending', 'text').execute();
      await db.schema.createIndex('runs_state_alert_pending').on('runs').column('state_alert_pending')
        .where('state_alert_pending', 'is not', null).execute();
      await db.schema.alterTable('run_alerts').addColumn('dedupe_key', 'text').execute();
      // NULLs are distinct in a unique index on both engines: only keyed alerts are deduplicated.
      await db.schema.createIndex('run_alerts_dedupe').on('run_alerts').columns(['run_id', 'dedupe_key']).unique().execute();
      await db.schema.createTable('blob_deletions')
        .addColumn('md5_hex', 'text', (c) => c.primaryKey())
        .addColumn('queued_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
