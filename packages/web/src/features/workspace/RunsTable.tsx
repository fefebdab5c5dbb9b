import {
  flexRender, getCoreRowModel, useReactTable, type Column, type ColumnDef, type ColumnPinningState, type ColumnSizingState,
  type Header, type Row, type RowData, type SortingState, type Table, type Updater, type VisibilityState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useMemo, useRef, useState, type FocusEvent, type KeyboardEvent } from 'react';
import { Link, navigate, pathOf } from '../../app/router';
import { formatValue, timeAgo } from '../../lib/format';
import { observeSharedElementOffset } from '../../lib/shared-scroll';
import { StateBadge } from '../run/StateBadge';
import { ColorMenu } from './ColorMenu';
import { serverField, type RunsQueryState } from './runs-query';
import './workspace.css';

export interface RunRow {
  name: string; displayName: string | null; state: string; createdAt: string; heartbeatAt: string;
  tags: string[]; group: string | null; jobType: string | null; notes: string | null; host: string | null;
  config: Record<string, unknown>; summary: Record<string, unknown>;
}

/** A line of the table: a run, a group header (grouped view), or "load more of this group". */
export type TableItem =
  | { kind: 'run'; row: RunRow; depth: number }
  | { kind: 'group'; key: string; label: string; count: number; expanded: boolean }
  | { kind: 'more'; key: string; left: number };

declare module '@tanstack/react-table' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface ColumnMeta<TData extends RowData, TValue> {
    /** Accessible name of the header (headers may be icons). */
    title: string;
  }
}

const ROW_HEIGHT = 32;
/**
 * The TanStack row model is built over the rows around the viewport, in blocks of this many: building it over
 * every loaded run costs ~25 µs a run here (250 ms for 10,000), which a page load or sort would pay each time.
 */
const BLOCK = 64;

export interface RunsTableProps {
  entity: string;
  project: string;
  items: TableItem[];
  total: number;
  loading: boolean;
  /** Asks for the next page when the scroll nears the end of what is loaded. */
  onNeedMore(): void;
  sort: RunsQueryState['sort'];
  onSort(sort: RunsQueryState['sort']): void;
  /** Column ids `config:<key>` / `summary:<key>` shown besides the fixed ones. */
  extraColumns: string[];
  /** Fixed columns the user hid (ids of HIDEABLE_COLUMNS). */
  hiddenColumns: readonly string[];
  colorOf(run: string): string;
  onColor(run: string, color: string | null): void;
  hidden: ReadonlySet<string>;
  onToggleHidden(run: string): void;
  selected: ReadonlySet<string>;
  onToggleSelected(run: string): void;
  onToggleGroup?(key: string): void;
  onMoreInGroup?(key: string): void;
}

/** What cells read besides their run: the table's `meta` (kept current on every render). */
interface CellEnv {
  entity: string; project: string;
  colorOf(run: string): string; onColor(run: string, color: string | null): void;
  hidden: ReadonlySet<string>; onToggleHidden(run: string): void;
  selected: ReadonlySet<string>; onToggleSelected(run: string): void;
}
const envOf = (table: Table<TableItem>) => table.options.meta as CellEnv;
/** Cells are only rendered on run lines. */
const runOf = (item: TableItem) => (item as Extract<TableItem, { kind: 'run' }>).row;
const runValue = <T,>(get: (r: RunRow) => T) => (item: TableItem): T | undefined => (item.kind === 'run' ? get(item.row) : undefined);

/** Pinned on the left while the other columns scroll sideways (and are virtualised). */
const PINNING: ColumnPinningState = { left: ['select', 'visible', 'name'], right: [] };

