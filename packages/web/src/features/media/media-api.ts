import { apiFetch } from '../../lib/api';
import type { Histogram } from './histogram';

/** Types and requests of the run media API (/api/v1/media/…): index, value at a step, histograms, table pages. */

export type MediaType = 'image' | 'images' | 'histogram' | 'table';
export interface MediaKey { key: string; type: MediaType; steps: number[] }
export interface RunRef { entity: string; project: string; run: string }

export interface ImageValue {
  _type: 'image-file'; path: string; src: string; width?: number; height?: number; caption?: string;
}
export interface ImagesValue { _type: 'images/separated'; srcs: (string | null)[]; captions?: string[]; width?: number; height?: number }
export interface MediaValue { key: string; step: number; steps: number[]; value: unknown }

export interface TableFilter { column: string; op: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'contains'; value: string }
export interface TableQuery {
  key: string;
  step?: number | undefined;
  offset: number;
  limit: number;
  sort?: { column: string; desc: boolean } | undefined;
  search?: string | undefined;
  filters?: TableFilter[] | undefined;
}
export interface TablePage {
  key: string; step: number; steps: number[]; source: 'artifact' | 'run-file'; columns: string[]; nrows: number;
  total: number; offset: number; rows: { index: number; cells: unknown[] }[];
}

export const mediaBase = (r: RunRef) => `/api/v1/media/${[r.entity, r.project, r.run].map(encodeURIComponent).join('/')}`;

/** The query string of a table request; empty parts are left out so equal requests share one cache entry. */
export function tableQueryString(q: TableQuery): string {
  const p = new URLSearchParams({ key: q.key, offset: String(q.offset), limit: String(q.limit) });
  if (q.step !== undefined) p.set('step', String(q.step));
  if (q.sort) {
    p.set('sort', q.sort.column);
    p.set('desc', q.sort.desc ? '1' : '0');
  }
  const search = q.search?.trim();
  if (search) p.set('search', search);
  const filters = (q.filters ?? []).filter((f) => f.column && (f.value !== '' || f.op === '=' || f.op === '!='));
  if (filters.length) p.set('filters', JSON.stringify(filters));
  return p.toString();
}

/** The next sort after a click on a column header: ascending, then descending, then none. */
export function nextSort(current: TableQuery['sort'], column: string): TableQuery['sort'] {
  if (!current || current.column !== column) return { column, desc: false };
  return current.desc ? undefined : { column, desc: true };
}

/** "Rows 51–100 of 200,000" for a page. */
export function pageLabel(offset: number, shown: number, total: number): string {
  if (total === 0) return 'No rows';
  const fmt = (n: number) => n.toLocaleString('en');
  return `Rows ${fmt(offset + 1)}–${fmt(offset + shown)} of ${fmt(total)}`;
}

export const isImageCell = (v: unknown): v is ImageValue =>
  !!v && typeof v === 'object' && (v as { _type?: unknown })._type === 'image-file' && typeof (v as { src?: unknown }).src === 'string';

export const fetchIndex = (r: RunRef, signal?: AbortSignal) => apiFetch<{ keys: MediaKey[] }>(mediaBase(r), { signal });
export const fetchValue = (r: RunRef, key: string, step: number, signal?: AbortSignal) =>
  apiFetch<MediaValue>(`${mediaBase(r)}/value?${new URLSearchParams({ key, step: String(step) })}`, { signal });
export const fetchHistograms = (r: RunRef, key: string, max: number, signal?: AbortSignal) =>
  apiFetch<{ key: string; histograms: Histogram[] }>(`${mediaBase(r)}/histograms?${new URLSearchParams({ key, max: String(max) })}`, { signal });
export const fetchTable = (r: RunRef, q: TableQuery, signal?: AbortSignal) =>
  apiFetch<TablePage>(`${mediaBase(r)}/table?${tableQueryString(q)}`, { signal });
