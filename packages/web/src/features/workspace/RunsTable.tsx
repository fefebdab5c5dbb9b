import {
  flexRender, getCoreRowModel, useReactTable, type ColumnDef, type SortingState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, pathOf } from '../../app/router';
import { formatValue, timeAgo } from '../../lib/format';
import { StateBadge } from '../run/StateBadge';
import { serverField, type RunsQueryState } from './runs-query';

export interface RunRow {
  name: string; displayName: string | null; state: string; createdAt: string; heartbeatAt: string;
  tags: string[]; group: string | null; jobType: string | null; notes: string | null; host: string | null;
  config: Record<string, unknown>; summary: Record<string, unknown>;
}

const ROW_HEIGHT = 32;

export interface RunsTableProps {
  entity: string;
  project: string;
  rows: RunRow[];
  total: number;
  loading: boolean;
  /** Asks for the next page when the scroll nears the end of what is loaded. */
  onNeedMore(): void;
  sort: RunsQueryState['sort'];
  onSort(sort: RunsQueryState['sort']): void;
  /** Column ids `config:<key>` / `summary:<key>` shown besides the fixed ones. */
  extraColumns: string[];
  colorOf(run: string): string;
  hidden: ReadonlySet<string>;
  onToggleHidden(run: string): void;
}

/**
 * The runs table: server-sorted (click a header), virtualised rows (only the visible ones are in the DOM),
 * pages fetched as the scroll nears the end. Runs show their chart colour and an eye to hide them from charts.
 */
