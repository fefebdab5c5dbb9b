import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import { useMemo, useRef, useState } from 'react';
import { LinePlot } from '../../charts/LinePlot';
import { bucketsForWidth, toPlotData, type ChartRun, type SeriesAnswer, type XRange } from '../../charts/series';
import { useVisibleOnce, useWidth } from '../../charts/useVisible';
import { apiFetch, ApiError } from '../../lib/api';
import { pathOf } from '../../app/router';
import { matchesSearch, toSections, type Section } from './sections';

const PANEL_HEIGHT = 220;
/** Sections with more panels than this start collapsed: a run with thousands of keys opens at once. */
const OPEN_SECTION_LIMIT = 36;
const KEYS_PER_RUN = 10_000;

export interface PanelGridProps {
  entity: string;
  project: string;
  runs: ChartRun[];
  /** While some run is live: refetch every this many ms. */
  refetchMs?: number | false;
}

/** The metric keys logged by any of the runs (each run's sorted key list, merged). */
function useMetricKeys(entity: string, project: string, runs: ChartRun[], refetchMs: number | false) {
  const results = useQueries({
    queries: runs.map((r) => ({
      queryKey: ['keys', entity, project, r.name],
      queryFn: ({ signal }: { signal: AbortSignal }) => apiFetch<{ keys: string[] }>(
        `/api/v1/runs/${pathOf(entity, project, r.name).slice(1)}/keys?limit=${KEYS_PER_RUN}`, { signal }),
      refetchInterval: refetchMs,
    })),
  });
  // One dependency that changes whenever any run's list does (a deps array must keep its length).
  const stamp = results.map((r) => r.dataUpdatedAt).join(',');
  const keys = useMemo(() => {
    const all = new Set<string>();
    for (const r of results) for (const k of r.data?.keys ?? []) all.add(k);
    return all;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [stamp]);
  return { keys, pending: results.some((r) => r.isPending), error: results.find((r) => r.error)?.error ?? null };
}

/** A grid of line plots, one per metric key, in collapsible sections by key prefix, with key search. */
export function PanelGrid({ entity, project, runs, refetchMs = false }: PanelGridProps) {
  const { keys, pending, error } = useMetricKeys(entity, project, runs, refetchMs);
  const [search, setSearch] = useState('');
  // One x range for every panel (W&B's synced x axis): a drag on any chart re-buckets all of them.
  const [range, setRange] = useState<XRange | null>(null);
  const sections = useMemo(() => toSections([...keys].filter((k) => matchesSearch(k, search))), [keys, search]);

  return (
    <div className="panel-grid">
      <div className="panel-grid-bar">
        <input type="search" placeholder="Search metric keys" aria-label="Search metric keys" value={search}
          onChange={(e) => setSearch(e.target.value)} />
        <span className="muted">{sections.reduce((n, s) => n + s.keys.length, 0)} panels · {runs.length} runs</span>
        {range && (
          <span className="zoom-state" data-testid="zoom-state">
            Steps {range.min}–{range.max}{' '}
            <button type="button" className="link" onClick={() => setRange(null)}>Reset zoom</button>
          </span>
        )}
      </div>
      {error && <p role="alert" className="error">{error.message}</p>}
      {!pending && runs.length === 0 && <p className="muted">No runs to chart.</p>}
      {!pending && runs.length > 0 && sections.length === 0 && <p className="muted">{search ? 'No metric matches.' : 'No metrics logged yet.'}</p>}
      {sections.map((s) => (
        <PanelSection key={s.name} section={s} entity={entity} project={project} runs={runs} refetchMs={refetchMs}
          range={range} onRange={setRange} startOpen={s.keys.length <= OPEN_SECTION_LIMIT || search !== ''} />
      ))}
    </div>
  );
}

/** What every panel of the grid shares. */
interface PanelContext extends PanelGridProps {
  range: XRange | null;
  onRange(range: XRange | null): void;
}

function PanelSection({ section, startOpen, ...rest }: { section: Section; startOpen: boolean } & PanelContext) {
  const [open, setOpen] = useState(startOpen);
  return (
    <section className="panel-section" data-section={section.name}>
      <h3>
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          <span aria-hidden="true">{open ? '▾' : '▸'}</span> {section.name} <span className="muted">({section.keys.length})</span>
        </button>
      </h3>
      {open && (
        <div className="panels">
          {section.keys.map((k) => <LazyPanel key={k} metricKey={k} {...rest} />)}
        </div>
      )}
    </section>
  );
}

/** A panel that fetches and draws only once it scrolls into view. */
function LazyPanel(props: PanelContext & { metricKey: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const visible = useVisibleOnce(ref);
  return (
    <div ref={ref} className="panel" data-panel={props.metricKey} style={{ minHeight: PANEL_HEIGHT + 60 }}>
      <h4 title={props.metricKey}>{props.metricKey}</h4>
      {visible ? <MetricPanel {...props} /> : <div className="panel-placeholder" />}
    </div>
  );
}

function MetricPanel({ entity, project, runs, metricKey, refetchMs = false, range, onRange }: PanelContext & { metricKey: string }) {
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const buckets = bucketsForWidth(width);
  const runNames = runs.map((r) => r.name);
  const series = useQuery({
    queryKey: ['series', entity, project, runNames, metricKey, buckets, range],
    enabled: width > 0 && runs.length > 0,
    queryFn: ({ signal }) => apiFetch<SeriesAnswer>('/api/v1/series', {
      body: { entity, project, runs: runNames, keys: [metricKey], buckets, ...(range ? { range } : {}) }, signal,
    }),
    // Keep drawing the previous answer while a zoom or resize refetches: no flash.
    placeholderData: keepPreviousData,
    refetchInterval: refetchMs,
  });
  const data = useMemo(() => (series.data ? toPlotData(series.data, metricKey, runs) : null), [series.data, metricKey, runs]);
  const plan = series.data?.plan;

  return (
    <div ref={box} className="metric-panel" data-range={range ? `${range.min}-${range.max}` : ''}
      data-buckets={plan?.count ?? ''} data-points={data?.columns[0].length ?? ''}>
      {series.error && <p role="alert" className="error">{(series.error as ApiError).message}</p>}
      {data && data.runs.length === 0 && <p className="muted panel-empty">No numeric data{range ? ' in this range' : ''}.</p>}
      {data && data.runs.length > 0 && width > 0 && (
        <LinePlot data={data} width={width} height={PANEL_HEIGHT} xKey={plan?.xKey ?? '_step'} xRange={range}
          onZoom={onRange} onResetZoom={() => onRange(null)} />
      )}
    </div>
  );
}
