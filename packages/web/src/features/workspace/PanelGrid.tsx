import { keepPreviousData, useQueries, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ChartControls, ChartGridCtx, DEFAULT_CHART_SETTINGS, xAxisLabel, type ChartGridContext, type ChartSettings } from '../../charts/ChartSettings';
import { MetricPanel, PANEL_HEIGHT } from '../../charts/MetricPanel';
import { SystemPanels } from '../../charts/SystemPanels';
import type { ChartRun, XRange } from '../../charts/series';
import type { ChartGroup } from '../../charts/transforms';
import { useVisibleOnce } from '../../charts/useVisible';
import { apiFetch } from '../../lib/api';
import { FALLBACK_REFETCH_MS, throttle, useLiveUpdates, type LiveUpdate } from '../../lib/live';
import { pathOf } from '../../app/router';
import { fetchRunKeys } from './keys-batch';
import { matchesSearch, toSections, type Section } from './sections';
import { arrangeSections, layoutEdits, type WorkspaceLayout } from './layout';

/** Sections with more panels than this start collapsed: a run with thousands of keys opens at once. */
const OPEN_SECTION_LIMIT = 36;
const KEYS_PER_RUN = 10_000;

export interface PanelGridProps {
  entity: string;
  project: string;
  runs: ChartRun[];
  /** While some run is live: refetch every this many ms. */
  refetchMs?: number | false;
  /** The user's panel changes (added, removed, widths) and how to change them; absent: no panel editing. */
  layout?: WorkspaceLayout;
  onLayout?(edit: (l: WorkspaceLayout) => WorkspaceLayout): void;
  /** Grouped workspace: each group drawn as its runs' mean with a min/max band (null/absent: one line per run). */
  groups?: ChartGroup[] | null;
}

/**
 * The metric keys logged by any of the runs (each run's sorted key list, merged). A run with more keys than one
 * list holds (100,000 keys) is searched on the server too, so key search finds any key.
 */