const FIXED_COLUMNS: ColumnDef<TableItem>[] = [
  {
    id: 'select', size: 40, enableResizing: false, meta: { title: 'Select for comparing' },
    header: () => <span className="sr-only">Select for comparing</span>,
    cell: ({ row, table }) => {
      const r = runOf(row.original);
      const env = envOf(table);
      return (
        <input type="checkbox" tabIndex={-1} checked={env.selected.has(r.name)} aria-label={`Select ${r.displayName ?? r.name} for comparing`}
          onChange={() => env.onToggleSelected(r.name)} />
      );
    },
  },
  {
    id: 'visible', size: 62, enableResizing: false, meta: { title: 'Shown in charts' },
    header: () => <span className="sr-only">Shown in charts</span>,
    cell: ({ row, table }) => {
      const r = runOf(row.original);
      const env = envOf(table);
      const shown = !env.hidden.has(r.name);
      const label = r.displayName ?? r.name;
      return (
        <span className="eye-cell">
          <ColorMenu run={label} color={env.colorOf(r.name)} onPick={(c) => env.onColor(r.name, c)} />
          <button type="button" tabIndex={-1} className="eye" aria-pressed={shown} aria-label={`${shown ? 'Hide' : 'Show'} ${label} in charts`}
            onClick={() => env.onToggleHidden(r.name)}>
            <span aria-hidden="true">{shown ? '◉' : '○'}</span>
          </button>
        </span>
      );
    },
  },
  {
    id: 'name', size: 200, meta: { title: 'Name' }, header: 'Name', accessorFn: runValue((r) => r.displayName ?? r.name),
    cell: ({ row, table }) => {
      const r = runOf(row.original);
      const env = envOf(table);
      return <Link to={pathOf(env.entity, env.project, 'runs', r.name)} tabIndex={-1} title={r.name}>{r.displayName ?? r.name}</Link>;
    },
  },
  { id: 'state', size: 100, meta: { title: 'State' }, header: 'State', accessorFn: runValue((r) => r.state), cell: ({ row }) => <StateBadge state={runOf(row.original).state} /> },
  {
    id: 'createdAt', size: 110, meta: { title: 'Created' }, header: 'Created', accessorFn: runValue((r) => r.createdAt),
    cell: ({ row }) => <span title={runOf(row.original).createdAt}>{timeAgo(runOf(row.original).createdAt)}</span>,
  },
  { id: 'tags', size: 130, meta: { title: 'Tags' }, header: 'Tags', cell: ({ row }) => runOf(row.original).tags.map((t) => <span key={t} className="tag">{t}</span>) },
  { id: 'group', size: 100, meta: { title: 'Group' }, header: 'Group', accessorFn: runValue((r) => r.group), cell: ({ row }) => runOf(row.original).group ?? '' },
  { id: 'jobType', size: 90, meta: { title: 'Job type' }, header: 'Job type', accessorFn: runValue((r) => r.jobType), cell: ({ row }) => runOf(row.original).jobType ?? '' },
];

/** The fixed columns that can be hidden (the pinned ones cannot). */
export const HIDEABLE_COLUMNS = FIXED_COLUMNS.filter((c) => !PINNING.left!.includes(c.id!)).map((c) => ({ id: c.id!, label: c.meta!.title }));

/** A `config:<key>` / `summary:<key>` column. */
function extraColumn(id: string): ColumnDef<TableItem> {
  const isConfig = id.startsWith('config:');
  const key = id.slice(id.indexOf(':') + 1);
  const title = `${isConfig ? 'config' : 'summary'}: ${key}`;
  const value = (r: RunRow) => (isConfig ? r.config : r.summary)[key];
  return {
    id, size: 120, meta: { title }, accessorFn: runValue(value),
    header: () => <span title={title}><span className="muted">{isConfig ? 'c.' : 's.'}</span>{key}</span>,
    cell: ({ row }) => <span className="num">{formatValue(value(runOf(row.original)))}</span>,
  };
}

/**
 * The runs table, a TanStack Table (columns, pinning, sizing; sorting, filtering and paging on the server: click
 * a header to sort), rows and columns virtualised with TanStack Virtual (only what is on screen is in the DOM),
 * pages fetched as the scroll nears the end. Keyboard: ↑/↓/Home/End/PageUp/PageDown move between rows,
 * Enter opens the run, Space hides or shows it in charts, x selects it for comparing, ←/→ scroll the columns;
 * on a group row Enter or →/← expand and collapse it.
 */
