import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useMemo, useRef, useState, type CSSProperties, type FocusEvent, type KeyboardEvent, type ReactNode } from 'react';
import { Link, navigate, pathOf } from '../../app/router';
import { formatValue, timeAgo } from '../../lib/format';
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

const ROW_HEIGHT = 32;

interface Column {
  id: string;
  header: ReactNode;
  /** Accessible name of the header (headers may be icons). */
  title: string;
  size: number;
  cell(row: RunRow): ReactNode;
}

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
  colorOf(run: string): string;
  onColor(run: string, color: string | null): void;
  hidden: ReadonlySet<string>;
  onToggleHidden(run: string): void;
  selected: ReadonlySet<string>;
  onToggleSelected(run: string): void;
  onToggleGroup?(key: string): void;
  onMoreInGroup?(key: string): void;
}

/** Pinned on the left while the other columns scroll sideways (and are virtualised). */
const PINNED = 3;

/**
 * The runs table: server-sorted (click a header), rows and columns virtualised (only what is on screen is in the
 * DOM), pages fetched as the scroll nears the end. Keyboard: ↑/↓/Home/End/PageUp/PageDown move between rows,
 * Enter opens the run, Space hides or shows it in charts, x selects it for comparing, ←/→ scroll the columns;
 * on a group row Enter or →/← expand and collapse it.
 */
