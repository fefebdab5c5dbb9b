import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from './migrations.js';

/**
 * Organizations and their teams. An organization owns one entity of type 'organization' (its org entity, which
 * can own projects: registries live there); teams and personal entities point at their org through
 * entities.org_id. Org and team roles are rows of the existing `memberships` table on the org entity or the team
 * entity (role admin | member | viewer). Service accounts are users with service_account = 1.
 */
export function organizationsMigration(dialect: SqlDialect): Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  return {
    async up(db: Db) {
      const table = dialect === 'postgres'
        ? db.schema.createTable('organizations').addColumn('id', 'bigserial', (c) => c.primaryKey())
        : db.schema.createTable('organizations').addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
      await table
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('entity_id', 'bigint', (c) => c.notNull().unique().references('entities.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('entities').addColumn('org_id', 'bigint', (c) => c.references('organizations.id')).execute();
      await db.schema.createIndex('entities_org').on('entities').column('org_id').execute();
      await db.schema.alterTable('users').addColumn('service_account', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      // "Which orgs and teams is this user in" is asked on every org lookup.
      await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();
    },
  };
}
