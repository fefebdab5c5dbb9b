import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { apiFetch, ApiError } from '../lib/api';
import { FALLBACK_REFETCH_MS, throttle } from '../lib/live';
import { useChartGrid } from './ChartSettings';
import { LinePlot } from './LinePlot';
import { PANEL_HEIGHT } from './MetricPanel';
import { toPlotData, type ChartRun, type SeriesAnswer } from './series';
import { applyDrawOptions } from './transforms';
import { useVisibleOnce, useWidth } from './useVisible';

/** System runs charted at most (the server's limit). */
const MAX_SYSTEM_RUNS = 20;
const SYSTEM_BUCKETS = 300;
/** New samples arrive every few seconds per run: refetch at most this often. */
const SYSTEM_REFRESH_MS = 3000;

/**
 * The System section: the runs' system metrics (CPU, memory, GPU… from the events stream) over relative time,
 * one panel per key. Fetched once the section is open and on screen, in one request for all keys; refreshed when
 * the server announces new samples of a charted run.
 */
export function SystemPanels({ entity, project, runs, search = '' }: { entity: string; project: string; runs: ChartRun[]; search?: string }) {
  const [open, setOpen] = useState(true);
  const head = useRef<HTMLElement>(null);
  const visible = useVisibleOnce(head);
  const { settings, onLive, live } = useChartGrid();
  const shown = useMemo(() => runs.slice(0, MAX_SYSTEM_RUNS), [runs]);
  const names = useMemo(() => shown.map((r) => r.name), [shown]);
  const queryKey = useMemo(() => ['system-series', entity, project, names] as const, [entity, project, names]);
  const q = useQuery({
    queryKey,
    enabled: open && visible && names.length > 0,
    queryFn: ({ signal }) => apiFetch<SeriesAnswer & { keys: string[] }>('/api/v1/system-series', {
      body: { entity, project, runs: names, buckets: SYSTEM_BUCKETS }, signal,
    }),
    placeholderData: keepPreviousData,
    refetchInterval: live ? false : FALLBACK_REFETCH_MS,
  });
  const qc = useQueryClient();
  const latest = useRef({ names, queryKey });
  latest.current = { names, queryKey };
  useEffect(() => {
    const t = throttle(() => void qc.invalidateQueries({ queryKey: latest.current.queryKey, exact: true }), SYSTEM_REFRESH_MS);
    const off = onLive((u) => {
      if (u.kind === 'hello' || (u.kind === 'system' && latest.current.names.includes(u.run))) t.call();
    });
    return () => {
      off();
      t.cancel();
    };
  }, [onLive, qc]);

  // The grid's key search applies here too: every word must appear (case-insensitive).
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  const keys = (q.data?.keys ?? []).filter((k) => words.every((w) => k.toLowerCase().includes(w)));
  if (q.data && keys.length === 0) return null;
  return (
    <section ref={head} className="panel-section" data-section="system-metrics">
      <h3>
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          <span aria-hidden="true">{open ? '▾' : '▸'}</span> System <span className="muted">({q.data ? keys.length : '…'})</span>
        </button>
      </h3>
      {q.error && <p role="alert" className="error">{(q.error as ApiError).message}</p>}
      {open && q.data && (
        <div className="panels">
          {keys.map((k) => (
            <div key={k} className="panel" data-system-panel={k} style={{ minHeight: PANEL_HEIGHT + 60 }}>
              <h4 title={k}>{k}</h4>
              <SystemPanel answer={q.data} metricKey={k} runs={shown} smoothing={settings.smoothing} logY={settings.logY} />
            </div>
          ))}
        </div>
      )}
    </section>
  );
}

function SystemPanel({ answer, metricKey, runs, smoothing, logY }: { answer: SeriesAnswer; metricKey: string; runs: ChartRun[]; smoothing: number; logY: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const data = useMemo(() => applyDrawOptions(toPlotData(answer, metricKey, runs), { smoothing, logY, logX: false }),
    [answer, metricKey, runs, smoothing, logY]);
  return (
    <div ref={box} className="metric-panel" data-points={data.columns[0].length}>
      {data.runs.length > 0 && width > 0 && (
        // Relative time, its own axis: the grid's step zoom does not apply; cursors still move with the others.
        <LinePlot data={data} width={width} height={PANEL_HEIGHT} xKey="_runtime" xRange={null} logY={logY}
          onZoom={() => undefined} onResetZoom={() => undefined} syncKey="system" />
      )}
    </div>
  );
}
