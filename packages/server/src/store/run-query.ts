import { sql, type RawBuilder } from 'kysely';
import { invalidInput } from '../core/errors.js';
import type { FieldRef, FilterNode, RunColumn, RunOrder, Scalar } from '../core/ports.js';
import type { SqlDialect } from './migrations.js';

/**
 * Translates a parsed run filter into parameterised SQL for SQLite or PostgreSQL. Every user value is a
 * bound parameter; only column names from a fixed map and operators from a fixed set become SQL text.
 */
type Sql = RawBuilder<unknown>;

const COLUMNS: Record<Exclude<RunColumn, 'tags' | 'username'>, string> = {
  state: 'runs.state', name: 'runs.name', displayName: 'runs.display_name', group: 'runs.group_name',
  jobType: 'runs.job_type', createdAt: 'runs.created_at', updatedAt: 'runs.updated_at',
  heartbeatAt: 'runs.heartbeat_at', host: 'runs.host', notes: 'runs.notes', sweep: 'runs.sweep_name',
};
const TIME_COLUMNS = new Set<RunColumn>(['createdAt', 'updatedAt', 'heartbeatAt']);
const OPS = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

function checkPath(path: string[]) {
  for (const p of path) {
    if (p.includes('"') || p.includes('\\')) throw invalidInput(`filter key ${JSON.stringify(p)} may not contain quotes or backslashes`);
  }
}