export function RunsTable(props: RunsTableProps) {
  const { entity, project, items, total, sort, onSort, extraColumns, hiddenColumns, colorOf, onColor, hidden, onToggleHidden, selected, onToggleSelected } = props;
  // Same column ids → same definitions (the picker's list is rebuilt as pages load).
  const extraKey = extraColumns.join('\u0001');
  const columns = useMemo(() => [...FIXED_COLUMNS, ...extraColumns.map(extraColumn)],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [extraKey]);
  const sorting = useMemo<SortingState>(() => {
    const column = sort ? columns.find((c) => serverField(c.id!) === sort.field) : undefined;
    return column && sort ? [{ id: column.id!, desc: sort.desc }] : [];
  }, [sort, columns]);
  const onSortingChange = (updater: Updater<SortingState>) => {
    const next = (typeof updater === 'function' ? updater(sorting) : updater)[0];
    const field = next ? serverField(next.id) : null;
    onSort(next && field ? { field, desc: next.desc } : null);
  };
  const [columnSizing, setColumnSizing] = useState<ColumnSizingState>({});
  const hiddenKey = hiddenColumns.join(',');
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const columnVisibility = useMemo<VisibilityState>(() => Object.fromEntries(hiddenColumns.map((id) => [id, false])), [hiddenKey]);

  const scroller = useRef<HTMLDivElement>(null);
  const rowVirtualizer = useVirtualizer({
    count: items.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12,
    observeElementOffset: observeSharedElementOffset,
  });
  const vrows = rowVirtualizer.getVirtualItems();
  const firstIndex = vrows[0]?.index ?? 0;
  const lastIndex = vrows.at(-1)?.index ?? -1;
  // The row model covers whole blocks around the rendered rows, so it is rebuilt only when the scroll crosses one.
  const blockStart = Math.floor(firstIndex / BLOCK) * BLOCK;
  const blocks = Math.ceil((lastIndex - firstIndex + 1) / BLOCK) + 1;
  // A page arriving below the window leaves the window's items as they were: keep the same array, so the row model
  // is not rebuilt mid-scroll.
  const windowRef = useRef<TableItem[]>([]);
  const windowItems = useMemo(() => {
    const next = items.slice(blockStart, blockStart + blocks * BLOCK);
    const prev = windowRef.current;
    if (prev.length === next.length && prev.every((item, i) => item === next[i])) return prev;
    return (windowRef.current = next);
  }, [items, blockStart, blocks]);
  const env: CellEnv = { entity, project, colorOf, onColor, hidden, onToggleHidden, selected, onToggleSelected };

  const table = useReactTable<TableItem>({
    data: windowItems,
    columns,
    getCoreRowModel: getCoreRowModel(),
    getRowId: (_item, i) => String(blockStart + i),
    manualSorting: true, manualFiltering: true, manualPagination: true,
    enableMultiSort: false, sortDescFirst: true,
    enableColumnResizing: true, columnResizeMode: 'onChange',
    state: { sorting, columnPinning: PINNING, columnSizing, columnVisibility },
    onSortingChange,
    onColumnSizingChange: setColumnSizing,
    meta: env,
  });
  const tableRows = table.getRowModel().rows;
  const left = table.getLeftVisibleLeafColumns();
  const center = table.getCenterVisibleLeafColumns();
  const pinnedWidth = table.getLeftTotalSize();
  const width = table.getTotalSize();

  const colVirtualizer = useVirtualizer({
    horizontal: true, count: center.length, getScrollElement: () => scroller.current,
    estimateSize: (i) => center[i]!.getSize(), overscan: 3, paddingStart: pinnedWidth,
    observeElementOffset: observeSharedElementOffset,
    // Its re-render when scrolling starts or stops need not be synchronous: a synchronous one would change the DOM
    // before the row virtualiser reads the scroll size in the same event, forcing a layout there.
    useFlushSync: false,
  });
  const sizesKey = center.map((c) => c.getSize()).join(',');
  useEffect(() => colVirtualizer.measure(), [colVirtualizer, sizesKey, pinnedWidth]);
  const vcolsNow = colVirtualizer.getVirtualItems();
  // Same columns in view → same array, so rows that did not change skip re-rendering while scrolling vertically.
  const colKey = vcolsNow.map((v) => `${v.index}:${v.start}`).join(',');
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const vcols = useMemo(() => vcolsNow.map((v) => ({ index: v.index, start: v.start })), [colKey]);

  const { runCount, grouped } = useMemo(() => {
    let runs = 0;
    let groups = false;
    for (const i of items) {
      if (i.kind === 'run') runs++;
      else if (i.kind === 'group') groups = true;
    }
    return { runCount: runs, grouped: groups };
  }, [items]);
  const { loading, onNeedMore } = props;
  useEffect(() => {
    if (!grouped && !loading && runCount < total && lastIndex >= items.length - 100) onNeedMore();
  }, [grouped, lastIndex, items.length, runCount, total, loading, onNeedMore]);

  // Roving focus: one row is in the tab order; arrows move it.
  const [active, setActive] = useState(0);
  const activeIndex = Math.min(active, Math.max(items.length - 1, 0));
  const focusRow = (index: number) => {
    const i = Math.max(0, Math.min(items.length - 1, index));
    setActive(i);
    rowVirtualizer.scrollToIndex(i);
    // The row may only exist after the virtualiser renders it.
    requestAnimationFrame(() => scroller.current?.querySelector<HTMLElement>(`[data-index="${i}"]`)?.focus());
  };
  const onRowKey = (e: KeyboardEvent<HTMLDivElement>, index: number) => {
    const item = items[index]!;
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 320) / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = { ArrowDown: index + 1, ArrowUp: index - 1, PageDown: index + page, PageUp: index - page, Home: 0, End: items.length - 1 };
    if (e.key in moves) {
      e.preventDefault();
      focusRow(moves[e.key]!);
      return;
    }
    if (item.kind === 'group') {
      if (e.key === 'Enter' || (e.key === 'ArrowRight' && !item.expanded) || (e.key === 'ArrowLeft' && item.expanded)) {
        e.preventDefault();
        props.onToggleGroup?.(item.key);
      }
      return;
    }
    if (item.kind === 'more') {
      if (e.key === 'Enter') props.onMoreInGroup?.(item.key);
      return;
    }
    const run = item.row.name;
    if (e.key === 'Enter') navigate(pathOf(entity, project, 'runs', run));
    else if (e.key === ' ') {
      e.preventDefault();
      onToggleHidden(run);
    } else if (e.key === 'x') onToggleSelected(run);
    else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      scroller.current?.scrollBy({ left: e.key === 'ArrowRight' ? 120 : -120 });
    }
  };

  // One handler for all rows (delegated), so a row's props stay equal between renders.
  const rowIndexOf = (target: EventTarget) => Number((target as HTMLElement).closest('[data-index]')?.getAttribute('data-index') ?? -1);
  const onBodyKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = rowIndexOf(e.target);
    if (i >= 0 && (e.target as HTMLElement).matches('[data-index]')) onRowKey(e, i);
  };
  const onBodyFocus = (e: FocusEvent<HTMLDivElement>) => {
    const i = rowIndexOf(e.target);
    if (i >= 0) setActive(i);
  };
  const headerGroup = { left: table.getLeftHeaderGroups()[0]!.headers, center: table.getCenterHeaderGroups()[0]!.headers };

  return (
    <div className="runs-table" role="grid" aria-rowcount={total + 1} aria-colcount={left.length + center.length} aria-label="Runs">
      <div ref={scroller} className="runs-table-scroll">
        <HeaderRow left={headerGroup.left} center={headerGroup.center} vcols={vcols} width={width} pinnedWidth={pinnedWidth}
          sortKey={JSON.stringify(sorting)} resizing={table.getState().columnSizingInfo.isResizingColumn} />
        <div role="rowgroup" className="runs-body" style={{ height: rowVirtualizer.getTotalSize(), width }} onKeyDown={onBodyKey} onFocus={onBodyFocus}>
          {vrows.map((vr) => {
            const item = items[vr.index]!;
            const common = {
              'data-index': vr.index, tabIndex: vr.index === activeIndex ? 0 : -1, 'aria-rowindex': vr.index + 2,
              style: { transform: `translateY(${vr.start}px)`, width },
            };
            if (item.kind === 'group') {
              return (
                <div role="row" key={`g:${item.key}`} className="runs-tr group-row" data-group={item.label} aria-expanded={item.expanded} {...common}>
                  <div role="gridcell" className="runs-td" style={{ width: Math.min(width, 520), position: 'sticky', left: 0 }}>
                    <button type="button" tabIndex={-1} className="group-toggle" onClick={() => props.onToggleGroup?.(item.key)}>
                      <span aria-hidden="true">{item.expanded ? '▾' : '▸'}</span> {item.label}
                    </button>{' '}
                    <span className="muted" data-testid="group-count">{item.count} runs</span>
                  </div>
                </div>
              );
            }
            if (item.kind === 'more') {
              return (
                <div role="row" key={`m:${item.key}`} className="runs-tr" {...common}>
                  <div role="gridcell" className="runs-td" style={{ position: 'sticky', left: 0, paddingLeft: 28 }}>
                    <button type="button" tabIndex={-1} className="link" onClick={() => props.onMoreInGroup?.(item.key)}>Show {item.left} more</button>
                  </div>
                </div>
              );
            }
            const tableRow = tableRows[vr.index - blockStart];
            if (!tableRow) return null;
            return (
              <RunRowView key={`r:${item.row.name}:${vr.index}`} tableRow={tableRow} run={item.row} index={vr.index} start={vr.start} width={width}
                pinnedWidth={pinnedWidth} tabbable={vr.index === activeIndex} isHidden={hidden.has(item.row.name)}
                isSelected={selected.has(item.row.name)} color={colorOf(item.row.name)} depth={item.depth} left={left} center={center} vcols={vcols} />
            );
          })}
        </div>
        {!loading && items.length === 0 && <p className="muted empty-rows">No runs match.</p>}
      </div>
    </div>
  );
}

