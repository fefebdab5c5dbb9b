import { invalidInput } from './errors.js';
import type { CompareOp, FieldRef, FilterNode, RunColumn, RunOrder, Scalar } from './ports.js';

export type { CompareOp, FieldRef, FilterNode, RunColumn, RunOrder, Scalar };

/**
 * MongoDB-style run filters as the public API sends them (`api.runs(path, filters={...})`, protocol §8.1),
 * parsed into a small validated tree. Stores translate the tree to parameterised SQL; nothing the user
 * wrote is ever spliced into SQL text.
 */
const COLUMN_ALIASES: Record<string, RunColumn> = {
  state: 'state', name: 'name', id: 'name', run_id: 'name',
  display_name: 'displayName', displayName: 'displayName',
  tags: 'tags', group: 'group', jobType: 'jobType', job_type: 'jobType',
  createdAt: 'createdAt', created_at: 'createdAt', updatedAt: 'updatedAt', updated_at: 'updatedAt',
  heartbeatAt: 'heartbeatAt', heartbeat_at: 'heartbeatAt', host: 'host', username: 'username', user: 'username',
  notes: 'notes', sweep: 'sweep', sweepName: 'sweep',
};

const MAX_DEPTH = 16;
const MAX_NODES = 500;
const MAX_PATH = 16;
export const MAX_REGEX_LENGTH = 256;

/** `config.lr`, `config.lr.value`, `summary_metrics.loss`, `state`, … → a field reference. */
export function parseFieldRef(name: string): FieldRef {
  if (typeof name !== 'string' || name.length === 0 || name.length > 512) throw invalidInput('invalid filter field name');
  // Own keys only: "valueOf" or "__proto__" must not find Object.prototype's members.
  const column = Object.hasOwn(COLUMN_ALIASES, name) ? COLUMN_ALIASES[name] : undefined;
  if (column) return { kind: 'column', column };
  const [head, ...rest] = name.split('.');
  if (rest.length === 0 || rest.length > MAX_PATH || rest.some((p) => p === '')) {
    throw invalidInput(`unknown filter field ${JSON.stringify(name)}: use state, tags, group, jobType, createdAt, config.<key> or summary_metrics.<key>`);
  }
  if (head === 'config') {
    // Config values are stored wrapped: config.<key>[.value][.<nested>…]
    const [key, ...more] = rest;
    const tail = more[0] === 'value' ? more.slice(1) : more;
    return { kind: 'config', path: [key!, 'value', ...tail] };
  }
  if (head === 'summary_metrics' || head === 'summary' || head === 'summaryMetrics') return { kind: 'summary', path: rest };
  throw invalidInput(`unknown filter field ${JSON.stringify(name)}: use state, tags, group, jobType, createdAt, config.<key> or summary_metrics.<key>`);
}

function scalar(v: unknown, where: string): Scalar {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw invalidInput(`${where}: expected a string, number, boolean or null`);
}

export function parseRunFilter(json: string | null | undefined): FilterNode {
  return parseMongoFilter(json, parseFieldRef);
}

/**
 * The one MongoDB-style filter parser: runs, registries, collections and versions share it and differ only in
 * `resolveField`, which maps a field name to that domain's field reference (and refuses unknown ones).
 * Operators: $and $or $nor $not $eq $ne $gt $gte $lt $lte $in $nin $exists $regex(+$options) $contains $all.
 */
export function parseMongoFilter<F>(json: string | null | undefined, resolveField: (name: string) => F): FilterNode<F> {
  if (json === null || json === undefined || json.trim() === '') return { type: 'true' };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw invalidInput('filters is not valid JSON');
  }
  let nodes = 0;
  const parseDoc = (doc: unknown, depth: number): FilterNode<F> => {
    if (depth > MAX_DEPTH) throw invalidInput('filters are nested too deeply');
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw invalidInput('a filter must be a JSON object');
    const parts: FilterNode<F>[] = [];
    for (const [k, v] of Object.entries(doc)) {
      if (++nodes > MAX_NODES) throw invalidInput('filters are too large');
      if (k === '$and' || k === '$or' || k === '$nor') {
        if (!Array.isArray(v) || v.length === 0) throw invalidInput(`${k} needs a non-empty array`);
        parts.push({ type: k.slice(1) as 'and' | 'or' | 'nor', children: v.map((c) => parseDoc(c, depth + 1)) });
      } else if (k === '$not') {
        parts.push({ type: 'not', child: parseDoc(v, depth + 1) });
      } else if (k.startsWith('$')) {
        throw invalidInput(`unknown filter operator ${JSON.stringify(k)}`);
      } else {
        parts.push(parseCondition(resolveField(k), v, depth + 1));
      }
    }
    if (parts.length === 0) return { type: 'true' };
    return parts.length === 1 ? parts[0]! : { type: 'and', children: parts };
  };
  const parseCondition = (field: F, v: unknown, depth: number): FilterNode<F> => {
    const isOps = v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).some((k) => k.startsWith('$'));
    if (!isOps) return { type: 'compare', field, op: 'eq', value: scalar(v, 'filter value') };
    const parts: FilterNode<F>[] = [];
    for (const [op, arg] of Object.entries(v as Record<string, unknown>)) {
      if (++nodes > MAX_NODES) throw invalidInput('filters are too large');
      switch (op) {
        case '$eq': case '$ne': case '$gt': case '$gte': case '$lt': case '$lte':
          parts.push({ type: 'compare', field, op: op.slice(1) as CompareOp, value: scalar(arg, op) });
          break;
        case '$in': case '$nin':
          if (!Array.isArray(arg) || arg.length > 1000) throw invalidInput(`${op} needs an array of at most 1000 values`);
          parts.push({ type: 'in', field, values: arg.map((a) => scalar(a, op)), negate: op === '$nin' });
          break;
        case '$exists':
          parts.push({ type: 'exists', field, exists: Boolean(arg) });
          break;
        case '$regex': {
          if (typeof arg !== 'string' || arg.length > MAX_REGEX_LENGTH) throw invalidInput(`$regex needs a string of at most ${MAX_REGEX_LENGTH} characters`);
          const flags = (v as Record<string, unknown>).$options;
          parts.push({ type: 'regex', field, pattern: checkRegex(arg), caseInsensitive: typeof flags === 'string' && flags.includes('i') });
          break;
        }
        case '$contains':
          if (typeof arg !== 'string' || arg.length > MAX_REGEX_LENGTH) throw invalidInput(`$contains needs a string of at most ${MAX_REGEX_LENGTH} characters`);
          parts.push({ type: 'contains', field, value: arg });
          break;
        case '$all':
          if (!Array.isArray(arg) || arg.length === 0 || arg.length > 100) throw invalidInput('$all needs an array of 1 to 100 values');
          parts.push({ type: 'all', field, values: arg.map((a) => scalar(a, op)) });
          break;
        case '$options':
          break;
        case '$not':
          parts.push({ type: 'not', child: parseCondition(field, arg, depth + 1) });
          break;
        default:
          throw invalidInput(`unknown filter operator ${JSON.stringify(op)}`);
      }
    }
    return parts.length === 1 ? parts[0]! : { type: 'and', children: parts };
  };
  return parseDoc(raw, 0);
}

