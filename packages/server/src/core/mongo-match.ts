import { invalidInput } from './errors.js';
import { checkRegex } from './run-filter.js';

/**
 * MongoDB-style matching of one JSON document in memory, for small sets (an artifact's versions). Fields
 * are dotted paths; an array field matches when any element does ({tags: "x"} means "has tag x").
 * Operators: $and $or $nor $not $eq $ne $gt $gte $lt $lte $in $nin $exists $regex(+$options).
 */
export type Matcher = (doc: Record<string, unknown>) => boolean;

export function compileMongoFilter(json: string | null | undefined): Matcher {
  if (json === null || json === undefined || json.trim() === '') return () => true;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw invalidInput('filters is not valid JSON');
  }
  let nodes = 0;
  const doc = (q: unknown, depth: number): Matcher => {
    if (depth > 16) throw invalidInput('filters are nested too deeply');
    if (q === null || typeof q !== 'object' || Array.isArray(q)) throw invalidInput('a filter must be a JSON object');
    const parts: Matcher[] = Object.entries(q).map(([k, v]) => {
      if (++nodes > 500) throw invalidInput('filters are too large');
      if (k === '$and' || k === '$or' || k === '$nor') {
        if (!Array.isArray(v) || v.length === 0) throw invalidInput(`${k} needs a non-empty array`);
        const subs = v.map((s) => doc(s, depth + 1));
        if (k === '$and') return (d) => subs.every((m) => m(d));
        if (k === '$or') return (d) => subs.some((m) => m(d));
        return (d) => !subs.some((m) => m(d));
      }
      if (k === '$not') {
        const sub = doc(v, depth + 1);
        return (d) => !sub(d);
      }
      if (k.startsWith('$')) throw invalidInput(`unknown filter operator ${JSON.stringify(k)}`);
      const cond = condition(v, depth + 1);
      return (d) => cond(get(d, k));
    });
    return (d) => parts.every((m) => m(d));
  };
  const condition = (v: unknown, depth: number): (x: unknown) => boolean => {
    const isOps = v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).some((k) => k.startsWith('$'));
    if (!isOps) return (x) => anyOf(x, (e) => equal(e, v));
    const ops = v as Record<string, unknown>;
    const tests = Object.entries(ops).filter(([op]) => op !== '$options').map(([op, arg]): ((x: unknown) => boolean) => {
      switch (op) {
        case '$eq': return (x) => anyOf(x, (e) => equal(e, arg));
        case '$ne': return (x) => !anyOf(x, (e) => equal(e, arg));
        case '$gt': return (x) => anyOf(x, (e) => compare(e, arg) > 0);
        case '$gte': return (x) => anyOf(x, (e) => compare(e, arg) >= 0);
        case '$lt': return (x) => anyOf(x, (e) => compare(e, arg) < 0);
        case '$lte': return (x) => anyOf(x, (e) => compare(e, arg) <= 0);
        case '$in': case '$nin': {
          if (!Array.isArray(arg)) throw invalidInput(`${op} needs an array`);
          const hit = (x: unknown) => arg.some((a) => anyOf(x, (e) => equal(e, a)));
          return op === '$in' ? hit : (x) => !hit(x);
        }
        case '$exists': return (x) => (x !== undefined) === Boolean(arg);
        case '$regex': {
          if (typeof arg !== 'string' || arg.length > 256) throw invalidInput('$regex needs a string of at most 256 characters');
          const flags = typeof ops.$options === 'string' && ops.$options.includes('i') ? 'iu' : 'u';
          const re = new RegExp(checkRegex(arg), flags);
          // As in SQL: only the first KiB is searched, so any accepted pattern stays cheap.
          return (x) => anyOf(x, (e) => typeof e === 'string' && re.test(e.slice(0, 1024)));
        }
        case '$not': {
          const sub = condition(arg, depth + 1);
          return (x) => !sub(x);
        }
        default: throw invalidInput(`unknown filter operator ${JSON.stringify(op)}`);
      }
    });
    return (x) => tests.every((t) => t(x));
  };
  return doc(raw, 0);
}

function get(d: unknown, path: string): unknown {
  let cur: unknown = d;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

const anyOf = (x: unknown, test: (e: unknown) => boolean) => (Array.isArray(x) ? x.some(test) || test(x) : test(x));

function equal(a: unknown, b: unknown): boolean {
  if (b === null) return a === null || a === undefined;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Numbers with numbers, strings with strings; anything else is incomparable (never matches). */
function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return NaN;
}