interface HeaderRowProps {
  left: Header<TableItem, unknown>[]; center: Header<TableItem, unknown>[]; vcols: { index: number; start: number }[];
  width: number; pinnedWidth: number;
  /** Change keys: the sorting and the column being resized (headers read both from the table). */
  sortKey: string; resizing: string | false;
}

/** The header row; memoised: vertical scrolling does not re-render it. */
const HeaderRow = memo(function HeaderRow({ left, center, vcols, width, pinnedWidth }: HeaderRowProps) {
  return (
    <div role="rowgroup" className="runs-thead" style={{ width }}>
      <div role="row" className="runs-tr" style={{ height: ROW_HEIGHT + 2 }}>
        <div role="presentation" className="runs-pinned" style={{ width: pinnedWidth }}>
          {left.map((h) => <HeaderCell key={h.id} header={h} />)}
        </div>
        {vcols.map((vc, i) => {
          const h = center[vc.index];
          return h ? <HeaderCell key={h.id} header={h} marginLeft={i === 0 ? vc.start - pinnedWidth : undefined} /> : null;
        })}
      </div>
    </div>
  );
});

function HeaderCell({ header, marginLeft }: { header: Header<TableItem, unknown>; marginLeft?: number }) {
  const column = header.column;
  const title = column.columnDef.meta?.title ?? column.id;
  const dir = column.getIsSorted();
  const label = flexRender(column.columnDef.header, header.getContext());
  return (
    <div role="columnheader" className="runs-th" style={{ width: header.getSize(), marginLeft }} data-column={column.id}
      aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}>
      {column.getCanSort() && serverField(column.id) ? (
        <button type="button" className="th-sort" onClick={column.getToggleSortingHandler()} aria-label={`Sort by ${title}`}>
          {label}<span aria-hidden="true">{dir === 'asc' ? ' ▲' : dir === 'desc' ? ' ▼' : ''}</span>
        </button>
      ) : label}
      {column.getCanResize() && (
        <div role="separator" aria-orientation="vertical" aria-label={`Resize ${title}`} title="Drag to resize, double-click to reset"
          className={`col-resizer${column.getIsResizing() ? ' resizing' : ''}`} onMouseDown={header.getResizeHandler()}
          onTouchStart={header.getResizeHandler()} onDoubleClick={() => column.resetSize()} />
      )}
    </div>
  );
}

