import type { Kysely, Migration } from 'kysely';

/**
 * Runs that logged a version they did not create (identical content deduplicated to an existing version:
 * the run still logged it, so it is among its outputs), and tags on collections (`ArtifactCollection.tags`).
 */
export function artifactOutputsAndCollectionTagsMigration(): Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  return {
    async up(db: Db) {
      await db.schema.createTable('artifact_outputs')
        .addColumn('run_id', 'bigint', (c) => c.notNull())
        .addColumn('artifact_id', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('artifact_outputs_pk', ['run_id', 'artifact_id'])
        .execute();
      await db.schema.createIndex('artifact_outputs_artifact').on('artifact_outputs').column('artifact_id').execute();
      await db.schema.createTable('artifact_collection_tags')
        .addColumn('collection_id', 'bigint', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('artifact_collection_tags_pk', ['collection_id', 'name'])
        .execute();
    },
  };
}

/** Deleting a sequence (deleteArtifactSequence) hides it until a version is logged under its name again or restored. */
export function artifactCollectionDeletionMigration(): Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  return {
    async up(db: Db) {
      await db.schema.alterTable('artifact_collections').addColumn('deleted_at', 'bigint').execute();
    },
  };
}
