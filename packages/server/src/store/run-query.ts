import { sql } from 'kysely';
import { invalidInput } from '../core/errors.js';
import type { FieldRef, FilterNode, RunColumn, RunOrder } from '../core/ports.js';
import { FilterSql, jsonArraySet, type Sql, type SqlField } from './filter-sql.js';
import type { SqlDialect } from './migrations.js';

/**
 * Translates a parsed run filter into parameterised SQL for SQLite or PostgreSQL. Every user value is a
 * bound parameter; only column names from a fixed map and operators from a fixed set become SQL text.
 */
const COLUMNS: Record<Exclude<RunColumn, 'tags' | 'username'>, string> = {
  state: 'runs.state', name: 'runs.name', displayName: 'runs.display_name', group: 'runs.group_name',
  jobType: 'runs.job_type', createdAt: 'runs.created_at', updatedAt: 'runs.updated_at',
  heartbeatAt: 'runs.heartbeat_at', host: 'runs.host', notes: 'runs.notes', sweep: 'runs.sweep_name',
};
const TIME_COLUMNS = new Set<RunColumn>(['createdAt', 'updatedAt', 'heartbeatAt']);

/** Run filters: the run fields as SQL, compiled by the shared FilterSql. */
export class RunQuerySql {
  private readonly filters: FilterSql<FieldRef>;

  constructor(dialect: SqlDialect) {
    this.filters = new FilterSql<FieldRef>(dialect, (f) => runField(dialect, f));
  }

  where(node: FilterNode): Sql {
    return this.filters.where(node);
  }

  groupBy(field: FieldRef): { value: Sql; type: Sql | null } {
    if (field.kind === 'column' && field.column === 'tags') throw invalidInput('cannot group by tags');
    return this.filters.groupExprs(field);
  }

  orderBy(order: RunOrder): Sql {
    if (order.field.kind === 'column' && order.field.column === 'tags') throw invalidInput('cannot order by tags');
    const dir = sql.raw(order.descending ? 'desc' : 'asc');
    return sql`${this.filters.orderExpr(order.field)} ${dir} nulls last, runs.id ${dir}`;
  }
}

function runField(dialect: SqlDialect, f: FieldRef): SqlField {
  if (f.kind === 'config') return { kind: 'json', doc: sql.ref('runs.config_q'), path: f.path };
  if (f.kind === 'summary') return { kind: 'json', doc: sql.ref('runs.summary_q'), path: f.path };
  if (f.column === 'tags') return jsonArraySet(dialect, sql.ref('runs.tags'));
  if (f.column === 'username') return { kind: 'value', type: 'text', expr: sql`(select username from users where users.id = runs.user_id)` };
  return { kind: 'value', type: TIME_COLUMNS.has(f.column) ? 'time' : 'text', expr: sql.ref(COLUMNS[f.column]) };
}