export function RunsTable(props: RunsTableProps) {
  const { entity, project, items, total, sort, onSort, extraColumns, colorOf, onColor, hidden, onToggleHidden, selected, onToggleSelected } = props;
  const columns = useMemo<Column[]>(() => [
    {
      id: 'select', title: 'Select for comparing', size: 40, header: <span className="sr-only">Select for comparing</span>,
      cell: (r) => (
        <input type="checkbox" tabIndex={-1} checked={selected.has(r.name)} aria-label={`Select ${r.displayName ?? r.name} for comparing`}
          onChange={() => onToggleSelected(r.name)} />
      ),
    },
    {
      id: 'visible', title: 'Shown in charts', size: 62, header: <span className="sr-only">Shown in charts</span>,
      cell: (r) => {
        const shown = !hidden.has(r.name);
        const label = r.displayName ?? r.name;
        return (
          <span className="eye-cell">
            <ColorMenu run={label} color={colorOf(r.name)} onPick={(c) => onColor(r.name, c)} />
            <button type="button" tabIndex={-1} className="eye" aria-pressed={shown} aria-label={`${shown ? 'Hide' : 'Show'} ${label} in charts`}
              onClick={() => onToggleHidden(r.name)}>
              <span aria-hidden="true">{shown ? '◉' : '○'}</span>
            </button>
          </span>
        );
      },
    },
    {
      id: 'name', title: 'Name', header: 'Name', size: 200,
      cell: (r) => <Link to={pathOf(entity, project, 'runs', r.name)} tabIndex={-1} title={r.name}>{r.displayName ?? r.name}</Link>,
    },
    { id: 'state', title: 'State', header: 'State', size: 100, cell: (r) => <StateBadge state={r.state} /> },
    { id: 'createdAt', title: 'Created', header: 'Created', size: 110, cell: (r) => <span title={r.createdAt}>{timeAgo(r.createdAt)}</span> },
    { id: 'tags', title: 'Tags', header: 'Tags', size: 130, cell: (r) => r.tags.map((t) => <span key={t} className="tag">{t}</span>) },
    { id: 'group', title: 'Group', header: 'Group', size: 100, cell: (r) => r.group ?? '' },
    { id: 'jobType', title: 'Job type', header: 'Job type', size: 90, cell: (r) => r.jobType ?? '' },
    ...extraColumns.map((id): Column => {
      const isConfig = id.startsWith('config:');
      const key = id.slice(id.indexOf(':') + 1);
      const title = `${isConfig ? 'config' : 'summary'}: ${key}`;
      return {
        id, size: 120, title,
        header: <span title={title}><span className="muted">{isConfig ? 'c.' : 's.'}</span>{key}</span>,
        cell: (r) => <span className="num">{formatValue((isConfig ? r.config : r.summary)[key])}</span>,
      };
    }),
  ], [entity, project, extraColumns, colorOf, onColor, hidden, onToggleHidden, selected, onToggleSelected]);

  const pinned = useMemo(() => columns.slice(0, PINNED), [columns]);
  const rest = useMemo(() => columns.slice(PINNED), [columns]);
  const pinnedWidth = pinned.reduce((n, c) => n + c.size, 0);
  const width = columns.reduce((n, c) => n + c.size, 0);

  const scroller = useRef<HTMLDivElement>(null);
  const rowVirtualizer = useVirtualizer({
    count: items.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12,
  });
  const colVirtualizer = useVirtualizer({
    horizontal: true, count: rest.length, getScrollElement: () => scroller.current,
    estimateSize: (i) => rest[i]!.size, overscan: 3, paddingStart: pinnedWidth,
  });
  const vrows = rowVirtualizer.getVirtualItems();
  const vcolsNow = colVirtualizer.getVirtualItems();
  // Same columns in view → same array, so rows that did not change skip re-rendering while scrolling vertically.
  const colKey = vcolsNow.map((v) => `${v.index}:${v.start}`).join(',');
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const vcols = useMemo(() => vcolsNow.map((v) => ({ index: v.index, start: v.start })), [colKey]);
  const lastIndex = vrows.at(-1)?.index ?? -1;
  const runCount = items.filter((i) => i.kind === 'run').length;
  const { loading, onNeedMore } = props;
  const grouped = items.some((i) => i.kind === 'group');
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

  const clickSort = (columnId: string) => {
    const field = serverField(columnId);
    if (!field) return;
    // Numbers are mostly wanted biggest first… except when sorting the same column again.
    if (sort?.field !== field) onSort({ field, desc: true });
    else if (sort.desc) onSort({ field, desc: false });
    else onSort(null);
  };

  const headerCell = (c: Column, style: CSSProperties) => {
    const field = serverField(c.id);
    const dir = field && sort?.field === field ? (sort.desc ? 'desc' : 'asc') : null;
    return (
      <div role="columnheader" key={c.id} className="runs-th" style={{ width: c.size, ...style }} data-column={c.id}
        aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}>
        {field ? (
          <button type="button" className="th-sort" onClick={() => clickSort(c.id)} aria-label={`Sort by ${c.title}`}>
            {c.header}<span aria-hidden="true">{dir === 'asc' ? ' ▲' : dir === 'desc' ? ' ▼' : ''}</span>
          </button>
        ) : c.header}
      </div>
    );
  };
  const pinnedStyle = useMemo(() => {
    let left = 0;
    return pinned.map((c) => {
      const st = { position: 'sticky' as const, left, zIndex: 1 };
      left += c.size;
      return st;
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [columns]);
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

  return (
    <div className="runs-table" role="grid" aria-rowcount={total + 1} aria-colcount={columns.length} aria-label="Runs">
      <div ref={scroller} className="runs-table-scroll">
        <div role="rowgroup" className="runs-thead" style={{ width }}>
          <div role="row" className="runs-tr" style={{ position: 'relative', height: ROW_HEIGHT + 2 }}>
            {pinned.map((c, i) => headerCell(c, { ...pinnedStyle[i], background: 'var(--bg-soft)' }))}
            {vcols.map((vc) => headerCell(rest[vc.index]!, { position: 'absolute', left: vc.start, top: 0 }))}
          </div>
        </div>
        <div role="rowgroup" style={{ height: rowVirtualizer.getTotalSize(), width, position: 'relative' }} onKeyDown={onBodyKey} onFocus={onBodyFocus}>
          {vrows.map((vr) => {
            const item = items[vr.index]!;
            const common = {
              'data-index': vr.index, tabIndex: vr.index === activeIndex ? 0 : -1, 'aria-rowindex': vr.index + 2,
              style: { position: 'absolute' as const, top: 0, transform: `translateY(${vr.start}px)`, height: ROW_HEIGHT, width },
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
            return (
              <RunRowView key={`r:${item.row.name}:${vr.index}`} row={item.row} index={vr.index} start={vr.start} width={width}
                tabbable={vr.index === activeIndex} isHidden={hidden.has(item.row.name)} isSelected={selected.has(item.row.name)}
                depth={item.depth} pinned={pinned} pinnedStyle={pinnedStyle} rest={rest} vcols={vcols} />
            );
          })}
        </div>
        {!loading && items.length === 0 && <p className="muted empty-rows">No runs match.</p>}
      </div>
    </div>
  );
}

interface RunRowViewProps {
  row: RunRow; index: number; start: number; width: number; tabbable: boolean; isHidden: boolean; isSelected: boolean; depth: number;
  pinned: Column[]; pinnedStyle: CSSProperties[]; rest: Column[]; vcols: { index: number; start: number }[];
}

/** One run row; memoised: scrolling re-renders only the rows whose position or data changed. */
const RunRowView = memo(function RunRowView({ row: r, index, start, width, tabbable, isHidden, isSelected, depth, pinned, pinnedStyle, rest, vcols }: RunRowViewProps) {
  return (
    <div role="row" className={`runs-tr${isHidden ? ' run-hidden' : ''}`} data-run={r.name} aria-selected={isSelected}
      data-index={index} tabIndex={tabbable ? 0 : -1} aria-rowindex={index + 2}
      style={{ position: 'absolute', top: 0, transform: `translateY(${start}px)`, height: ROW_HEIGHT, width }}>
      {pinned.map((c, i) => (
        <div role="gridcell" key={c.id} className="runs-td" data-column={c.id}
          style={{ width: c.size, ...pinnedStyle[i], background: 'var(--bg)', ...(c.id === 'select' && depth ? { paddingLeft: 18 } : {}) }}>
          {c.cell(r)}
        </div>
      ))}
      {vcols.map((vc) => {
        const c = rest[vc.index]!;
        return <div role="gridcell" key={c.id} className="runs-td" data-column={c.id} style={{ width: c.size, position: 'absolute', left: vc.start, top: 0 }}>{c.cell(r)}</div>;
      })}
    </div>
  );
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