function useMetricKeys(entity: string, project: string, runs: ChartRun[], refetchMs: number | false, search: string) {
  const keysUrl = (run: string) => `/api/v1/runs/${pathOf(entity, project, run).slice(1)}/keys?limit=${KEYS_PER_RUN}`;
  const results = useQueries({
    queries: runs.map((r) => ({
      queryKey: ['keys', entity, project, r.name],
      // Every charted run's list in one request (keys-batch.ts); each stays its own cache entry.
      queryFn: ({ signal }: { signal: AbortSignal }) => fetchRunKeys(entity, project, r.name, KEYS_PER_RUN, signal),
      refetchInterval: refetchMs,
    })),
  });
  // The server matches one substring: the longest word; matchesSearch then applies all of them.
  const word = search.toLowerCase().split(/\s+/).reduce((a, b) => (b.length > a.length ? b : a), '');
  const truncated = results.some((r) => (r.data?.keys.length ?? 0) >= KEYS_PER_RUN);
  const searched = useQueries({
    queries: (truncated && word ? runs : []).map((r) => ({
      queryKey: ['keys', entity, project, r.name, 'search', word],
      queryFn: ({ signal }: { signal: AbortSignal }) => apiFetch<{ keys: string[] }>(`${keysUrl(r.name)}&search=${encodeURIComponent(word)}`, { signal }),
      placeholderData: keepPreviousData,
    })),
  });
  // One dependency that changes whenever any run's list does (a deps array must keep its length).
  const stamp = [...results, ...searched].map((r) => r.dataUpdatedAt).join(',');
  const keys = useMemo(() => {
    const all = new Set<string>();
    for (const r of results) for (const k of r.data?.keys ?? []) all.add(k);
    for (const r of searched) for (const k of r.data?.keys ?? []) all.add(k);
    return all;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [stamp]);
  return { keys, pending: results.some((r) => r.isPending), error: results.find((r) => r.error)?.error ?? null };
}

/** A grid of line plots, one per metric key, in collapsible sections by key prefix, with key search. */
export function PanelGrid({ entity, project, runs, refetchMs = false, layout, onLayout, groups = null }: PanelGridProps) {
  const [search, setSearch] = useState('');
  const live = useLiveCharts(entity, project, runs, groups);
  const { keys, pending, error } = useMetricKeys(entity, project, runs, live.connected || refetchMs === false ? false : Math.max(refetchMs, FALLBACK_REFETCH_MS), search);
  live.knownKeys.current = keys;
  const [settings, setSettings] = useState<ChartSettings>(DEFAULT_CHART_SETTINGS);
  // One x range for every panel (W&B's synced x axis): a drag on any chart re-buckets all of them.
  const [range, setRange] = useState<XRange | null>(null);
  const changeSettings = useCallback((next: ChartSettings) => {
    setSettings((prev) => {
      if (prev.xKey !== next.xKey) setRange(null); // a zoom in other units means nothing on the new axis
      return next;
    });
  }, []);
  const gridContext = useMemo<ChartGridContext>(() => ({ settings, groups, onLive: live.onLive, live: live.connected }),
    [settings, groups, live.onLive, live.connected]);
  const sections = useMemo(() => arrangeSections(toSections([...keys].filter((k) => matchesSearch(k, search))), layout, search), [keys, search, layout]);
  const [adding, setAdding] = useState('');

  return (
    <div className="panel-grid">
      <div className="panel-grid-bar">
        <input type="search" placeholder="Search metric keys" aria-label="Search metric keys" value={search}
          onChange={(e) => setSearch(e.target.value)} />
        <span className="muted">{sections.reduce((n, s) => n + s.keys.length, 0)} panels · {runs.length} runs</span>
        {onLayout && (
          <form className="add-panel" onSubmit={(e) => {
            e.preventDefault();
            if (adding.trim()) onLayout((l) => layoutEdits.addPanel(l, adding.trim()));
            setAdding('');
          }}>
            <input list="panel-metric-keys" aria-label="Metric for a new panel" placeholder="Add panel: metric key" value={adding}
              onChange={(e) => setAdding(e.target.value)} />
            <datalist id="panel-metric-keys">{[...keys].slice(0, 2000).map((k) => <option key={k} value={k} />)}</datalist>
            <button type="submit">Add panel</button>
          </form>
        )}
        {onLayout && layout && layout.panels.removed.length > 0 && (
          <button type="button" className="link" onClick={() => onLayout((l) => ({ ...l, panels: { ...l.panels, removed: [] } }))}>
            Restore {layout.panels.removed.length} removed
          </button>
        )}
        <ChartControls value={settings} onChange={changeSettings} keys={keys} />
        <span className={`live-state${live.connected ? ' on' : ''}`} data-testid="live-state">{live.connected ? '● live' : ''}</span>
        {range && (
          <span className="zoom-state" data-testid="zoom-state">
            {settings.xKey === '_step' ? 'Steps' : xAxisLabel(settings.xKey)} {range.min}–{range.max}{' '}
            <button type="button" className="link" onClick={() => setRange(null)}>Reset zoom</button>
          </span>
        )}
      </div>
      {error && <p role="alert" className="error">{error.message}</p>}
      {!pending && runs.length === 0 && <p className="muted">No runs to chart.</p>}
      {!pending && runs.length > 0 && sections.length === 0 && <p className="muted">{search ? 'No metric matches.' : 'No metrics logged yet.'}</p>}
      <ChartGridCtx.Provider value={gridContext}>
        {sections.map((s) => (
          <PanelSection key={s.name} section={s} entity={entity} project={project} runs={runs} refetchMs={refetchMs}
            range={range} onRange={setRange} startOpen={s.keys.length <= OPEN_SECTION_LIMIT || search !== ''} layout={layout} onLayout={onLayout} />
        ))}
        <SystemPanels entity={entity} project={project} runs={runs} search={search} />
      </ChartGridCtx.Provider>
    </div>
  );
}

/** How often a run's key list is refetched at most when live rows bring keys the grid has not seen. */
const KEYS_REFRESH_MS = 2000;

/**
 * The grid's end of server push: one subscription to the project's updates, fanned out to the panels (each
 * applies the history updates of its runs), and key lists refetched when a live row brings a new key.
 */
function useLiveCharts(entity: string, project: string, runs: ChartRun[], groups: ChartGroup[] | null) {
  const qc = useQueryClient();
  const listeners = useRef(new Set<(u: LiveUpdate) => void>());
  const knownKeys = useRef<ReadonlySet<string>>(new Set());
  const charted = useRef(new Set<string>());
  charted.current = new Set([...runs.map((r) => r.name), ...(groups ?? []).flatMap((g) => g.members)]);
  const stale = useRef(new Set<string>());
  const refreshKeys = useMemo(() => throttle(() => {
    for (const run of stale.current) void qc.invalidateQueries({ queryKey: ['keys', entity, project, run] });
    stale.current.clear();
  }, KEYS_REFRESH_MS), [qc, entity, project]);
  useEffect(() => () => refreshKeys.cancel(), [refreshKeys]);
  const connected = useLiveUpdates(entity, project, (u) => {
    if (u.kind === 'hello') for (const run of charted.current) stale.current.add(run);
    if (u.kind === 'history' && charted.current.has(u.run) && (!u.keys || u.keys.some((k) => !knownKeys.current.has(k)))) {
      stale.current.add(u.run);
    }
    if (stale.current.size > 0) refreshKeys.call();
    for (const l of listeners.current) l(u);
  });
  const onLive = useCallback((listener: (u: LiveUpdate) => void) => {
    listeners.current.add(listener);
    return () => void listeners.current.delete(listener);
  }, []);
  return { connected, onLive, knownKeys };
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
  const { layout, onLayout, metricKey } = props;
  const span = layout?.panels.sizes[metricKey] ?? 1;
  return (
    <div ref={ref} className={`panel${span > 1 ? ` span-${span}` : ''}`} data-panel={metricKey} data-span={span} style={{ minHeight: PANEL_HEIGHT + 60 }}>
      {onLayout && (
        <span className="panel-tools">
          <button type="button" aria-label={`Resize panel ${metricKey} (width ${span} of 3)`} title="Wider (cycles 1–3 columns)"
            onClick={() => onLayout((l) => layoutEdits.resizePanel(l, metricKey))}>⇔</button>
          <button type="button" aria-label={`Remove panel ${metricKey}`} title="Remove panel"
            onClick={() => onLayout((l) => layoutEdits.removePanel(l, metricKey))}>✕</button>
        </span>
      )}
      <h4 title={metricKey}>{metricKey}</h4>
      {visible ? <MetricPanel {...props} /> : <div className="panel-placeholder" />}
    </div>
  );
}
