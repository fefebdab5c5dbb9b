import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from './migrations.js';

/**
 * Run alerts (`run.alert` and run-state alerts) and where they go.
 *
 * - webhooks.format: 'generic' (signed JSON) or 'slack' (a Slack incoming-webhook body); alert destinations are
 *   webhooks with scope_kind 'entity', so they reuse the one sender, outbox, retries and delivery log.
 * - webhook_deliveries.alert_id: the alert a delivery carries (null for promotions), for the run page.
 * - run_alerts: every alert that was sent (suppressed repeats are not stored).
 * - alert_settings: the run-state alerts an entity switched on (no row = all off).
 */
export function alertMigration(dialect: SqlDialect): Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  return {
    async up(db: Db) {
      await db.schema.alterTable('webhooks').addColumn('format', 'text', (c) => c.notNull().defaultTo('generic')).execute();
      await db.schema.alterTable('webhook_deliveries').addColumn('alert_id', 'bigint').execute();
      await db.schema.createIndex('webhook_deliveries_alert').on('webhook_deliveries').columns(['alert_id']).execute();
      const table = db.schema.createTable('run_alerts');
      await (dialect === 'postgres'
        ? table.addColumn('id', 'bigserial', (c) => c.primaryKey())
        : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()))
        .addColumn('run_id', 'bigint', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('level', 'text', (c) => c.notNull()) // INFO | WARN | ERROR
        .addColumn('wait_ms', 'bigint', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull()) // script | run_state
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      // Suppression looks up the last alert of (run, title).
      await db.schema.createIndex('run_alerts_run_title').on('run_alerts').columns(['run_id', 'title', 'created_at']).execute();
      await db.schema.createTable('alert_settings')
        .addColumn('entity_id', 'bigint', (c) => c.primaryKey())
        .addColumn('run_finished', 'integer', (c) => c.notNull())
        .addColumn('run_failed', 'integer', (c) => c.notNull())
        .addColumn('run_crashed', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
