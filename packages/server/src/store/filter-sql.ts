import { sql, type RawBuilder } from 'kysely';
import { invalidInput } from '../core/errors.js';
import type { CompareOp, FilterNode, Scalar } from '../core/ports.js';
import type { SqlDialect } from './migrations.js';

/**
 * Translates a parsed MongoDB-style filter (core/run-filter.ts parseMongoFilter) into parameterised SQL for
 * SQLite or PostgreSQL. A domain (runs, registries, collections, versions) only says what SQL each of its
 * fields is (`SqlField`); the operators, Mongo semantics and dialect differences live here once. Every user
 * value is a bound parameter; only fixed column expressions and operators become SQL text.
 */
export type Sql = RawBuilder<unknown>;

export type SqlField =
  /**
   * One value per row. `coerce` turns the user's operand into the column's form (e.g. "v3" → 3); time columns
   * hold epoch milliseconds and accept ISO strings or epoch numbers.
   */
  | { kind: 'value'; expr: Sql; type: 'text' | 'number' | 'time'; coerce?: (v: Scalar) => Scalar }
  /**
   * A list of strings per row (tags, aliases). Mongo array semantics: a condition holds when some element
   * satisfies it. `any(cond)` is an EXISTS over the elements; `nonEmpty` holds when there is at least one.
   */
  | { kind: 'set'; any: (cond: (element: Sql) => Sql) => Sql; nonEmpty: Sql }
  /** A path into a JSON document column (config, summary, metadata); compared by JSON type. */
  | { kind: 'json'; doc: Sql; path: string[] };

const OPS: Record<CompareOp, string> = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };

/** ISO strings (UTC when no zone is given) and epoch seconds or milliseconds → epoch milliseconds. */
export function timeValue(v: Scalar): number {
  const ms = typeof v === 'number' ? (v < 1e11 ? v * 1000 : v)
    : typeof v === 'string' ? Date.parse(v.endsWith('Z') || /[+-]\d\d:?\d\d$/.test(v) || !/\d\d:\d\d/.test(v) ? v : `${v}Z`) : NaN;
  if (!Number.isFinite(ms)) throw invalidInput(`not a date: ${JSON.stringify(v)}`);
  return ms;
}

function checkPath(path: string[]) {
  for (const p of path) {
    if (p.includes('"') || p.includes('\\')) throw invalidInput(`filter key ${JSON.stringify(p)} may not contain quotes or backslashes`);
  }
}

export class FilterSql<F> {
  constructor(private readonly dialect: SqlDialect, private readonly resolve: (field: F) => SqlField) {}

  where(node: FilterNode<F>): Sql {
    switch (node.type) {
      case 'true': return sql`1 = 1`;
      case 'and': return sql`(${sql.join(node.children.map((c) => this.where(c)), sql` and `)})`;
      case 'or': return sql`(${sql.join(node.children.map((c) => this.where(c)), sql` or `)})`;
      case 'nor': return sql`not coalesce((${sql.join(node.children.map((c) => this.where(c)), sql` or `)}), false)`;
      case 'not': return sql`not coalesce(${this.where(node.child)}, false)`;
      case 'compare': return this.compare(this.resolve(node.field), node.op, node.value);
      case 'in': {
        if (node.values.length === 0) return node.negate ? sql`1 = 1` : sql`1 = 0`;
        const field = this.resolve(node.field);
        const any = sql`(${sql.join(node.values.map((v) => this.compare(field, 'eq', v)), sql` or `)})`;
        return node.negate ? sql`not coalesce(${any}, false)` : any;
      }
      case 'all': {
        const field = this.resolve(node.field);
        return sql`(${sql.join(node.values.map((v) => this.has(field, v)), sql` and `)})`;
      }
      case 'exists': return this.exists(this.resolve(node.field), node.exists);
      case 'regex': return this.regex(this.resolve(node.field), node.pattern, node.caseInsensitive);
      case 'contains': return this.contains(this.resolve(node.field), node.value);
    }
  }

  /** An ORDER BY expression for a field: numbers sort numerically, and a JSON path's non-numbers after them. */
  orderExpr(field: F): Sql {
    const f = this.resolve(field);
    if (f.kind === 'value') return f.expr;
    if (f.kind === 'set') throw invalidInput('cannot order by a list field');
    return sql`(case when ${this.jsonType(f)} = 'number' then ${this.jsonValue(f, 'number')} end)`;
  }

