import { type Kysely, type Migration, sql } from 'kysely';
import type { SqlDialect } from './migrations.js';

/**
 * Incremental and distributed artifacts: the partial manifests (INCREMENTAL, PATCH) a pending version
 * collects until its commit merges them, and one pending version per distributed id in a collection.
 */
export function artifactManifestPartsMigration(dialect: SqlDialect): Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  const id = (t: ReturnType<Db['schema']['createTable']>) =>
    dialect === 'postgres'
      ? t.addColumn('id', 'bigserial', (c) => c.primaryKey())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  return {
    async up(db: Db) {
      await id(db.schema.createTable('artifact_manifest_parts'))
        .addColumn('artifact_id', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull()) // INCREMENTAL | PATCH
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('blob_key', 'text', (c) => c.notNull())
        .addColumn('base_artifact_id', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('artifact_manifest_parts_artifact').on('artifact_manifest_parts').column('artifact_id').execute();
      // Processes that upsert at the same moment must land in one pending version. Older duplicates (from
      // before this index) keep their files but no longer answer to the distributed id.
      await sql`UPDATE artifacts SET distributed_id = NULL WHERE state = 'PENDING' AND distributed_id IS NOT NULL
        AND id NOT IN (SELECT MIN(id) FROM artifacts WHERE state = 'PENDING' AND distributed_id IS NOT NULL
                       GROUP BY sequence_id, distributed_id)`.execute(db);
      await sql`CREATE UNIQUE INDEX artifacts_pending_distributed ON artifacts (sequence_id, distributed_id)
        WHERE state = 'PENDING' AND distributed_id IS NOT NULL`.execute(db);
    },
  };
}