export function RunsTable(props: RunsTableProps) {
  const { entity, project, rows, total, sort, onSort, extraColumns, colorOf, hidden, onToggleHidden } = props;
  const columns = useMemo<ColumnDef<RunRow>[]>(() => [
    {
      id: 'visible', header: () => <span className="sr-only">Shown in charts</span>, size: 56, enableSorting: false,
      cell: ({ row }) => {
        const shown = !hidden.has(row.original.name);
        return (
          <button type="button" className="eye" aria-pressed={shown}
            aria-label={`${shown ? 'Hide' : 'Show'} ${row.original.displayName ?? row.original.name} in charts`}
            onClick={() => onToggleHidden(row.original.name)}>
            <i className="swatch" style={{ background: shown ? colorOf(row.original.name) : 'transparent', borderColor: colorOf(row.original.name) }} />
            <span aria-hidden="true">{shown ? '◉' : '○'}</span>
          </button>
        );
      },
    },
    {
      id: 'name', header: 'Name', size: 220,
      cell: ({ row }) => (
        <Link to={pathOf(entity, project, 'runs', row.original.name)} title={row.original.name}>
          {row.original.displayName ?? row.original.name}
        </Link>
      ),
    },
    { id: 'state', header: 'State', size: 110, cell: ({ row }) => <StateBadge state={row.original.state} /> },
    { id: 'createdAt', header: 'Created', size: 120, cell: ({ row }) => <span title={row.original.createdAt}>{timeAgo(row.original.createdAt)}</span> },
    { id: 'tags', header: 'Tags', size: 140, enableSorting: false, cell: ({ row }) => row.original.tags.map((t) => <span key={t} className="tag">{t}</span>) },
    { id: 'group', header: 'Group', size: 110, cell: ({ row }) => row.original.group ?? '' },
    { id: 'jobType', header: 'Job type', size: 100, cell: ({ row }) => row.original.jobType ?? '' },
    ...extraColumns.map((id): ColumnDef<RunRow> => {
      const isConfig = id.startsWith('config:');
      const key = id.slice(id.indexOf(':') + 1);
      return {
        id, size: 120,
        header: () => <span title={`${isConfig ? 'config' : 'summary'}: ${key}`}><span className="muted">{isConfig ? 'c.' : 's.'}</span>{key}</span>,
        cell: ({ row }) => <span className="num">{formatValue((isConfig ? row.original.config : row.original.summary)[key])}</span>,
      };
    }),
  ], [entity, project, extraColumns, colorOf, hidden, onToggleHidden]);

  const sorting: SortingState = useMemo(() => {
    if (!sort) return [];
    const col = columns.find((c) => c.id && serverField(c.id) === sort.field);
    return col?.id ? [{ id: col.id, desc: sort.desc }] : [];
  }, [sort, columns]);

  const table = useReactTable({
    data: rows, columns, getCoreRowModel: getCoreRowModel(), manualSorting: true, state: { sorting },
    getRowId: (r) => r.name,
  });

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? -1;
  const { loading, onNeedMore } = props;
  useEffect(() => {
    if (!loading && rows.length < total && lastIndex >= rows.length - 20) onNeedMore();
  }, [lastIndex, rows.length, total, loading, onNeedMore]);

  const clickSort = (columnId: string) => {
    const field = serverField(columnId);
    if (!field) return;
    // Numbers are mostly wanted biggest first… except when sorting the same column again.
    if (sort?.field !== field) onSort({ field, desc: true });
    else if (sort.desc) onSort({ field, desc: false });
    else onSort(null);
  };
  const width = table.getTotalSize();

  return (
    <div className="runs-table" role="table" aria-rowcount={total + 1} aria-label="Runs">
      <div ref={scroller} className="runs-table-scroll">
        <div role="rowgroup" className="runs-thead" style={{ width }}>
          {table.getHeaderGroups().map((hg) => (
            <div role="row" key={hg.id} className="runs-tr">
              {hg.headers.map((h) => {
                const sortable = serverField(h.column.id) !== null;
                const dir = h.column.getIsSorted();
                return (
                  <div role="columnheader" key={h.id} className="runs-th" style={{ width: h.getSize() }}
                    aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'} data-column={h.column.id}>
                    {sortable ? (
                      <button type="button" className="th-sort" onClick={() => clickSort(h.column.id)}>
                        {flexRender(h.column.columnDef.header, h.getContext())}
                        <span aria-hidden="true">{dir === 'asc' ? ' ▲' : dir === 'desc' ? ' ▼' : ''}</span>
                      </button>
                    ) : flexRender(h.column.columnDef.header, h.getContext())}
                  </div>
                );
              })}
            </div>
          ))}
        </div>
        <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), width, position: 'relative' }}>
          {items.map((vi) => {
            const row = table.getRowModel().rows[vi.index]!;
            return (
              <div role="row" key={row.id} className="runs-tr" data-run={row.original.name} aria-rowindex={vi.index + 2}
                style={{ position: 'absolute', top: 0, transform: `translateY(${vi.start}px)`, height: ROW_HEIGHT }}>
                {row.getVisibleCells().map((cell) => (
                  <div role="cell" key={cell.id} className="runs-td" style={{ width: cell.column.getSize() }} data-column={cell.column.id}>
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
        {!loading && rows.length === 0 && <p className="muted empty-rows">No runs match.</p>}
      </div>
    </div>
  );
}

/** Config and summary keys present in the loaded rows (column-picker candidates), internal `_` keys left out. */
export function availableColumns(rows: RunRow[]): { config: string[]; summary: string[] } {
  const config = new Set<string>();
  const summary = new Set<string>();
  for (const r of rows) {
    for (const k of Object.keys(r.config)) if (!k.startsWith('_')) config.add(k);
    for (const k of Object.keys(r.summary)) if (!k.startsWith('_')) summary.add(k);
  }
  const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
  return { config: [...config].sort(byName), summary: [...summary].sort(byName) };
}

export function ColumnPicker({ available, chosen, onChange }: {
  available: { config: string[]; summary: string[] }; chosen: string[]; onChange(ids: string[]): void;
}) {
  const [search, setSearch] = useState('');
  const all = [...available.config.map((k) => `config:${k}`), ...available.summary.map((k) => `summary:${k}`)];
  const q = search.toLowerCase();
  const matches = all.filter((id) => id.toLowerCase().includes(q));
  const shown = matches.slice(0, 200);
  return (
    <details className="column-picker">
      <summary>Columns ({chosen.length})</summary>
      <div className="popover">
        <input type="search" placeholder="Search config and summary keys" aria-label="Search columns" value={search}
          onChange={(e) => setSearch(e.target.value)} />
        <ul>
          {shown.map((id) => (
            <li key={id}>
              <label>
                <input type="checkbox" checked={chosen.includes(id)}
                  onChange={(e) => onChange(e.target.checked ? [...chosen, id] : chosen.filter((c) => c !== id))} />
                {id.replace(/^config:/, 'config.').replace(/^summary:/, 'summary.')}
              </label>
            </li>
          ))}
        </ul>
        {matches.length > shown.length && <p className="muted">{matches.length - shown.length} more: refine the search</p>}
      </div>
    </details>
  );
}