/**
 * Accepts only patterns that cannot backtrack catastrophically on a backtracking engine (SQLite's regexp()
 * is JavaScript's): no backreferences or lookarounds, no repeated group that holds a repetition or an
 * alternation (`(a+)+`, `(a|aa)+`, `(?:(?:a)+)+`), at most one unbounded repetition (`.*.*=` is already
 * cubic), and a few quantifiers in all (`a?a?a?…` is exponential).
 */
export function checkRegex(pattern: string): string {
  try {
    new RegExp(pattern, 'u');
  } catch {
    throw invalidInput(`invalid $regex ${JSON.stringify(pattern)}`);
  }
  if (/\\[1-9k]|\(\?<?[=!]/.test(pattern)) throw invalidInput('$regex: backreferences and lookarounds are not supported');
  const shape = regexShape(pattern);
  if (shape.repeatedComplexGroup) throw invalidInput('$regex: nested repetition is not allowed (a repeated group may not hold a repetition or "|")');
  if (shape.unbounded > MAX_REGEX_UNBOUNDED) {
    throw invalidInput(`$regex: at most ${MAX_REGEX_UNBOUNDED} unbounded repetition (*, +, {n,}) is supported`);
  }
  if (shape.quantifiers > MAX_REGEX_QUANTIFIERS) throw invalidInput(`$regex: at most ${MAX_REGEX_QUANTIFIERS} quantifiers are supported`);
  return pattern;
}

// Two unbounded repetitions (e.g. run-\d+-\d+) cost at most O(n²) on the ≤1 KiB the matchers look at.
const MAX_REGEX_UNBOUNDED = 2;
const MAX_REGEX_QUANTIFIERS = 4;

/** Counts quantifiers and finds repeated groups with a quantifier or `|` inside, skipping escapes and classes. */
function regexShape(pattern: string): { quantifiers: number; unbounded: number; repeatedComplexGroup: boolean } {
  let quantifiers = 0;
  let unbounded = 0;
  let repeatedComplexGroup = false;
  // Per open group: whether it holds a quantifier or an alternation so far.
  const groups: boolean[] = [];
  let lastGroupComplex = false; // the atom just closed was a group with a quantifier or `|` inside
  const markComplex = () => {
    if (groups.length > 0) groups[groups.length - 1] = true;
  };
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    let closedComplexGroup = false;
    if (ch === '\\') {
      i++;
    } else if (ch === '[') {
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
    } else if (ch === '(') {
      groups.push(false);
    } else if (ch === ')') {
      closedComplexGroup = groups.pop() ?? false;
      if (closedComplexGroup) markComplex();
    } else if (ch === '|') {
      markComplex();
    } else if (ch === '*' || ch === '+' || ch === '?' || ch === '{') {
      // `?` right after `(` or another quantifier is syntax (group kind, lazy), not a repetition.
      const prev = pattern[i - 1];
      if (ch === '?' && (prev === '(' || prev === '*' || prev === '+' || prev === '?' || prev === '}')) continue;
      let isUnbounded = ch === '*' || ch === '+';
      if (ch === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
        if (!m) continue; // a literal '{'
        isUnbounded = m[2] !== undefined && (m[3] === '' || Number(m[3]) > 16);
        i += m[0].length - 1;
      }
      quantifiers++;
      if (isUnbounded) unbounded++;
      if (lastGroupComplex) repeatedComplexGroup = true;
      markComplex();
    }
    lastGroupComplex = closedComplexGroup;
  }
  return { quantifiers, unbounded, repeatedComplexGroup };
}

/** `+created_at`, `-summary_metrics.loss`, `config.lr.value` → an order; the default is newest first. */
export function parseRunOrder(order: string | null | undefined): RunOrder {
  if (!order) return { field: { kind: 'column', column: 'createdAt' }, descending: true };
  const descending = order.startsWith('-');
  const name = order.replace(/^[+-]/, '');
  return { field: parseFieldRef(name), descending };
}
