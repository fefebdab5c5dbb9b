import { keepPreviousData, useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { memo, useCallback, useDeferredValue, useEffect, useMemo, useState } from 'react';
import { chartGroupsOf } from '../../charts/groups';
import { FALLBACK_REFETCH_MS, throttle, useLiveUpdates } from '../../lib/live';
import { apiFetch, gql } from '../../lib/api';
import { assignColors, runColor } from '../../lib/colors';
import type { ChartRun } from '../../charts/series';
import { ErrorNote, NotFound } from '../common/NotFound';
import { Link, navigate, pathOf } from '../../app/router';
import { PanelGrid } from './PanelGrid';
import { FilterBar } from './FilterBar';
import { availableColumns, HIDEABLE_COLUMNS, RunsTable, type RunRow, type TableItem } from './RunsTable';
import { ColumnPicker, columnLabel } from './ColumnPicker';
import { useGroupedRuns } from './grouping';
import { layoutEdits, useWorkspaceLayout } from './layout';
import { emptyRunsQuery, filterFields, toMongoFilter, toOrder, type RunsQueryState } from './runs-query';

/** Rows per page: a fast scroll through thousands of runs should rarely wait for the next one. */
const PAGE = 200;
/** Charts draw the first this many shown runs of the table, as W&B does by default. */
export const MAX_CHART_RUNS = 10;
export const LIVE_POLL_MS = 1000;
const IDLE_POLL_MS = 5000;

const PROJECT = `query($entity: String!, $project: String!) { project(name: $project, entityName: $entity) { name runCount } }`;

/** A project's main page: the runs table beside the metric panels. */
export function Workspace({ entity, project }: { entity: string; project: string }) {
  const meta = useQuery({
    queryKey: ['project', entity, project],
    queryFn: ({ signal }) => gql<{ project: { name: string; runCount: number } | null }>(PROJECT, { entity, project }, signal),
  });
  const [query, setQuery] = useState<RunsQueryState>(emptyRunsQuery);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [groupBy, setGroupBy] = useState<string | null>(null);
  const saved = useWorkspaceLayout(entity, project, !!meta.data?.project);
  const { layout, update: updateLayout } = saved;
  const chosenColumns = layout.columns;
  const setChosenColumns = useCallback((columns: string[]) => updateLayout((l) => ({ ...l, columns })), [updateLayout]);
  // Hidden runs are part of the saved layout: they stay hidden after a reload.
  const hidden = useMemo<ReadonlySet<string>>(() => new Set(layout.hiddenRuns ?? []), [layout.hiddenRuns]);
  const hiddenColumns = layout.hiddenColumns ?? NONE;
  const toggleColumn = useCallback((id: string) => updateLayout((l) => layoutEdits.toggleHiddenColumn(l, id)), [updateLayout]);

  const filters = toMongoFilter(query);
  const order = toOrder(query.sort);
  // Live: the server pushes "run R changed / was created"; the table (server-sorted and filtered) is refetched,
  // at most once a second. Without the stream the page falls back to a slow poll.
  const qc = useQueryClient();
  const refreshRuns = useMemo(() => throttle(() => {
    void qc.invalidateQueries({ queryKey: ['runs', entity, project] });
    void qc.invalidateQueries({ queryKey: ['run-groups', entity, project] });
  }, LIVE_POLL_MS), [qc, entity, project]);
  useEffect(() => () => refreshRuns.cancel(), [refreshRuns]);
  const liveConnected = useLiveUpdates(entity, project, (u) => {
    if (u.kind === 'run' || u.kind === 'hello') refreshRuns.call();
  }, !!meta.data?.project);
  const runs = useInfiniteQuery({
    queryKey: ['runs', entity, project, filters, order],
    enabled: !!meta.data?.project,
    initialPageParam: 0,
    queryFn: ({ pageParam, signal }) => apiFetch<{ total: number; runs: RunRow[] }>('/api/v1/runs', {
      body: { entity, project, offset: pageParam, limit: PAGE, ...(filters ? { filters } : {}), ...(order ? { order } : {}) }, signal,
    }),
    getNextPageParam: (last, pages) => {
      const loaded = pages.reduce((n, p) => n + p.runs.length, 0);
      return loaded < last.total && last.runs.length > 0 ? loaded : undefined;
    },
    placeholderData: keepPreviousData,
    refetchInterval: liveConnected ? false : FALLBACK_REFETCH_MS,
  });
  // A further page arriving mid-scroll re-renders the table in an interruptible render, between scroll frames;
  // the first page (opening, sorting, filtering) is drawn at once.
  const deferredRuns = useDeferredValue(runs.data);
  const runsData = (runs.data?.pages.length ?? 0) > 1 ? deferredRuns : runs.data;
  const rows = useMemo(() => runsData?.pages.flatMap((p) => p.runs) ?? [], [runsData]);
  const total = runsData?.pages[0]?.total ?? 0;
  const columnsAvailable = useAvailableColumns(runsData?.pages);
  const filterFieldList = useMemo(() => filterFields(columnsAvailable), [columnsAvailable]);
  const extraColumns = useMemo(() => chosenColumns ?? [
    ...columnsAvailable.config.slice(0, 4).map((k) => `config:${k}`),
    ...columnsAvailable.summary.slice(0, 4).map((k) => `summary:${k}`),
  ], [chosenColumns, columnsAvailable]);

  const toggleHidden = useCallback((name: string) => updateLayout((l) => layoutEdits.toggleHiddenRun(l, name)), [updateLayout]);
  const toggleSelected = useCallback((name: string) => setSelected((h) => {
    const next = new Set(h);
    if (!next.delete(name)) next.add(name);
    return next;
  }), []);
  const anyRowRunning = rows.some((r) => r.state === 'running');
  const grouped = useGroupedRuns(entity, project, groupBy, filters, order, liveConnected ? false : anyRowRunning ? FALLBACK_REFETCH_MS : IDLE_POLL_MS);
  // Grouped: the charts draw each expanded group as its runs' mean with a min/max band.
  const chartGroups = useMemo(() => (groupBy ? chartGroupsOf(grouped.items, hidden) : null), [groupBy, grouped.items, hidden]);
  const items = useMemo<TableItem[]>(() => (groupBy ? grouped.items : rows.map(runItemOf)), [groupBy, grouped.items, rows]);
  // Grouped: the charts draw the runs of the expanded groups.
  const chartSource = useMemo(() => (groupBy ? items.flatMap((i) => (i.kind === 'run' ? [i.row] : [])) : rows), [groupBy, items, rows]);
  const chartRuns = useChartRuns(chartSource, hidden, layout.runColors);
  const colorOf = useMemo(() => {
    const charted = new Map(chartRuns.map((r) => [r.name, r.color]));
    return (name: string) => charted.get(name) ?? layout.runColors[name] ?? runColor(name);
  }, [chartRuns, layout.runColors]);
  const setColor = useCallback((run: string, color: string | null) => updateLayout((l) => layoutEdits.setRunColor(l, run, color)), [updateLayout]);
  const anyRunning = chartRuns.some((r) => chartSource.find((row) => row.name === r.name)?.state === 'running');
  const needMore = useCallback(() => {
    if (runs.hasNextPage && !runs.isFetchingNextPage) void runs.fetchNextPage();
  }, [runs]);

  if (meta.error) return <main className="page"><ErrorNote error={meta.error} /></main>;
  if (meta.data && !meta.data.project) return <NotFound what={`Project ${entity}/${project}`} />;
  return (
    <main className="workspace">
      <header className="page-head">
        <h1><span className="muted">{entity} /</span> {project}</h1>
        <span className="muted" data-testid="runs-total">{total} runs{runs.isFetching ? ' · updating…' : ''}</span>
        <nav className="project-nav" aria-label="Project">
          <Link to={pathOf(entity, project, 'artifacts')}>Artifacts</Link>
          <Link to={pathOf(entity, project, 'reports')}>Reports</Link>
          <Link to={pathOf(entity, project, 'media')}>Media</Link>
          <Link to={pathOf(entity, project, 'storage')}>Storage</Link>
        </nav>
      </header>
      <div className="workspace-body">
        <section className="runs-pane" aria-label="Runs">
          <FilterBar value={query} onChange={setQuery} fields={filterFieldList} />
          <div className="runs-pane-tools">
            <label className="group-by">Group by
              <select value={groupBy ?? ''} onChange={(e) => setGroupBy(e.target.value || null)} aria-label="Group runs by">
                <option value="">(none)</option>
                <option value="group">Group</option>
                <option value="jobType">Job type</option>
                <option value="state">State</option>
                {columnsAvailable.config.map((k) => <option key={k} value={`config.${k}`}>{columnLabel(`config:${k}`)}</option>)}
              </select>
            </label>
            <button type="button" disabled={selected.size < 2} title="Select runs with their checkboxes (or x on a focused row)"
              onClick={() => navigate(`${pathOf(entity, project, 'compare')}?runs=${[...selected].map(encodeURIComponent).join(',')}`)}>
              Compare {selected.size > 0 ? `(${selected.size})` : ''}
            </button>
            {selected.size > 0 && <button type="button" className="link" onClick={() => setSelected(new Set())}>Clear selection</button>}
            <ColumnPicker available={columnsAvailable} chosen={extraColumns} onChange={setChosenColumns}
              fixed={HIDEABLE_COLUMNS.map((c) => ({ ...c, shown: !hiddenColumns.includes(c.id) }))} onToggleFixed={toggleColumn} />
          </div>
          {runs.error && <ErrorNote error={runs.error} />}
          {groupBy && grouped.error && <ErrorNote error={grouped.error} />}
          <RunsTable entity={entity} project={project} items={items} total={total} loading={groupBy ? grouped.loading : runs.isFetching}
            onNeedMore={needMore} sort={query.sort} onSort={(sort) => setQuery((q) => ({ ...q, sort }))}
            extraColumns={extraColumns} hiddenColumns={hiddenColumns} colorOf={colorOf} onColor={setColor} hidden={hidden} onToggleHidden={toggleHidden}
            selected={selected} onToggleSelected={toggleSelected} onToggleGroup={grouped.toggle} onMoreInGroup={grouped.more} />
        </section>
        <section className="charts-pane" aria-label="Charts">
          <MemoPanelGrid entity={entity} project={project} runs={chartRuns} refetchMs={anyRunning ? LIVE_POLL_MS : false} groups={chartGroups}
            layout={saved.ready ? layout : undefined} onLayout={updateLayout} />
          <span className="sr-only" data-testid="layout-saved">{saved.saved ? 'saved' : 'saving'}</span>
        </section>
      </div>
    </main>
  );
}

const NONE: string[] = [];

/** One table item per run row object, so a page arriving leaves the items of the rows already shown untouched. */
const runItems = new WeakMap<RunRow, TableItem>();
function runItemOf(row: RunRow): TableItem {
  let item = runItems.get(row);
  if (!item) runItems.set(row, (item = { kind: 'run', row, depth: 0 }));
  return item;
}

/** Page loads re-render the workspace; the charts only when what they are given changes. */
const MemoPanelGrid = memo(PanelGrid);

/** Per loaded page of runs, the config and summary keys in it (a page load scans only the new page). */
const keysOfPage = new WeakMap<object, { config: string[]; summary: string[] }>();
const sortedUnion = (lists: string[][]) => [...new Set(lists.flat())].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
/** The column-picker candidates among the loaded runs; the same object while they stay the same. */
function useAvailableColumns(pages: { runs: RunRow[] }[] | undefined) {
  const perPage = (pages ?? []).map((p) => {
    let keys = keysOfPage.get(p);
    if (!keys) keysOfPage.set(p, (keys = availableColumns(p.runs)));
    return keys;
  });
  const merged = perPage.length === 1 ? perPage[0]! : { config: sortedUnion(perPage.map((k) => k.config)), summary: sortedUnion(perPage.map((k) => k.summary)) };
  const key = `${merged.config.join('\u0001')}\u0000${merged.summary.join('\u0001')}`;
  // eslint-disable-next-line react-hooks/exhaustive-deps
  return useMemo(() => merged, [key]);
}

/**
 * The runs charts draw, memoised on their identity so panels only refetch when the set really changes. Colours
 * picked by hand win over the automatic ones.
 */
function useChartRuns(rows: RunRow[], hidden: ReadonlySet<string>, picks: Record<string, string> = {}): ChartRun[] {
  const picked = rows.filter((r) => !hidden.has(r.name)).slice(0, MAX_CHART_RUNS);
  const key = picked.map((r) => `${r.name}\u0000${r.displayName ?? ''}\u0000${picks[r.name] ?? ''}`).join('\u0001');
  return useMemo(() => {
    const colors = assignColors(picked.map((r) => r.name));
    return picked.map((r) => ({ name: r.name, label: r.displayName ?? r.name, color: picks[r.name] ?? colors.get(r.name)! }));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
}
