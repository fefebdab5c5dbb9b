import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { openPostgresDatabase } from './postgres.js';
import { migrateToLatest, type SqlDatabase } from './sql-database.js';
import { openSqliteDatabase } from './sqlite.js';

/**
 * The SQL backends a conformance suite loops over (Kysely's test-matrix pattern): SQLite always, PostgreSQL
 * when CAIRN_TEST_DATABASE_URL points at a server we may create databases on. CAIRN_TEST_BACKENDS
 * (e.g. "postgres") narrows the list. Call it at the top of a test file (it registers cleanup with afterAll).
 */
export interface SqlBackend {
  name: 'sqlite' | 'postgres';
  /** A fresh, migrated, empty database; `dispose` closes and removes it. */
  open(): Promise<{ sqlDb: SqlDatabase; dispose(): Promise<void> }>;
}

const sqlite: SqlBackend = {
  name: 'sqlite',
  async open() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-sqlite-'));
    const sqlDb = openSqliteDatabase(path.join(dir, 'cairn.sqlite'));
    await migrateToLatest(sqlDb);
    return {
      sqlDb,
      async dispose() {
        await sqlDb.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

function postgres(adminUrl: string): SqlBackend & { dropDatabase(): Promise<void> } {
  const withClient = async <T>(url: string, fn: (c: pg.Client) => Promise<T>) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  const admin = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(adminUrl, fn);
  const urlOf = (database: string) => {
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    return url.toString();
  };
  const uniqueName = (kind: string) => `cairn_${kind}_${process.pid}_${randomBytes(6).toString('hex')}`;

  // One migrated database per test file, emptied before each test (TRUNCATE … RESTART IDENTITY): as isolated
  // as a fresh database, but CREATE DATABASE and the migrations run once per file instead of once per test.
  let database: Promise<string> | null = null;
  const migratedDatabase = () => {
    database ??= (async () => {
      const name = uniqueName('test');
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      const sqlDb = openPostgresDatabase(urlOf(name), 2);
      try {
        await migrateToLatest(sqlDb);
      } finally {
        await sqlDb.close();
      }
      return name;
    })();
    return database;
  };

  return {
    name: 'postgres',
    async open() {
      const name = await migratedDatabase();
      await withClient(urlOf(name), async (c) => {
        const r = await c.query<{ tablename: string }>(
          "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'kysely_migration%'",
        );
        const tables = r.rows.map((t) => `"${t.tablename}"`);
        if (tables.length > 0) await c.query(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY CASCADE`);
      });
      const sqlDb = openPostgresDatabase(urlOf(name));
      return { sqlDb, dispose: () => sqlDb.close() };
    },
    async dropDatabase() {
      if (!database) return;
      const name = await database.catch(() => null);
      database = null;
      if (name) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

export function sqlBackends(env: NodeJS.ProcessEnv = process.env): SqlBackend[] {
  const all: SqlBackend[] = [sqlite];
  if (env.CAIRN_TEST_DATABASE_URL) {
    const pgBackend = postgres(env.CAIRN_TEST_DATABASE_URL);
    // Called while a test file is collected, so this runs after that file (or describe) is done.
    afterAll(() => pgBackend.dropDatabase());
    all.push(pgBackend);
  }
  const only = env.CAIRN_TEST_BACKENDS?.split(',').map((s) => s.trim()).filter(Boolean);
  return only && only.length > 0 ? all.filter((b) => only.includes(b.name)) : all;
}
