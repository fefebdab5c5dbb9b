import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';
import type { SqlDatabase } from './sql-database.js';

/**
 * Embedded SQLite. WAL + synchronous=FULL: an acknowledged write survives kill -9 and power loss;
 * busy_timeout lets a second process (the CLI) wait instead of failing.
 */
export function openSqliteDatabase(file: string): SqlDatabase {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('foreign_keys = ON');
  registerRegexp(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/**
 * `regexp(pattern, text, caseInsensitive)` for run filters. Patterns were vetted by core/run-filter.ts
 * (no nested repetition, backreferences or lookarounds, one unbounded repetition), and only the first
 * MAX_REGEXP_TEXT characters of a value are searched, so matching stays fast.
 */
const MAX_REGEXP_TEXT = 1024;

function registerRegexp(sqlite: BetterSqlite3.Database) {
  const cache = new Map<string, RegExp>();
  sqlite.function('regexp', { deterministic: true }, (pattern: unknown, text: unknown, ci: unknown) => {
    if (typeof pattern !== 'string' || typeof text !== 'string') return null;
    const cacheKey = `${ci ? 'i' : ''}:${pattern}`;
    let re = cache.get(cacheKey);
    if (!re) {
      if (cache.size > 1000) cache.clear();
      re = new RegExp(pattern, ci ? 'iu' : 'u');
      cache.set(cacheKey, re);
    }
    // Even one unanchored `.*x` is quadratic in the text: 1 KiB keeps a row under milliseconds.
    return re.test(text.length > MAX_REGEXP_TEXT ? text.slice(0, MAX_REGEXP_TEXT) : text) ? 1 : 0;
  });
}
