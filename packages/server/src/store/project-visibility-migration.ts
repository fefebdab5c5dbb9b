import type { Kysely, Migration } from 'kysely';

/**
 * Project visibility (issue 10): every project gets a visibility ('private' keeps today's behaviour: only its
 * entity's members), and restricted projects get their named members, each with a project role.
 */
export function projectVisibilityMigration(): Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  return {
    async up(db: Db) {
      await db.schema.alterTable('projects')
        .addColumn('visibility', 'text', (c) => c.notNull().defaultTo('private')) // private | organization | restricted | public
        .execute();
      await db.schema.createTable('project_members')
        .addColumn('project_id', 'bigint', (c) => c.notNull())
        .addColumn('user_id', 'bigint', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull()) // admin | member | viewer
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('project_members_pk', ['project_id', 'user_id'])
        .execute();
      await db.schema.createIndex('project_members_user').on('project_members').column('user_id').execute();
    },
  };
}
