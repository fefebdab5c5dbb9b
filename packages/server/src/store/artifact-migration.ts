import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from './migrations.js';

/** Artifacts: types, collections (sequences and portfolios), versions, aliases, tags, files, lineage. */
export function artifactMigration(dialect: SqlDialect): Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  const id = (t: ReturnType<Db['schema']['createTable']>) =>
    dialect === 'postgres'
      ? t.addColumn('id', 'bigserial', (c) => c.primaryKey())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  return {
    async up(db: Db) {
      await id(db.schema.createTable('artifact_types'))
        .addColumn('project_id', 'bigint', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('artifact_types_project_name', ['project_id', 'name'])
        .execute();
      await id(db.schema.createTable('artifact_collections'))
        .addColumn('project_id', 'bigint', (c) => c.notNull())
        .addColumn('type_id', 'bigint', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull()) // 'sequence' | 'portfolio'
        .addColumn('description', 'text')
        .addColumn('client_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('artifact_collections_project_name', ['project_id', 'name'])
        .execute();
      await id(db.schema.createTable('artifacts'))
        .addColumn('project_id', 'bigint', (c) => c.notNull())
        .addColumn('sequence_id', 'bigint', (c) => c.notNull())
        .addColumn('type_id', 'bigint', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull()) // PENDING | COMMITTED | DELETED
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('metadata', 'text')
        .addColumn('ttl_seconds', 'bigint')
        .addColumn('history_step', 'bigint')
        .addColumn('version_index', 'bigint')
        .addColumn('commit_hash', 'text')
        .addColumn('size', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('file_count', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_by_run_id', 'bigint')
        .addColumn('client_id', 'text')
        .addColumn('distributed_id', 'text')
        .addColumn('requested_aliases', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('artifacts_sequence_digest').on('artifacts').columns(['sequence_id', 'digest']).execute();
      await db.schema.createIndex('artifacts_client_id').on('artifacts').column('client_id').execute();
      await db.schema.createIndex('artifacts_run').on('artifacts').column('created_by_run_id').execute();
      await db.schema.createTable('artifact_memberships')
        .addColumn('collection_id', 'bigint', (c) => c.notNull())
        .addColumn('artifact_id', 'bigint', (c) => c.notNull())
        .addColumn('version_index', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('artifact_memberships_pk', ['collection_id', 'artifact_id'])
        .addUniqueConstraint('artifact_memberships_version', ['collection_id', 'version_index'])
        .execute();
      await id(db.schema.createTable('artifact_aliases'))
        .addColumn('collection_id', 'bigint', (c) => c.notNull())
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('artifact_id', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('artifact_aliases_collection_alias', ['collection_id', 'alias'])
        .execute();
      await db.schema.createTable('artifact_tags')
        .addColumn('artifact_id', 'bigint', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('artifact_tags_pk', ['artifact_id', 'name'])
        .execute();
      await db.schema.createTable('artifact_manifests')
        .addColumn('artifact_id', 'bigint', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('blob_key', 'text', (c) => c.notNull())
        .addColumn('base_artifact_id', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createTable('artifact_files')
        .addColumn('artifact_id', 'bigint', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('ref', 'text')
        .addColumn('birth_artifact_id', 'bigint')
        .addPrimaryKeyConstraint('artifact_files_pk', ['artifact_id', 'name'])
        .execute();
      // Content-addressed bytes (by MD5, the SDK's entry digest): stored once, whoever logs them again.
      await db.schema.createTable('content_objects')
        .addColumn('md5_hex', 'text', (c) => c.primaryKey())
        .addColumn('size', 'bigint')
        .addColumn('birth_artifact_id', 'bigint', (c) => c.notNull())
        .addColumn('stored_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createTable('artifact_usage')
        .addColumn('run_id', 'bigint', (c) => c.notNull())
        .addColumn('artifact_id', 'bigint', (c) => c.notNull())
        .addColumn('used_as', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('artifact_usage_pk', ['run_id', 'artifact_id'])
        .execute();
      await db.schema.createIndex('artifact_usage_artifact').on('artifact_usage').column('artifact_id').execute();
    },
  };
}

/** Retention: when a version was committed (its TTL counts from there) and when it was soft-deleted. */
export function artifactRetentionMigration(): Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  return {
    async up(db: Db) {
      await db.schema.alterTable('artifacts').addColumn('committed_at', 'bigint').execute();
      await db.schema.alterTable('artifacts').addColumn('deleted_at', 'bigint').execute();
      await db.schema.createIndex('artifacts_state_deleted').on('artifacts').columns(['state', 'deleted_at']).execute();
    },
  };
}

/**
 * TTL inheritance: a version either has its own TTL (ttl_inherited = 0; ttl_seconds null = never expires)
 * or inherits its collection's default, else its project's. Existing versions with a TTL keep it as their
 * own. Also an index on artifact_files.digest: the fallback download route and purge look bytes up by it.
 */
export function artifactTtlDefaultsMigration(): Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  return {
    async up(db: Db) {
      await db.schema.alterTable('artifacts').addColumn('ttl_inherited', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.updateTable('artifacts').set({ ttl_inherited: 0 }).where('ttl_seconds', 'is not', null).execute();
      await db.schema.createTable('artifact_ttl_defaults')
        .addColumn('project_id', 'bigint', (c) => c.notNull())
        .addColumn('collection_id', 'bigint', (c) => c.notNull())
        .addColumn('ttl_seconds', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('artifact_ttl_defaults_pk', ['project_id', 'collection_id'])
        .execute();
      await db.schema.createIndex('artifact_files_digest').on('artifact_files').column('digest').execute();
    },
  };
}

/**
 * 0021: an organization's default TTL for artifact versions, below collection and project defaults (see
 * core/artifact-ttl.ts effectiveTtl). 0 = never expire.
 */
export function orgArtifactTtlDefaultMigration(): Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  return {
    async up(db: Db) {
      await db.schema.createTable('org_artifact_ttl_defaults')
        .addColumn('org_id', 'bigint', (c) => c.primaryKey())
        .addColumn('ttl_seconds', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