  /**
   * GROUP BY expressions for a field: its value, and for a JSON path its type name (so a group's value can be
   * given back typed: PostgreSQL hands JSON scalars back as text).
   */
  groupExprs(field: F): { value: Sql; type: Sql | null } {
    const f = this.resolve(field);
    if (f.kind === 'value') return { value: f.expr, type: null };
    if (f.kind === 'set') throw invalidInput('cannot group by a list field');
    return { value: this.jsonValue(f, 'text'), type: this.jsonType(f) };
  }

  /** The JSON value's type name, normalised: 'number' | 'string' | 'boolean' | 'null' | 'object' | 'array' | null (missing). */
  private jsonType(f: Extract<SqlField, { kind: 'json' }>): Sql {
    checkPath(f.path);
    if (this.dialect === 'postgres') return sql`jsonb_typeof(${f.doc} #> ${f.path}::text[])`;
    const path = `$${f.path.map((p) => `."${p}"`).join('')}`;
    return sql`(case json_type(${f.doc}, ${path}) when 'integer' then 'number' when 'real' then 'number' when 'text' then 'string' when 'true' then 'boolean' when 'false' then 'boolean' else json_type(${f.doc}, ${path}) end)`;
  }

  /** The JSON value as SQL: a number for numbers, text for strings (booleans as 'true'/'false' text on PostgreSQL, 1/0 on SQLite). */
  private jsonValue(f: Extract<SqlField, { kind: 'json' }>, as: 'number' | 'text'): Sql {
    if (this.dialect === 'postgres') {
      return as === 'number' ? sql`(${f.doc} #>> ${f.path}::text[])::double precision` : sql`(${f.doc} #>> ${f.path}::text[])`;
    }
    const path = `$${f.path.map((p) => `."${p}"`).join('')}`;
    return sql`json_extract(${f.doc}, ${path})`;
  }

  private valueOperand(f: Extract<SqlField, { kind: 'value' }>, v: Scalar): Scalar {
    const coerced = f.coerce ? f.coerce(v) : v;
    if (coerced === null) return null;
    if (f.type === 'time') return timeValue(coerced);
    if (f.type === 'number') {
      const n = typeof coerced === 'number' ? coerced : typeof coerced === 'string' && coerced.trim() !== '' ? Number(coerced) : NaN;
      if (!Number.isFinite(n)) throw invalidInput(`expected a number, got ${JSON.stringify(v)}`);
      return n;
    }
    return typeof coerced === 'string' ? coerced : String(coerced);
  }

  private compare(f: SqlField, op: CompareOp, value: Scalar): Sql {
    const sqlOp = sql.raw(OPS[op]);
    if (f.kind === 'value') {
      const v = this.valueOperand(f, value);
      if (v === null) return op === 'eq' ? sql`${f.expr} is null` : op === 'ne' ? sql`${f.expr} is not null` : sql`1 = 0`;
      // $ne also matches rows where the field is missing, as in MongoDB.
      return op === 'ne' ? sql`(${f.expr} is null or ${f.expr} <> ${v})` : sql`${f.expr} ${sqlOp} ${v}`;
    }
    if (f.kind === 'set') {
      if (value === null) return op === 'eq' ? sql`not (${f.nonEmpty})` : op === 'ne' ? f.nonEmpty : sql`1 = 0`;
      // {tags: "x"}: some element is "x"; {tags: {$ne: "x"}}: no element is.
      if (op === 'ne') return sql`not ${f.any((el) => sql`${el} = ${String(value)}`)}`;
      return f.any((el) => sql`${el} ${sqlOp} ${String(value)}`);
    }
    const type = this.jsonType(f);
    if (value === null) {
      const isNull = sql`(${type} is null or ${type} = 'null')`;
      return op === 'eq' ? isNull : op === 'ne' ? sql`not ${isNull}` : sql`1 = 0`;
    }
    let match: Sql;
    if (typeof value === 'number') {
      match = sql`(${type} = 'number' and ${this.jsonValue(f, 'number')} ${op === 'ne' ? sql.raw('=') : sqlOp} ${value})`;
    } else if (typeof value === 'boolean') {
      if (op !== 'eq' && op !== 'ne') throw invalidInput('booleans support only $eq and $ne');
      const text = this.dialect === 'postgres' ? String(value) : value ? 1 : 0;
      match = sql`(${type} = 'boolean' and ${this.jsonValue(f, 'text')} = ${text})`;
    } else {
      match = sql`(${type} = 'string' and ${this.jsonValue(f, 'text')} ${op === 'ne' ? sql.raw('=') : sqlOp} ${value})`;
    }
    return op === 'ne' ? sql`not coalesce(${match}, false)` : match;
  }

