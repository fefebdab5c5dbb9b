import { z } from 'zod';
import { invalidInput } from './errors.js';

/**
 * A parsed `wandb.Table` file ({columns, data}) and the pure sort/filter/page operations the table viewer asks
 * for. Views are row-index arrays over the parsed rows, so a 200,000-row table is parsed once and each request
 * sends one page.
 */
export interface ParsedTable { columns: string[]; rows: unknown[][] }

/** Validates the JSON of a table file; a clear message for anything that is not one. */
export function tableFromJson(doc: unknown): ParsedTable {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalidInput('table file is not a JSON object with "columns" and "data"');
  const { columns, data } = doc as { columns?: unknown; data?: unknown };
  if (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string' && typeof c !== 'number')) {
    throw invalidInput('table file has no "columns" list of names');
  }
  if (!Array.isArray(data)) throw invalidInput('table file has no "data" list of rows');
  const names = columns.map(String);
  data.forEach((row, i) => {
    if (!Array.isArray(row)) throw invalidInput(`table file row ${i} is not a list`);
    if (row.length !== names.length) throw invalidInput(`table file row ${i} has ${row.length} cells for ${names.length} columns`);
  });
  return { columns: names, rows: data as unknown[][] };
}

export const FILTER_OPS = ['=', '!=', '<', '<=', '>', '>=', 'contains'] as const;
export const TableFilter = z.object({
  column: z.string(),
  op: z.enum(FILTER_OPS),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
});
export type TableFilter = z.infer<typeof TableFilter>;

export interface TableViewSpec {
  /** Case-insensitive substring over every cell's text. */
  search?: string | undefined;
  filters?: TableFilter[] | undefined;
  sort?: { column: string; desc: boolean } | undefined;
}

/** A cell as text for search and `contains`: media cells by their path, others as JSON-ish text. */
export function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'number' || typeof cell === 'boolean') return String(cell);
  if (typeof cell === 'object' && typeof (cell as { path?: unknown }).path === 'string') return (cell as { path: string }).path;
  return JSON.stringify(cell);
}

const collator = new Intl.Collator('en', { numeric: true });
const rank = (v: unknown) => (typeof v === 'number' ? (Number.isNaN(v) ? 3 : 0) : typeof v === 'boolean' ? 1 : typeof v === 'string' ? 2 : v === null || v === undefined ? 5 : 4);

/** Total order for sorting: numbers (NaN after them), booleans, strings, other objects; nulls always last. */
export function compareCells(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return (a as number) - (b as number);
  if (ra === 1) return Number(a) - Number(b);
  if (ra === 2) return collator.compare(a as string, b as string);
  if (ra === 4) return collator.compare(cellText(a), cellText(b));
  return 0;
}

function matches(cell: unknown, f: TableFilter): boolean {
  if (f.op === 'contains') return cellText(cell).toLowerCase().includes(String(f.value ?? '').toLowerCase());
  // A number-looking filter value compares numbers with numbers (the URL carries it as text).
  let want: unknown = f.value;
  if (typeof cell === 'number' && typeof want === 'string' && want.trim() !== '' && Number.isFinite(Number(want))) want = Number(want);
  if (f.op === '=') return cell === want || (typeof cell !== 'object' && cellText(cell) === cellText(want));
  if (f.op === '!=') return !(cell === want || (typeof cell !== 'object' && cellText(cell) === cellText(want)));
  if (cell === null || cell === undefined || rank(cell) !== rank(want)) return false;
  const c = compareCells(cell, want);
  return f.op === '<' ? c < 0 : f.op === '<=' ? c <= 0 : f.op === '>' ? c > 0 : c >= 0;
}

