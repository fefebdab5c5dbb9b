/**
 * The registry's version filter box: `accuracy > 0.9, framework = torch` → the MongoDB-style JSON the server's
 * filter compiler takes (`{"$and":[{"metadata.accuracy":{"$gt":0.9}},{"metadata.framework":"torch"}]}`).
 * A text starting with `{` is sent as it is (the server checks it). Pure: metadata-filter.test.ts.
 */
const OPS: Record<string, string | null> = { '=': null, '==': null, '!=': '$ne', '>': '$gt', '>=': '$gte', '<': '$lt', '<=': '$lte' };
const CLAUSE = /^([A-Za-z_][\w.-]*)\s*(==|!=|>=|<=|=|>|<)\s*(.+)$/;

function value(text: string): unknown {
  const t = text.trim();
  const quoted = /^"(.*)"$|^'(.*)'$/.exec(t);
  if (quoted) return quoted[1] ?? quoted[2];
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'null') return null;
  if (/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return Number(t);
  return t;
}

/** null for an empty box; throws an Error saying which part it could not read. */
export function metadataFilter(text: string): string | null {
  const t = text.trim();
  if (t === '') return null;
  if (t.startsWith('{')) return t;
  const clauses = t.split(/\s*,\s*|\s+and\s+/i).filter((c) => c !== '');
  const parts = clauses.map((c) => {
    const m = CLAUSE.exec(c);
    if (!m) throw new Error(`cannot read "${c}": write key op value, e.g. accuracy > 0.9 or framework = torch`);
    const [, key, op, raw] = m as unknown as [string, string, string, string];
    const path = key.startsWith('metadata.') ? key : `metadata.${key}`;
    const v = value(raw);
    const mongo = OPS[op];
    if (mongo && mongo !== '$ne' && typeof v !== 'number') throw new Error(`"${c}": ${op} compares numbers; "${raw.trim()}" is not one`);
    return { [path]: mongo ? { [mongo]: v } : v };
  });
  return JSON.stringify(parts.length === 1 ? parts[0] : { $and: parts });
}
