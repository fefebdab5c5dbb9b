import type { Kysely, Migration } from 'kysely';

/**
 * Workspace layouts (0018): the panels, run colours and columns a user arranged on a project's workspace, one
 * JSON document per (user, project). The document's shape is checked in core/workspace-layouts.ts, not here.
 */
export function workspaceLayoutMigration(): Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  return {
    async up(db: Db) {
      await db.schema.createTable('workspace_layouts')
        .addColumn('user_id', 'bigint', (c) => c.notNull())
        .addColumn('project_id', 'bigint', (c) => c.notNull())
        .addColumn('layout', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('workspace_layouts_pk', ['user_id', 'project_id'])
        .execute();
    },
  };
}
