import { type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { artifactMigration, artifactRetentionMigration, artifactTtlDefaultsMigration, orgArtifactTtlDefaultMigration } from './artifact-migration.js';
import { artifactManifestPartsMigration } from './artifact-parts-migration.js';
import { sessionsAuditMigration } from './sessions-audit-migration.js';
import { organizationsMigration } from './org-migration.js';
import { artifactCollectionDeletionMigration, artifactOutputsAndCollectionTagsMigration } from './artifact-lineage-migration.js';
import { registriesMigration } from './registry-migration.js';
import { promotionMigration } from './promotion-migration.js';
import { alertMigration } from './alert-migration.js';
import { projectVisibilityMigration } from './project-visibility-migration.js';
import { defaultEntityMigration } from './default-entity-migration.js';
import { workspaceLayoutMigration } from './workspace-layout-migration.js';
import { viewMigration } from './view-migration.js';
import { outboxMigration } from './outbox-migration.js';
import { quotaWindowsMigration } from './quota-migration.js';

export type SqlDialect = 'sqlite' | 'postgres';

/** Schema changes, in order. Never edit a shipped migration: add the next one. */
export function migrationsFor(dialect: SqlDialect): MigrationProvider {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  const id = (t: ReturnType<Db['schema']['createTable']>) =>
    dialect === 'postgres'
      ? t.addColumn('id', 'bigserial', (c) => c.primaryKey())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  const migrations: Record<string, Migration> = {
    '0001_foundation': {
      async up(db: Db) {
        await id(db.schema.createTable('entities'))
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await id(db.schema.createTable('users'))
          .addColumn('username', 'text', (c) => c.notNull().unique())
          .addColumn('email', 'text')
          .addColumn('admin', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('entity_id', 'bigint', (c) => c.notNull().references('entities.id'))
          .addColumn('password_hash', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('deleted_at', 'bigint')
          .execute();
        await db.schema.createTable('memberships')
          .addColumn('entity_id', 'bigint', (c) => c.notNull().references('entities.id'))
          .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id'))
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('memberships_pk', ['entity_id', 'user_id'])
          .execute();
        await id(db.schema.createTable('api_keys'))
          .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id'))
          .addColumn('key_hash', 'text', (c) => c.notNull().unique())
          .addColumn('prefix', 'text', (c) => c.notNull())
          .addColumn('name', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('revoked_at', 'bigint')
          .execute();
        await id(db.schema.createTable('projects'))
          .addColumn('entity_id', 'bigint', (c) => c.notNull().references('entities.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('run_counter', 'bigint', (c) => c.notNull().defaultTo(0))
          .addUniqueConstraint('projects_entity_name', ['entity_id', 'name'])
          .execute();
        await id(db.schema.createTable('runs'))
          .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('number', 'bigint', (c) => c.notNull())
          .addColumn('user_id', 'bigint')
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('config', 'text', (c) => c.notNull())
          .addColumn('summary', 'text', (c) => c.notNull())
          .addColumn('system_metrics', 'text', (c) => c.notNull())
          .addColumn('tags', 'text', (c) => c.notNull())
          .addColumn('notes', 'text')
          .addColumn('description', 'text')
          .addColumn('group_name', 'text')
          .addColumn('job_type', 'text')
          .addColumn('host', 'text')
          .addColumn('program', 'text')
          .addColumn('commit_sha', 'text')
          .addColumn('repo', 'text')
          .addColumn('sweep_name', 'text')
          .addColumn('exit_code', 'integer')
          .addColumn('stop_requested', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('runs_project_name', ['project_id', 'name'])
          .execute();
        await db.schema.createIndex('runs_state_heartbeat').on('runs').columns(['state', 'heartbeat_at']).execute();
        await db.schema.createTable('run_files')
          .addColumn('run_id', 'bigint', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('blob_key', 'text', (c) => c.notNull())
          .addColumn('size_bytes', 'bigint', (c) => c.notNull())
          .addColumn('md5', 'text')
          .addColumn('mimetype', 'text')
          .addColumn('uploaded', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('run_files_pk', ['run_id', 'name'])
          .execute();
        await db.schema.createTable('history_lines')
          .addColumn('run_id', 'bigint', (c) => c.notNull())
          .addColumn('stream', 'text', (c) => c.notNull())
          .addColumn('writer', 'text', (c) => c.notNull())
          .addColumn('line_no', 'bigint', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('step', 'bigint')
          .addColumn('data', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('history_lines_pk', ['run_id', 'stream', 'writer', 'line_no'])
          .execute();
        await db.schema.createIndex('history_lines_seq').on('history_lines').columns(['run_id', 'stream', 'seq']).execute();
        await db.schema.createIndex('history_lines_step').on('history_lines').columns(['run_id', 'stream', 'step']).execute();
        await db.schema.createTable('history_state')
          .addColumn('run_id', 'bigint', (c) => c.notNull())
          .addColumn('stream', 'text', (c) => c.notNull())
          .addColumn('next_seq', 'bigint', (c) => c.notNull())
          .addColumn('next_step', 'bigint', (c) => c.notNull())
          .addColumn('last_step', 'bigint')
          .addColumn('keys', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('history_state_pk', ['run_id', 'stream'])
          .execute();
        await db.schema.createTable('console_lines')
          .addColumn('run_id', 'bigint', (c) => c.notNull())
          .addColumn('writer', 'text', (c) => c.notNull())
          .addColumn('line_no', 'bigint', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('level', 'text', (c) => c.notNull())
          .addColumn('label', 'text')
          .addColumn('ts', 'text')
          .addColumn('text', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('console_lines_pk', ['run_id', 'writer', 'line_no'])
          .execute();
        await db.schema.createIndex('console_lines_seq').on('console_lines').columns(['run_id', 'seq']).execute();
      },
    },
    '0002_series_index': {
      async up(db: Db) {
        const blob = dialect === 'postgres' ? 'bytea' : 'blob';
        await db.schema.createTable('series_keys')
          .addColumn('run_id', 'bigint', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('numeric', 'integer', (c) => c.notNull())
          .addColumn('step_lo', 'bigint')
          .addColumn('step_hi', 'bigint')
          .addColumn('count', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('series_keys_pk', ['run_id', 'key'])
          .execute();
        await db.schema.createTable('series_chunks')
          .addColumn('run_id', 'bigint', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('chunk', 'bigint', (c) => c.notNull())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addColumn('summary', blob, (c) => c.notNull())
          .addColumn('blocks', blob, (c) => c.notNull())
          .addPrimaryKeyConstraint('series_chunks_pk', ['run_id', 'key', 'chunk'])
          .execute();
        // Raw points apart from the summaries, so scanning summaries reads small, dense rows.
        await db.schema.createTable('series_points')
          .addColumn('run_id', 'bigint', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('chunk', 'bigint', (c) => c.notNull())
          .addColumn('points', blob, (c) => c.notNull())
          .addPrimaryKeyConstraint('series_points_pk', ['run_id', 'key', 'chunk'])
          .execute();
        await db.schema.createTable('series_state')
          .addColumn('run_id', 'bigint', (c) => c.primaryKey())
          .addColumn('indexed_seq', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0003_series_rollups': {
      async up(db: Db) {
        await db.schema.createTable('series_rollups')
          .addColumn('run_id', 'bigint', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('level', 'integer', (c) => c.notNull())
          .addColumn('node', 'bigint', (c) => c.notNull())
          .addColumn('summary', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
          .addPrimaryKeyConstraint('series_rollups_pk', ['run_id', 'key', 'level', 'node'])
          .execute();
      },
    },
    '0004_run_query_columns': {
      async up(db: Db) {
        // Strict-JSON copies of config and summary (NaN/±Infinity as null) for filters and sorting:
        // PostgreSQL's jsonb rejects the SDK's bare tokens, and SQLite's JSON functions need valid JSON.
        const json = dialect === 'postgres' ? 'jsonb' : 'text';
        await db.schema.alterTable('runs').addColumn('config_q', json, (c) => c.notNull().defaultTo('{}')).execute();
        await db.schema.alterTable('runs').addColumn('summary_q', json, (c) => c.notNull().defaultTo('{}')).execute();
        await db.schema.createIndex('runs_project_created').on('runs').columns(['project_id', 'created_at']).execute();
      },
    },
    '0005_sessions_audit': sessionsAuditMigration(dialect),
    '0006_artifacts': artifactMigration(dialect),
    '0007_artifact_retention': artifactRetentionMigration(),
    '0008_artifact_manifest_parts': artifactManifestPartsMigration(dialect),
    '0009_artifact_ttl_defaults': artifactTtlDefaultsMigration(),
    '0010_organizations': organizationsMigration(dialect),
    '0011_artifact_outputs_collection_tags': artifactOutputsAndCollectionTagsMigration(),
    '0012_promotion_history': promotionMigration(dialect),
    '0013_registries': registriesMigration(),
    '0014_artifact_collection_deletion': artifactCollectionDeletionMigration(),
    '0015_run_alerts': alertMigration(dialect),
    '0016_project_visibility': projectVisibilityMigration(),
    '0017_user_default_entity': defaultEntityMigration(),
    '0018_workspace_layouts': workspaceLayoutMigration(),
    '0019_views': viewMigration(dialect),
    '0020_quota_windows': quotaWindowsMigration(),
    '0021_org_artifact_ttl_default': orgArtifactTtlDefaultMigration(),
    '0022_outbox': outboxMigration(),
  };
  return { getMigrations: async () => migrations };
}
