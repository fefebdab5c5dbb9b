import type { Kysely, Migration } from 'kysely';

/**
 * Registries (protocol §7): settings of a registry project (visibility, accepted artifact types), its members
 * (users or whole teams, each with a registry role), and the version counter of each portfolio collection
 * (linked versions get v0, v1, … and an index is never given twice, even after an unlink).
 */
export function registriesMigration(): Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  return {
    async up(db: Db) {
      await db.schema.createTable('registries')
        .addColumn('project_id', 'bigint', (c) => c.primaryKey())
        .addColumn('visibility', 'text', (c) => c.notNull()) // 'organization' | 'restricted'
        .addColumn('allow_all_types', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createTable('registry_artifact_types')
        .addColumn('project_id', 'bigint', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('registry_artifact_types_pk', ['project_id', 'name'])
        .execute();
      await db.schema.createTable('registry_members')
        .addColumn('project_id', 'bigint', (c) => c.notNull())
        .addColumn('member_kind', 'text', (c) => c.notNull()) // 'user' | 'team'
        .addColumn('member_id', 'bigint', (c) => c.notNull()) // users.id | entities.id (a team)
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('registry_members_pk', ['project_id', 'member_kind', 'member_id'])
        .execute();
      await db.schema.createIndex('registry_members_member').on('registry_members').columns(['member_kind', 'member_id']).execute();
      await db.schema.createTable('portfolio_counters')
        .addColumn('collection_id', 'bigint', (c) => c.primaryKey())
        .addColumn('next_version', 'bigint', (c) => c.notNull())
        .execute();
      // "Which collections is this version linked into" (lineage, access through a registry).
      await db.schema.createIndex('artifact_memberships_artifact').on('artifact_memberships').column('artifact_id').execute();
    },
  };
}