  /** `$all`: a list (or a JSON array) holds the value; a single value equals it. */
  private has(f: SqlField, value: Scalar): Sql {
    if (f.kind !== 'json') return this.compare(f, 'eq', value);
    const type = this.jsonType(f);
    if (this.dialect === 'postgres') {
      const elements = sql`jsonb_array_elements(case when ${type} = 'array' then ${f.doc} #> ${f.path}::text[] end)`;
      return sql`exists (select 1 from ${elements} e(v) where e.v = to_jsonb(${value === null ? null : value}::${sql.raw(typeof value === 'number' ? 'double precision' : typeof value === 'boolean' ? 'boolean' : 'text')}))`;
    }
    const path = `$${f.path.map((p) => `."${p}"`).join('')}`;
    const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    return sql`(${type} = 'array' and exists (select 1 from json_each(${f.doc}, ${path}) j where j.value = ${v}))`;
  }

  private exists(f: SqlField, exists: boolean): Sql {
    const present = f.kind === 'value' ? sql`${f.expr} is not null` : f.kind === 'set' ? f.nonEmpty : sql`${this.jsonType(f)} is not null`;
    return exists ? present : sql`not (${present})`;
  }

  private textMatch(text: Sql, pattern: string, ci: boolean): Sql {
    return this.dialect === 'postgres'
      ? sql`coalesce(${text} ${sql.raw(ci ? '~*' : '~')} ${pattern}, false)`
      : sql`coalesce(regexp(${pattern}, ${text}, ${ci ? 1 : 0}), 0) = 1`;
  }

  private regex(f: SqlField, pattern: string, ci: boolean): Sql {
    if (f.kind === 'set') return f.any((el) => this.textMatch(el, pattern, ci));
    if (f.kind === 'value') {
      if (f.type === 'time') throw invalidInput('$regex does not apply to dates');
      return this.textMatch(f.type === 'number' ? this.asText(f.expr) : f.expr, pattern, ci);
    }
    return this.textMatch(sql`(case when ${this.jsonType(f)} = 'string' then ${this.jsonValue(f, 'text')} end)`, pattern, ci);
  }

  private asText(expr: Sql): Sql {
    return this.dialect === 'postgres' ? sql`(${expr})::text` : sql`cast(${expr} as text)`;
  }

  private substring(text: Sql, value: string): Sql {
    return this.dialect === 'postgres' ? sql`coalesce(strpos(${text}, ${value}) > 0, false)` : sql`coalesce(instr(${text}, ${value}) > 0, 0) = 1`;
  }

  private contains(f: SqlField, value: string): Sql {
    if (f.kind === 'set') return f.any((el) => this.substring(el, value));
    if (f.kind === 'value') {
      if (f.type !== 'text') throw invalidInput('$contains applies to text fields');
      return this.substring(f.expr, value);
    }
    return this.substring(sql`(case when ${this.jsonType(f)} = 'string' then ${this.jsonValue(f, 'text')} end)`, value);
  }
}

/** A JSON array column of strings as a list field (runs.tags). */
export function jsonArraySet(dialect: SqlDialect, column: Sql): Extract<SqlField, { kind: 'set' }> {
  return dialect === 'postgres'
    ? {
      kind: 'set', nonEmpty: sql`${column} <> '[]'`,
      any: (cond) => sql`exists (select 1 from jsonb_array_elements_text((${column})::jsonb) t(v) where ${cond(sql`t.v`)})`,
    }
    : {
      kind: 'set', nonEmpty: sql`${column} <> '[]'`,
      any: (cond) => sql`exists (select 1 from json_each(${column}) where ${cond(sql`json_each.value`)})`,
    };
}