interface RunRowViewProps {
  tableRow: Row<TableItem>; run: RunRow; index: number; start: number; width: number; pinnedWidth: number; tabbable: boolean;
  isHidden: boolean; isSelected: boolean; color: string; depth: number;
  left: Column<TableItem, unknown>[]; center: Column<TableItem, unknown>[]; vcols: { index: number; start: number }[];
}

/**
 * One run row; memoised: scrolling re-renders only the rows whose position or data changed. The TanStack row
 * object is left out of the comparison: it is rebuilt with the row model, and what it renders is `run` and the
 * columns (the rest comes from the table's meta, whose changes show in isHidden / isSelected / color).
 */
const RunRowView = memo(function RunRowView({ tableRow, run: r, index, start, width, pinnedWidth, tabbable, isHidden, isSelected, depth, vcols }: RunRowViewProps) {
  const centerCells = tableRow.getCenterVisibleCells();
  return (
    <div role="row" className={`runs-tr${isHidden ? ' run-hidden' : ''}`} data-run={r.name} aria-selected={isSelected}
      data-index={index} tabIndex={tabbable ? 0 : -1} aria-rowindex={index + 2}
      style={{ transform: `translateY(${start}px)`, width }}>
      <div role="presentation" className="runs-pinned" style={{ width: pinnedWidth }}>
        {tableRow.getLeftVisibleCells().map((cell) => (
          <div role="gridcell" key={cell.column.id} className="runs-td" data-column={cell.column.id}
            style={{ width: cell.column.getSize(), ...(cell.column.id === 'select' && depth ? { paddingLeft: 18 } : {}) }}>
            {flexRender(cell.column.columnDef.cell, cell.getContext())}
          </div>
        ))}
      </div>
      {vcols.map((vc, i) => {
        const cell = centerCells[vc.index];
        if (!cell) return null;
        // In flow after the pinned block: the first cell in view is pushed past the columns scrolled out of view.
        return (
          <div role="gridcell" key={cell.column.id} className="runs-td" data-column={cell.column.id}
            style={{ width: cell.column.getSize(), marginLeft: i === 0 ? vc.start - pinnedWidth : undefined }}>
            {flexRender(cell.column.columnDef.cell, cell.getContext())}
          </div>
        );
      })}
    </div>
  );
}, (a, b) => {
  for (const k of Object.keys(a) as (keyof RunRowViewProps)[]) if (k !== 'tableRow' && a[k] !== b[k]) return false;
  return true;
});

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
