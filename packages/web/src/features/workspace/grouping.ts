import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { apiFetch } from '../../lib/api';
import { formatValue } from '../../lib/format';
import type { RunRow, TableItem } from './RunsTable';

/** Runs shown per expanded group at first, and per "show more". */
export const GROUP_PAGE = 50;

export interface RunGroup { value: string | number | boolean | null; count: number }

/** A group's identity (stable across refetches); values of different types stay apart. */
export const groupKey = (value: RunGroup['value']) => JSON.stringify(value);

/** The table filter narrowed to one group: `{$and: [filter, {field: value}]}`. */
export function groupFilter(filters: Record<string, unknown> | undefined, field: string, value: RunGroup['value']): Record<string, unknown> {
  const own = { [field]: value };
  return filters ? { $and: [filters, own] } : own;
}

export const groupLabel = (field: string, value: RunGroup['value']) => `${field}: ${value === null ? '(none)' : formatValue(value)}`;

/** Group headers, and under each expanded one its loaded runs and a "show more" line. Pure. */
export function groupItems(field: string, groups: RunGroup[], expanded: ReadonlyMap<string, number>,
  loaded: ReadonlyMap<string, RunRow[]>): TableItem[] {
  const items: TableItem[] = [];
  for (const g of groups) {
    const key = groupKey(g.value);
    const isOpen = expanded.has(key);
    items.push({ kind: 'group', key, label: groupLabel(field, g.value), count: g.count, expanded: isOpen });
    if (!isOpen) continue;
    const rows = loaded.get(key) ?? [];
    for (const row of rows) items.push({ kind: 'run', row, depth: 1 });
    if (rows.length > 0 && rows.length < g.count) items.push({ kind: 'more', key, left: g.count - rows.length });
  }
  return items;
}

/** The grouped runs table: group counts from the server, each expanded group's runs fetched on its own. */
export function useGroupedRuns(entity: string, project: string, groupBy: string | null,
  filters: Record<string, unknown> | undefined, order: string | undefined, refetchMs: number | false) {
  const [expanded, setExpanded] = useState<ReadonlyMap<string, number>>(new Map());
  const groups = useQuery({
    queryKey: ['run-groups', entity, project, groupBy, filters], enabled: groupBy !== null,
    queryFn: ({ signal }) => apiFetch<{ groups: RunGroup[] }>('/api/v1/runs/groups', {
      body: { entity, project, groupBy, ...(filters ? { filters } : {}) }, signal,
    }),
    placeholderData: keepPreviousData, refetchInterval: refetchMs,
  });
  const list = groupBy ? groups.data?.groups ?? [] : [];
  const open = list.filter((g) => expanded.has(groupKey(g.value)));
  const pages = useQueries({
    queries: open.map((g) => {
      const key = groupKey(g.value);
      const limit = expanded.get(key)!;
      const f = groupFilter(filters, groupBy!, g.value);
      return {
        queryKey: ['runs', entity, project, f, order, 0, limit],
        queryFn: ({ signal }: { signal: AbortSignal }) => apiFetch<{ total: number; runs: RunRow[] }>('/api/v1/runs', {
          body: { entity, project, filters: f, offset: 0, limit, ...(order ? { order } : {}) }, signal,
        }),
        placeholderData: keepPreviousData, refetchInterval: refetchMs,
      };
    }),
  });
  const stamp = pages.map((p) => p.dataUpdatedAt).join(',');
  const loaded = useMemo(() => new Map(open.map((g, i) => [groupKey(g.value), pages[i]?.data?.runs ?? []])),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [stamp, open.length, groups.data]);
  const items = useMemo(() => (groupBy ? groupItems(groupBy, list, expanded, loaded) : []),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [groupBy, groups.data, expanded, loaded]);
  const toggle = useCallback((key: string) => setExpanded((m) => {
    const next = new Map(m);
    if (!next.delete(key)) next.set(key, GROUP_PAGE);
    return next;
  }), []);
  const more = useCallback((key: string) => setExpanded((m) => new Map(m).set(key, Math.min(1000, (m.get(key) ?? 0) + GROUP_PAGE))), []);
  return {
    items, toggle, more, error: groups.error ?? pages.find((p) => p.error)?.error ?? null,
    loading: groups.isFetching || pages.some((p) => p.isFetching),
    groupCount: list.length,
  };
}
