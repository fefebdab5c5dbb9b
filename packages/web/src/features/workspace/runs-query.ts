/**
 * The runs table's state → the server's query language (MongoDB-style filters and `[+-]field` orders, as
 * POST /api/v1/runs and the W&B public API take them). Pure: tested in runs-query.test.ts.
 */

export const FILTER_OPS = ['=', '≠', '>', '≥', '<', '≤', 'matches', 'in', 'not in', 'exists', 'missing'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

/** `field` is a server field name: state, tags, group, jobType, config.<key>, summary_metrics.<key>, … */
export interface FieldFilter { field: string; op: FilterOp; value: string }

export interface RunsQueryState {
  search: string;
  /** Empty: any state. */
  states: string[];
  filters: FieldFilter[];
  sort: { field: string; desc: boolean } | null;
}

export const emptyRunsQuery = (): RunsQueryState => ({ search: '', states: [], filters: [], sort: null });

const MONGO_OP: Record<Exclude<FilterOp, '=' | 'matches' | 'in' | 'not in' | 'exists' | 'missing'>, string> = { '≠': '$ne', '>': '$gt', '≥': '$gte', '<': '$lt', '≤': '$lte' };

/** A typed value from what was typed: numbers and booleans compare as such, anything else as text. */
export function parseValue(text: string): string | number | boolean | null {
  const t = text.trim();
  if (t === 'null') return null;
  if (t === 'true' || t === 'false') return t === 'true';
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  return text;
}

export const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The filter document, or undefined for "all runs". Filters with an empty field are ignored (being edited). */
export function toMongoFilter(q: RunsQueryState): Record<string, unknown> | undefined {
  const parts: Record<string, unknown>[] = [];
  const search = q.search.trim();
  if (search) {
    const m = { $regex: escapeRegex(search), $options: 'i' };
    parts.push({ $or: [{ display_name: m }, { name: m }] });
  }
  if (q.states.length > 0) parts.push({ state: { $in: q.states } });
  for (const f of q.filters) {
    if (!f.field.trim()) continue;
    const field = f.field.trim();
    if (f.op === 'matches') parts.push({ [field]: { $regex: f.value, $options: 'i' } });
    else if (f.op === 'in' || f.op === 'not in') {
      const values = f.value.split(',').map((v) => v.trim()).filter((v) => v !== '').map(parseValue);
      parts.push({ [field]: { [f.op === 'in' ? '$in' : '$nin']: values } });
    } else if (f.op === 'exists' || f.op === 'missing') parts.push({ [field]: { $exists: f.op === 'exists' } });
    else if (f.op === '=') parts.push({ [field]: parseValue(f.value) });
    else parts.push({ [field]: { [MONGO_OP[f.op]]: parseValue(f.value) } });
  }
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { $and: parts };
}

export const toOrder = (sort: RunsQueryState['sort']) => (sort ? `${sort.desc ? '-' : '+'}${sort.field}` : undefined);

/** Server field name of a runs-table column id. */
export function serverField(columnId: string): string | null {
  if (columnId.startsWith('config:')) return `config.${columnId.slice('config:'.length)}`;
  if (columnId.startsWith('summary:')) return `summary_metrics.${columnId.slice('summary:'.length)}`;
  const plain: Record<string, string> = {
    name: 'display_name', state: 'state', createdAt: 'createdAt', group: 'group', jobType: 'jobType', host: 'host', user: 'username',
  };
  return plain[columnId] ?? null;
}

/** Fields every project has, offered first when typing a filter field. */
export const BASE_FILTER_FIELDS = ['state', 'tags', 'group', 'jobType', 'username', 'display_name', 'host', 'createdAt'];

/** Filter field suggestions: the base fields, then every config and summary key seen. */
export const filterFields = (available: { config: string[]; summary: string[] }) => [
  ...BASE_FILTER_FIELDS, ...available.config.map((k) => `config.${k}`), ...available.summary.map((k) => `summary_metrics.${k}`),
];

/** Operators that take no value. */
export const isUnary = (op: FilterOp) => op === 'exists' || op === 'missing';
