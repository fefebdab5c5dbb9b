import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { apiFetch, gql } from '../../lib/api';
import { assignColors, runColor } from '../../lib/colors';
import type { ChartRun } from '../../charts/series';
import { ErrorNote, NotFound } from '../common/NotFound';
import { PanelGrid } from './PanelGrid';
import { FilterBar } from './FilterBar';
import { availableColumns, ColumnPicker, RunsTable, type RunRow } from './RunsTable';
import { emptyRunsQuery, toMongoFilter, toOrder, type RunsQueryState } from './runs-query';

const PAGE = 100;
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
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [chosenColumns, setChosenColumns] = useState<string[] | null>(null);

  const filters = toMongoFilter(query);
  const order = toOrder(query.sort);
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
    // Live, first step: poll every second while a shown run is running, and now and then otherwise so that new
    // runs appear (server push with deltas is the target).
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.runs.some((r) => r.state === 'running')) ? LIVE_POLL_MS : IDLE_POLL_MS),
  });
  const rows = useMemo(() => runs.data?.pages.flatMap((p) => p.runs) ?? [], [runs.data]);
  const total = runs.data?.pages[0]?.total ?? 0;
  const columnsAvailable = useMemo(() => availableColumns(rows), [rows]);
  const extraColumns = useMemo(() => chosenColumns ?? [
    ...columnsAvailable.config.slice(0, 4).map((k) => `config:${k}`),
    ...columnsAvailable.summary.slice(0, 4).map((k) => `summary:${k}`),
  ], [chosenColumns, columnsAvailable]);

  const toggleHidden = useCallback((name: string) => setHidden((h) => {
    const next = new Set(h);
    if (!next.delete(name)) next.add(name);
    return next;
  }), []);
  const chartRuns = useChartRuns(rows, hidden);
  const colorOf = useMemo(() => {
    const charted = new Map(chartRuns.map((r) => [r.name, r.color]));
    return (name: string) => charted.get(name) ?? runColor(name);
  }, [chartRuns]);
  const anyRunning = chartRuns.some((r) => rows.find((row) => row.name === r.name)?.state === 'running');
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
      </header>
      <div className="workspace-body">
        <section className="runs-pane" aria-label="Runs">
          <FilterBar value={query} onChange={setQuery} />
          <div className="runs-pane-tools">
            <ColumnPicker available={columnsAvailable} chosen={extraColumns} onChange={setChosenColumns} />
          </div>
          {runs.error && <ErrorNote error={runs.error} />}
          <RunsTable entity={entity} project={project} rows={rows} total={total} loading={runs.isFetching}
            onNeedMore={needMore} sort={query.sort} onSort={(sort) => setQuery((q) => ({ ...q, sort }))}
            extraColumns={extraColumns} colorOf={colorOf} hidden={hidden} onToggleHidden={toggleHidden} />
        </section>
        <section className="charts-pane" aria-label="Charts">
          <PanelGrid entity={entity} project={project} runs={chartRuns} refetchMs={anyRunning ? LIVE_POLL_MS : false} />
        </section>
      </div>
    </main>
  );
}

/** The runs charts draw, memoised on their identity so panels only refetch when the set really changes. */
function useChartRuns(rows: RunRow[], hidden: ReadonlySet<string>): ChartRun[] {
  const picked = rows.filter((r) => !hidden.has(r.name)).slice(0, MAX_CHART_RUNS);
  const key = picked.map((r) => `${r.name}\u0000${r.displayName ?? ''}`).join('\u0001');
  return useMemo(() => {
    const colors = assignColors(picked.map((r) => r.name));
    return picked.map((r) => ({ name: r.name, label: r.displayName ?? r.name, color: colors.get(r.name)! }));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
}
