/**
 * A report run set's filters and sort (as W&B's app and wandb-workspaces save them) → the MongoDB-style filter and
 * `[+-]field` order POST /api/v1/runs takes. Pure: tested in runset-filter.test.ts.
 *
 * Two stored shapes:
 * - filterV2 (what wandb-workspaces 0.4.x and W&B's current app write): `{filterFormat: 'filterV2', filters: [...]}`,
 *   a flat list where each item after the first has a `connector` ('AND' | 'OR'), AND binds tighter than OR, and an
 *   item `{filters: [...]}` is a parenthesised group.
 * - the older tree: `{op: 'OR', filters: [{op: 'AND', filters: [leaf, …]}]}`.
 * A leaf is `{key: {section, name}, op, value, disabled?}`; disabled leaves are left out, as W&B does.
 */

export type MongoFilter = Record<string, unknown>;

export interface RunSetQuery {
  /** undefined: no filter (every run). */
  filter: MongoFilter | undefined;
  /** Leaves Cairn cannot apply, described for the panel's note; the filter is built without them. */
  unsupported: string[];
}

type Obj = Record<string, unknown>;
const asObject = (v: unknown): Obj | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Obj : null);

/** W&B's run-section field names → the server's run columns (core/run-filter.ts COLUMN_ALIASES). */
const RUN_FIELDS: Record<string, string> = {
  name: 'name', displayName: 'display_name', state: 'state', tags: 'tags', group: 'group', jobType: 'jobType',
  createdAt: 'createdAt', updatedAt: 'updatedAt', heartbeatAt: 'heartbeatAt', host: 'host', username: 'username',
  sweep: 'sweep', notes: 'notes',
};

const COMPARE: Record<string, string> = { '=': '$eq', '==': '$eq', '!=': '$ne', '<': '$lt', '<=': '$lte', '>': '$gt', '>=': '$gte' };

type Scalar = string | number | boolean | null;
const isScalar = (v: unknown): v is Scalar =>
  v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** The server field a W&B filter key names, or null when Cairn has no such field. */
export function serverFieldOfKey(key: unknown): string | null {
  const k = asObject(key);
  const section = typeof k?.section === 'string' ? k.section : '';
  const name = typeof k?.name === 'string' ? k.name : '';
  if (name === '') return null;
  if (section === 'config') return `config.${name}`;
  if (section === 'summary') return `summary_metrics.${name}`;
  if (section === 'run') return Object.hasOwn(RUN_FIELDS, name) ? RUN_FIELDS[name]! : null;
  return null;
}

const describe = (leaf: Obj) => {
  const k = asObject(leaf.key);
  return `${String(k?.section ?? '?')}.${String(k?.name ?? '?')} ${String(leaf.op ?? '?')} ${JSON.stringify(leaf.value ?? null)}`;
};

/** One leaf → a filter document, or a reason it cannot be applied. */
function leafFilter(leaf: Obj, nowMs: number): MongoFilter | { unsupported: string } {
  const op = typeof leaf.op === 'string' ? leaf.op : '';
  const key = asObject(leaf.key);
  const value = leaf.value;
  const what = describe(leaf);
  // Tags('x') = true: the run has tag x (W&B's "tags" section names one tag, valued true/false).
  if (key?.section === 'tags' && typeof key.name === 'string' && key.name !== '' && (op === '=' || op === '==' || op === '!=') && typeof value === 'boolean') {
    return (value === (op !== '!=')) ? { tags: key.name } : { tags: { $ne: key.name } };
  }
  const field = serverFieldOfKey(key);
  if (field === null) return { unsupported: `${what} (Cairn has no such run field)` };
  if (Object.hasOwn(COMPARE, op)) {
    if (!isScalar(value)) return { unsupported: `${what} (value is not a single value)` };
    return { [field]: { [COMPARE[op]!]: value } };
  }
  if (op === 'IN' || op === 'NIN') {
    const values = Array.isArray(value) ? value : [value];
    if (!values.every(isScalar)) return { unsupported: `${what} (values are not single values)` };
    return { [field]: { [op === 'IN' ? '$in' : '$nin']: values } };
  }
  if (op === 'WITHINSECONDS') {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return { unsupported: `${what} (not a number of seconds)` };
    return { [field]: { $gte: new Date(nowMs - value * 1000).toISOString() } };
  }
  return { unsupported: `${what} (operator "${op}" is not supported)` };
}

const combine = (op: '$and' | '$or', parts: MongoFilter[]): MongoFilter | undefined =>
  parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : { [op]: parts };

/** filterV2's flat list: OR-separated runs of AND-connected items; `{filters}` items are groups. */
function v2Items(items: unknown[], nowMs: number, unsupported: string[]): MongoFilter | undefined {
  const orGroups: MongoFilter[][] = [[]];
  for (const raw of items) {
    const item = asObject(raw);
    if (!item) continue;
    if (item.connector === 'OR' && orGroups[orGroups.length - 1]!.length > 0) orGroups.push([]);
    if (item.disabled === true) continue;
    let part: MongoFilter | undefined;
    if (Array.isArray(item.filters)) part = v2Items(item.filters, nowMs, unsupported);
    else if (item.key !== undefined) {
      const f = leafFilter(item, nowMs);
      if ('unsupported' in f && typeof f.unsupported === 'string') unsupported.push(f.unsupported);
      else part = f;
    }
    if (part) orGroups[orGroups.length - 1]!.push(part);
  }
  return combine('$or', orGroups.map((g) => combine('$and', g)).filter((g): g is MongoFilter => g !== undefined));
}

/** The older tree: AND/OR nodes with `filters`, leaves with `key`. */
function treeNode(node: Obj, nowMs: number, unsupported: string[]): MongoFilter | undefined {
  if (node.disabled === true) return undefined;
  if ((node.op === 'AND' || node.op === 'OR') && Array.isArray(node.filters)) {
    const parts = node.filters
      .map((c) => asObject(c))
      .map((c) => (c ? treeNode(c, nowMs, unsupported) : undefined))
      .filter((p): p is MongoFilter => p !== undefined);
    return combine(node.op === 'AND' ? '$and' : '$or', parts);
  }
  if (node.key === undefined) return undefined;
  const f = leafFilter(node, nowMs);
  if ('unsupported' in f && typeof f.unsupported === 'string') {
    unsupported.push(f.unsupported);
    return undefined;
  }
  return f;
}

/** A run set's stored `filters` → the runs query's filter. `nowMs` anchors "within the last N seconds". */
export function runSetFilter(filters: unknown, nowMs: number): RunSetQuery {
  const unsupported: string[] = [];
  const obj = asObject(filters);
  if (!obj) return { filter: undefined, unsupported };
  const filter = obj.filterFormat === 'filterV2'
    ? v2Items(Array.isArray(obj.filters) ? obj.filters : [], nowMs, unsupported)
    : treeNode(obj, nowMs, unsupported);
  return { filter, unsupported };
}

/** A run set's `sort` → the runs query's order (its first key; W&B's default is newest first). */
export function runSetOrder(sort: unknown): string {
  const first = asObject(Array.isArray(asObject(sort)?.keys) ? (asObject(sort)!.keys as unknown[])[0] : null);
  const field = first ? serverFieldOfKey(first.key) : null;
  if (!first || field === null || field === 'tags') return '-createdAt';
  return `${first.ascending === true ? '+' : '-'}${field}`;
}
