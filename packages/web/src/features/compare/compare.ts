/** Side-by-side rows of config or summary values for several runs. Pure: tested in compare.test.ts. */

export interface CompareRow { key: string; values: unknown[]; differs: boolean }

/** Equal when their JSON is: 1 and 1.0 are the same, a missing key differs from null. */
const same = (a: unknown, b: unknown) => (a === undefined || b === undefined ? a === b : JSON.stringify(a) === JSON.stringify(b));

/** One row per key any run has (internal `_` keys left out), sorted numerically; `diffOnly` keeps the differing ones. */
export function compareRows(docs: Record<string, unknown>[], diffOnly: boolean): CompareRow[] {
  const keys = new Set<string>();
  for (const d of docs) for (const k of Object.keys(d)) if (!k.startsWith('_')) keys.add(k);
  const rows = [...keys].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).map((key) => {
    const values = docs.map((d) => (Object.hasOwn(d, key) ? d[key] : undefined));
    return { key, values, differs: values.some((v) => !same(v, values[0])) };
  });
  return diffOnly ? rows.filter((r) => r.differs) : rows;
}

/** `?runs=a,b,c` → run names (deduplicated, at most `max`). */
export function runsParam(search: string, max = 20): string[] {
  const raw = new URLSearchParams(search).get('runs') ?? '';
  return [...new Set(raw.split(',').map((s) => s.trim()).filter(Boolean))].slice(0, max);
}
