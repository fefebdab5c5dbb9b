import { Migrator, type Kysely } from 'kysely';
import { migrationsFor, type SqlDialect } from './migrations.js';
import type { Database } from './schema.js';

/** A Kysely handle plus which dialect it speaks, so the few dialect-specific helpers can branch. */
export interface SqlDatabase {
  db: Kysely<Database>;
  dialect: SqlDialect;
  close(): Promise<void>;
}

export async function migrateToLatest(sqlDb: SqlDatabase): Promise<void> {
  const migrator = new Migrator({ db: sqlDb.db, provider: migrationsFor(sqlDb.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
  }
}
