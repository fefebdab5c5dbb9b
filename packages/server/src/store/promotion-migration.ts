import { sql, type Kysely, type Migration } from 'kysely';
import type { SqlDialect } from './migrations.js';

/**
 * Promotion history, protected aliases and webhooks.
 *
 * - promotion_events: append-only (enforced by triggers) record of every link, unlink, alias add/move/remove
 *   and registry role change, written in the transaction that makes the change. Versions are kept both as
 *   artifact ids and as the version index in the collection, so the record still reads after a purge.
 * - promotion_outbox: ids of alias events in portfolio collections that still have to be fanned out to
 *   webhooks; written in the same transaction as the event, so no promotion is ever lost to a crash.
 * - registry_alias_policies: the protected aliases of one registry (its project); no row = the defaults.
 * - webhooks / webhook_deliveries: generic signed HTTP callbacks and the log of every delivery attempt.
 */
export function promotionMigration(dialect: SqlDialect): Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  const id = (t: ReturnType<Db['schema']['createTable']>) =>
    dialect === 'postgres'
      ? t.addColumn('id', 'bigserial', (c) => c.primaryKey())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  return {
    async up(db: Db) {
      await id(db.schema.createTable('promotion_events'))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('project_id', 'bigint', (c) => c.notNull())
        .addColumn('collection_id', 'bigint') // null: a registry-level event (role change)
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('alias', 'text')
        .addColumn('from_artifact_id', 'bigint')
        .addColumn('from_version', 'bigint')
        .addColumn('to_artifact_id', 'bigint')
        .addColumn('to_version', 'bigint')
        .addColumn('actor_user_id', 'bigint')
        .addColumn('actor_name', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .execute();
      // "What did alias A of collection C point to at T": the last alias event at or before T.
      await db.schema.createIndex('promotion_events_alias_at').on('promotion_events').columns(['collection_id', 'alias', 'at', 'id']).execute();
      await db.schema.createIndex('promotion_events_project').on('promotion_events').columns(['project_id', 'id']).execute();
      if (dialect === 'postgres') {
        await sql`CREATE FUNCTION promotion_events_append_only() RETURNS trigger AS $$
          BEGIN RAISE EXCEPTION 'promotion_events is append-only'; END $$ LANGUAGE plpgsql`.execute(db);
        await sql`CREATE TRIGGER promotion_events_append_only BEFORE UPDATE OR DELETE ON promotion_events
          FOR EACH ROW EXECUTE FUNCTION promotion_events_append_only()`.execute(db);
      } else {
        await sql`CREATE TRIGGER promotion_events_no_update BEFORE UPDATE ON promotion_events
          BEGIN SELECT RAISE(ABORT, 'promotion_events is append-only'); END`.execute(db);
        await sql`CREATE TRIGGER promotion_events_no_delete BEFORE DELETE ON promotion_events
          BEGIN SELECT RAISE(ABORT, 'promotion_events is append-only'); END`.execute(db);
      }
      await db.schema.createTable('promotion_outbox')
        .addColumn('event_id', 'bigint', (c) => c.primaryKey())
        .execute();
      await db.schema.createTable('registry_alias_policies')
        .addColumn('project_id', 'bigint', (c) => c.primaryKey())
        .addColumn('protected_aliases', 'text', (c) => c.notNull()) // JSON array of alias names
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();
      await id(db.schema.createTable('webhooks'))
        .addColumn('scope_kind', 'text', (c) => c.notNull()) // 'organization' | 'registry'
        .addColumn('scope_id', 'bigint', (c) => c.notNull()) // organization id | registry project id
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('disabled_at', 'bigint')
        .execute();
      await db.schema.createIndex('webhooks_scope').on('webhooks').columns(['scope_kind', 'scope_id']).execute();
      await id(db.schema.createTable('webhook_deliveries'))
        .addColumn('webhook_id', 'bigint', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull()) // pending | delivered | failed
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_until', 'bigint')
        .addColumn('last_status_code', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('delivered_at', 'bigint')
        .execute();
      await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('webhook_deliveries_webhook').on('webhook_deliveries').columns(['webhook_id', 'id']).execute();
    },
  };
}
