import type { Kysely, Migration } from 'kysely';

/**
 * A user's default entity (W&B's `updateUser(input: {defaultEntity})`): where runs go when the SDK names no entity.
 * Null: the user's personal entity.
 */
export function defaultEntityMigration(): Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  return {
    async up(db: Db) {
      await db.schema.alterTable('users').addColumn('default_entity_id', 'bigint').execute();
    },
  };
}
