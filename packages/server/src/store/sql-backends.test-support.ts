import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openPostgresDatabase } from './postgres.js';
import { migrateToLatest, type SqlDatabase } from './sql-database.js';
import { openSqliteDatabase } from './sqlite.js';

/**
 * The SQL backends a conformance suite loops over (Kysely's test-matrix pattern): SQLite always, PostgreSQL
 * when CAIRN_TEST_DATABASE_URL points at a server we may create databases on. CAIRN_TEST_BACKENDS
 * (e.g. "postgres") narrows the list.
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

function postgres(adminUrl: string): SqlBackend {
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    async open() {
      // A database per test: runs never see each other's rows, and parallel test files cannot collide.
      const name = `cairn_test_${process.pid}_${randomBytes(6).toString('hex')}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const sqlDb = openPostgresDatabase(url.toString());
      await migrateToLatest(sqlDb);
      return {
        sqlDb,
        async dispose() {
          await sqlDb.close();
          await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
        },
      };
    },
  };
}

export function sqlBackends(env: NodeJS.ProcessEnv = process.env): SqlBackend[] {
  const all: SqlBackend[] = [sqlite];
  if (env.CAIRN_TEST_DATABASE_URL) all.push(postgres(env.CAIRN_TEST_DATABASE_URL));
  const only = env.CAIRN_TEST_BACKENDS?.split(',').map((s) => s.trim()).filter(Boolean);
  return only && only.length > 0 ? all.filter((b) => only.includes(b.name)) : all;
}
