import {
  DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteAdapter, SqliteIntrospector,
  SqliteQueryCompiler, sql, type RawBuilder,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../core/errors.js';
import { parseRunFilter } from '../core/run-filter.js';
import { parseVersionFilter } from '../core/registry-filter.js';
import type { VersionFieldRef } from '../core/registry-ports.js';
import { FilterSql, jsonArraySet, timeValue, type SqlField } from './filter-sql.js';
import type { SqlDialect } from './migrations.js';

/** Compiles without a database, to look at the SQL text and its parameters. */
function compiler(dialect: SqlDialect) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return new Kysely<any>({
    dialect: dialect === 'postgres'
      ? { createAdapter: () => new PostgresAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (db) => new PostgresIntrospector(db), createQueryCompiler: () => new PostgresQueryCompiler() }
      : { createAdapter: () => new SqliteAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (db) => new SqliteIntrospector(db), createQueryCompiler: () => new SqliteQueryCompiler() },
  });
}

function versionSql(dialect: SqlDialect): (f: VersionFieldRef) => SqlField {
  return (f) => {
    if ('metadata' in f) return { kind: 'json', doc: sql`a.metadata`, path: f.metadata };
    if (f.column === 'tag') return jsonArraySet(dialect, sql`a.tags`);
    if (f.column === 'version') return { kind: 'value', type: 'number', expr: sql`m.version_index`, coerce: (v) => (typeof v === 'string' ? Number(v.replace(/^v/, '')) : v) };
    if (f.column === 'createdAt') return { kind: 'value', type: 'time', expr: sql`a.created_at` };
    return { kind: 'value', type: 'text', expr: sql.ref(`a.${f.column}`) };
  };
}

const compile = (dialect: SqlDialect, filter: unknown) => {
  const where = new FilterSql(dialect, versionSql(dialect)).where(parseVersionFilter(JSON.stringify(filter)));
  return compiler(dialect).selectFrom('artifacts as a').selectAll().where(where as RawBuilder<boolean>).compile();
};

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`filter → SQL: ${dialect}`, () => {
    it('binds every user value as a parameter, never as SQL text', () => {
      const evil = "x' OR '1'='1";
      const q = compile(dialect, {
        $or: [{ 'metadata.framework': evil }, { tag: { $in: [evil, 'b'] } }, { description: { $regex: '^a.b$' } }, { digest: { $contains: evil } }],
      });
      expect(q.sql).not.toContain(evil);
      expect(q.sql).not.toContain('^a.b$');
      expect(q.parameters).toContain(evil);
      expect(q.parameters).toContain('^a.b$');
      expect(q.sql).toMatch(/ or /);
    });

    it('maps operators and coerces operands by field type', () => {
      const q = compile(dialect, { version: { $gte: 'v2' }, created_at: { $lt: '2026-01-02T00:00:00Z' }, 'metadata.acc': { $gt: 0.9 } });
      expect(q.parameters).toContain(2);
      expect(q.parameters).toContain(Date.parse('2026-01-02T00:00:00Z'));
      expect(q.parameters).toContain(0.9);
      expect(q.sql).toContain('>=');
      // JSON paths are parameters too (a bound path string, or a text[] on PostgreSQL).
      expect(q.sql).not.toContain('acc');
    });

    it('refuses what cannot be meant, with a clear error', () => {
      const bad = (filter: unknown) => {
        try {
          compile(dialect, filter);
        } catch (e) {
          expect(e).toBeInstanceOf(DomainError);
          return (e as DomainError).message;
        }
        throw new Error('expected a DomainError');
      };
      expect(bad({ version: 'latest' })).toContain('expected a number');
      expect(bad({ created_at: { $regex: '2026' } })).toContain('does not apply to dates');
      expect(bad({ 'metadata.a"b': 1 })).toContain('quotes');
      expect(bad({ created_at: 'yesterday' })).toContain('not a date');
      expect(bad({ version: { $contains: '1' } })).toContain('text fields');
    });
  });
}

describe('shared parser', () => {
  it('reads $contains and $all for runs too', () => {
    expect(parseRunFilter('{"tags": {"$all": ["a", "b"]}}')).toEqual({ type: 'all', field: { kind: 'column', column: 'tags' }, values: ['a', 'b'] });
    expect(parseRunFilter('{"display_name": {"$contains": "run"}}')).toMatchObject({ type: 'contains', value: 'run' });
    expect(() => parseRunFilter('{"tags": {"$all": []}}')).toThrow(DomainError);
  });
  it('reads dates with or without a time', () => {
    expect(timeValue('2026-08-10')).toBe(Date.UTC(2026, 7, 10));
    expect(timeValue('2026-08-10T01:00:00')).toBe(Date.UTC(2026, 7, 10, 1));
    expect(timeValue(1_700_000_000)).toBe(1_700_000_000_000);
  });
});