/** Row indexes (into table.rows) that pass the search and filters, in the requested order (stable). */
export function viewOf(table: ParsedTable, spec: TableViewSpec): Int32Array {
  const colIndex = (name: string) => {
    const i = table.columns.indexOf(name);
    if (i < 0) throw invalidInput(`table has no column ${JSON.stringify(name)}`);
    return i;
  };
  const filters = (spec.filters ?? []).map((f) => ({ f, i: colIndex(f.column) }));
  const sortCol = spec.sort ? colIndex(spec.sort.column) : -1;
  const needle = spec.search?.trim().toLowerCase() ?? '';
  const out: number[] = [];
  for (let r = 0; r < table.rows.length; r++) {
    const row = table.rows[r]!;
    if (!filters.every(({ f, i }) => matches(row[i], f))) continue;
    if (needle && !row.some((cell) => cellText(cell).toLowerCase().includes(needle))) continue;
    out.push(r);
  }
  if (sortCol >= 0 && numericColumn(table, out, sortCol)) {
    // The common case (a score, a loss): compare plain doubles, nulls last, NaN after numbers.
    const dir = spec.sort!.desc ? -1 : 1;
    const keys = new Float64Array(table.rows.length);
    const kind = new Uint8Array(table.rows.length); // 0 number, 1 NaN, 2 null
    for (const r of out) {
      const v = table.rows[r]![sortCol] as number | null | undefined;
      if (v === null || v === undefined) kind[r] = 2;
      else if (Number.isNaN(v)) kind[r] = 1;
      else keys[r] = v;
    }
    out.sort((x, y) => {
      if (kind[x] !== kind[y]) return kind[x] === 2 ? 1 : kind[y] === 2 ? -1 : dir * (kind[x]! - kind[y]!);
      return (kind[x] === 0 ? dir * (keys[x]! - keys[y]!) : 0) || x - y;
    });
  } else if (sortCol >= 0) {
    const dir = spec.sort!.desc ? -1 : 1;
    out.sort((x, y) => {
      const a = table.rows[x]![sortCol];
      const b = table.rows[y]![sortCol];
      // Nulls stay last whichever the direction.
      const na = a === null || a === undefined;
      const nb = b === null || b === undefined;
      if (na || nb) return na === nb ? x - y : na ? 1 : -1;
      return dir * compareCells(a, b) || x - y;
    });
  }
  return Int32Array.from(out);
}

function numericColumn(table: ParsedTable, rows: number[], col: number): boolean {
  for (const r of rows) {
    const v = table.rows[r]![col];
    if (v !== null && v !== undefined && typeof v !== 'number') return false;
  }
  return true;
}

/** One page of a view: the rows with their index in the logged table. */
export function pageOf(table: ParsedTable, view: Int32Array, offset: number, limit: number) {
  const rows = [];
  for (let k = offset; k < Math.min(view.length, offset + limit); k++) {
    const index = view[k]!;
    rows.push({ index, cells: table.rows[index]! });
  }
  return { total: view.length, offset, rows };
}

/** A cache key for a view spec (identical specs share one sorted index). */
export const viewKey = (spec: TableViewSpec) =>
  JSON.stringify([spec.search?.trim().toLowerCase() ?? '', spec.filters ?? [], spec.sort ?? null]);

/**
 * A least-recently-used map bounded by total weight (e.g. the bytes of the parsed files) and by count; the
 * newest entry is always kept, even alone over the budget.
 */
export class WeightedLru<V> {
  private readonly entries = new Map<string, { value: V; weight: number }>();
  private total = 0;
  constructor(private readonly maxWeight: number, private readonly maxEntries: number) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: V, weight: number): void {
    const old = this.entries.get(key);
    if (old) {
      this.total -= old.weight;
      this.entries.delete(key);
    }
    this.entries.set(key, { value, weight });
    this.total += weight;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= 1 || (this.total <= this.maxWeight && this.entries.size <= this.maxEntries)) break;
      this.entries.delete(k);
      this.total -= e.weight;
    }
  }

  get size() {
    return this.entries.size;
  }

  get weight() {
    return this.total;
  }
}
