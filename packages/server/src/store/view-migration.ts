import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from './migrations.js';

/**
 * Saved views (0019): reports ("runs") and their drafts ("runs/draft") as W&B's upsertView sends them.
 * spec is the client's JSON text, kept byte for byte; names are unique within a project.
 */
export function viewMigration(dialect: SqlDialect): Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  return {
    async up(db: Db) {
      const table = db.schema.createTable('views');
      await (dialect === 'postgres'
        ? table.addColumn('id', 'bigserial', (c) => c.primaryKey())
        : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()))
        .addColumn('project_id', 'bigint', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('parent_id', 'bigint')
        .addColumn('created_by', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'bigint', (c) => c.notNull())
        .addColumn('created_using', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('views_project_name').unique().on('views').columns(['project_id', 'name']).execute();
      await db.schema.createIndex('views_project_updated').on('views').columns(['project_id', 'updated_at']).execute();
      await db.schema.createIndex('views_parent').on('views').columns(['parent_id']).execute();
    },
  };
}