/** A run column value for time columns: ISO strings and epoch numbers both accepted. */
function timeValue(v: Scalar): number {
  const ms = typeof v === 'number' ? (v < 1e11 ? v * 1000 : v) : typeof v === 'string' ? Date.parse(v.endsWith('Z') || /[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`) : NaN;
  if (!Number.isFinite(ms)) throw invalidInput(`not a date: ${JSON.stringify(v)}`);
  return ms;
}

export class RunQuerySql {
  constructor(private readonly dialect: SqlDialect) {}

  private jsonDoc(field: Extract<FieldRef, { kind: 'config' | 'summary' }>) {
    return sql.ref(field.kind === 'config' ? 'runs.config_q' : 'runs.summary_q');
  }

  /** The JSON value's type name, normalised: 'number' | 'string' | 'boolean' | 'null' | 'object' | 'array' | null (missing). */
  private jsonType(field: Extract<FieldRef, { kind: 'config' | 'summary' }>): Sql {
    checkPath(field.path);
    const doc = this.jsonDoc(field);
    if (this.dialect === 'postgres') return sql`jsonb_typeof(${doc} #> ${field.path}::text[])`;
    const path = `$${field.path.map((p) => `."${p}"`).join('')}`;
    return sql`(case json_type(${doc}, ${path}) when 'integer' then 'number' when 'real' then 'number' when 'text' then 'string' when 'true' then 'boolean' when 'false' then 'boolean' else json_type(${doc}, ${path}) end)`;
  }

  /** The JSON value as SQL: a number for numbers, text for strings (booleans as 'true'/'false' text). */
  private jsonValue(field: Extract<FieldRef, { kind: 'config' | 'summary' }>, as: 'number' | 'text'): Sql {
    const doc = this.jsonDoc(field);
    if (this.dialect === 'postgres') {
      return as === 'number' ? sql`(${doc} #>> ${field.path}::text[])::double precision` : sql`(${doc} #>> ${field.path}::text[])`;
    }
    const path = `$${field.path.map((p) => `."${p}"`).join('')}`;
    return sql`json_extract(${doc}, ${path})`;
  }

  private compare(field: FieldRef, op: keyof typeof OPS, value: Scalar): Sql {
    const sqlOp = sql.raw(OPS[op]);
    if (field.kind === 'column') {
      if (field.column === 'tags') {
        // Mongo semantics on arrays: {tags: "x"} means "contains x".
        if (op !== 'eq' && op !== 'ne') throw invalidInput('tags supports $eq, $ne, $in, $nin, $exists, $regex');
        const has = this.tagsContain(value);
        return op === 'eq' ? has : sql`not ${has}`;
      }
      if (field.column === 'username') {
        const inner = sql`runs.user_id in (select id from users where username ${sqlOp} ${value})`;
        return inner;
      }
      const col = sql.ref(COLUMNS[field.column]);
      if (value === null) return op === 'eq' ? sql`${col} is null` : op === 'ne' ? sql`${col} is not null` : sql`1 = 0`;
      const v = TIME_COLUMNS.has(field.column) ? timeValue(value) : value;
      return op === 'ne' ? sql`(${col} is null or ${col} <> ${v})` : sql`${col} ${sqlOp} ${v}`;
    }
    const type = this.jsonType(field);
    if (value === null) {
      const isNull = sql`(${type} is null or ${type} = 'null')`;
      return op === 'eq' ? isNull : op === 'ne' ? sql`not ${isNull}` : sql`1 = 0`;
    }
    let match: Sql;
    if (typeof value === 'number') {
      match = sql`(${type} = 'number' and ${this.jsonValue(field, 'number')} ${op === 'ne' ? sql.raw('=') : sqlOp} ${value})`;
    } else if (typeof value === 'boolean') {
      if (op !== 'eq' && op !== 'ne') throw invalidInput('booleans support only $eq and $ne');
      const text = this.dialect === 'postgres' ? String(value) : value ? 1 : 0;
      match = sql`(${type} = 'boolean' and ${this.jsonValue(field, 'text')} = ${text})`;
    } else {
      match = sql`(${type} = 'string' and ${this.jsonValue(field, 'text')} ${op === 'ne' ? sql.raw('=') : sqlOp} ${value})`;
    }
    // $ne matches documents where the field differs or is missing, as in MongoDB.
    return op === 'ne' ? sql`not coalesce(${match}, false)` : match;
  }

  private tagsContain(value: Scalar): Sql {
    if (this.dialect === 'postgres') return sql`jsonb_exists(runs.tags::jsonb, ${String(value)})`;
    return sql`exists (select 1 from json_each(runs.tags) where json_each.value = ${value})`;
  }

  private exists(field: FieldRef, exists: boolean): Sql {
    let present: Sql;
    if (field.kind === 'column') {
      present = field.column === 'tags' ? sql`runs.tags <> '[]'`
        : field.column === 'username' ? sql`runs.user_id is not null` : sql`${sql.ref(COLUMNS[field.column])} is not null`;
    } else {
      present = sql`${this.jsonType(field)} is not null`;
    }
    return exists ? present : sql`not (${present})`;
  }

  private regex(field: FieldRef, pattern: string, ci: boolean): Sql {
    let text: Sql;
    if (field.kind === 'column') {
      if (field.column === 'tags') {
        const cond = this.dialect === 'postgres'
          ? sql`exists (select 1 from jsonb_array_elements_text(runs.tags::jsonb) t(v) where t.v ${sql.raw(ci ? '~*' : '~')} ${pattern})`
          : sql`exists (select 1 from json_each(runs.tags) where regexp(${pattern}, json_each.value, ${ci ? 1 : 0}))`;
        return cond;
      }
      if (field.column === 'username') {
        text = sql`(select username from users where users.id = runs.user_id)`;
      } else {
        if (TIME_COLUMNS.has(field.column)) throw invalidInput('$regex does not apply to dates');
        text = sql.ref(COLUMNS[field.column]);
      }
    } else {
      text = sql`(case when ${this.jsonType(field)} = 'string' then ${this.jsonValue(field, 'text')} end)`;
    }
    return this.dialect === 'postgres'
      ? sql`coalesce(${text} ${sql.raw(ci ? '~*' : '~')} ${pattern}, false)`
      : sql`coalesce(regexp(${pattern}, ${text}, ${ci ? 1 : 0}), 0)`;
  }

  where(node: FilterNode): Sql {
    switch (node.type) {
      case 'true': return sql`1 = 1`;
      case 'and': return sql`(${sql.join(node.children.map((c) => this.where(c)), sql` and `)})`;
      case 'or': return sql`(${sql.join(node.children.map((c) => this.where(c)), sql` or `)})`;
      case 'nor': return sql`not coalesce((${sql.join(node.children.map((c) => this.where(c)), sql` or `)}), false)`;
      case 'not': return sql`not coalesce(${this.where(node.child)}, false)`;
      case 'compare': return this.compare(node.field, node.op, node.value);
      case 'in': {
        if (node.values.length === 0) return node.negate ? sql`1 = 1` : sql`1 = 0`;
        const any = sql`(${sql.join(node.values.map((v) => this.compare(node.field, 'eq', v)), sql` or `)})`;
        return node.negate ? sql`not coalesce(${any}, false)` : any;
      }
      case 'exists': return this.exists(node.field, node.exists);
      case 'regex': return this.regex(node.field, node.pattern, node.caseInsensitive);
    }
  }

  orderBy(order: RunOrder): Sql {
    const f = order.field;
    let expr: Sql;
    if (f.kind === 'column') {
      if (f.column === 'tags') throw invalidInput('cannot order by tags');
      expr = f.column === 'username' ? sql`(select username from users where users.id = runs.user_id)` : sql.ref(COLUMNS[f.column]);
    } else {
      checkPath(f.path);
      // Numbers sort numerically; anything else after them.
      expr = sql`(case when ${this.jsonType(f)} = 'number' then ${this.jsonValue(f, 'number')} end)`;
    }
    return sql`${expr} ${sql.raw(order.descending ? 'desc' : 'asc')} nulls last, runs.id ${sql.raw(order.descending ? 'desc' : 'asc')}`;
  }
}
