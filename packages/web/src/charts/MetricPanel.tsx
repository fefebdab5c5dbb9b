import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef } from 'react';
import type { ApiError } from '../lib/api';
import { FALLBACK_REFETCH_MS, throttle } from '../lib/live';
import { useChartGrid } from './ChartSettings';
import { LinePlot } from './LinePlot';
import { deltaQuery, mergeDelta } from './live-series';
import { fetchSeries } from './series-batch';
import { bucketsForWidth, toPlotData, type ChartRun, type SeriesAnswer, type XRange } from './series';
import { applyDrawOptions, toGroupedPlotData } from './transforms';
import { useWidth } from './useVisible';

export const PANEL_HEIGHT = 220;
/** Live updates for one panel are applied at most this often (one small fetch covers everything since). */
const LIVE_APPLY_MS = 200;

export interface MetricPanelProps {
  entity: string;
  project: string;
  runs: ChartRun[];
  metricKey: string;
  /** The grid's zoom (x units), or null. */
  range: XRange | null;
  onRange(range: XRange | null): void;
  /** Polling interval for pages without server push (ms), or false. */
  refetchMs?: number | false;
}

/**
 * One metric's chart. Fetches server buckets sized to its width (re-bucketed on zoom), draws them through the
 * grid's settings (x axis, smoothing, log scales, groups) and keeps up with live runs: on a history update of one
 * of its runs it fetches only the buckets from the last drawn one on, in the drawn width, and splices them in
 * (live-series.ts); anything else (zoomed, another x axis, too many new steps) refetches the panel.
 */
export function MetricPanel({ entity, project, runs, metricKey, range, onRange, refetchMs = false }: MetricPanelProps) {
  const { settings, groups, onLive, live } = useChartGrid();
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const buckets = bucketsForWidth(width);
  const xKey = settings.xKey || '_step';
  const fetchRuns = useMemo(() => (groups ? [...new Set(groups.flatMap((g) => g.members))] : runs.map((r) => r.name)), [groups, runs]);
  const queryKey = useMemo(() => ['series', entity, project, fetchRuns, metricKey, buckets, range, xKey] as const,
    [entity, project, fetchRuns, metricKey, buckets, range, xKey]);
  const qc = useQueryClient();
  const series = useQuery({
    queryKey,
    enabled: width > 0 && fetchRuns.length > 0,
    // Panels that ask in the same tick (a workspace opening, a zoom) share one request (series-batch.ts).
    queryFn: ({ signal }) => fetchSeries({ entity, project, runs: fetchRuns, keys: [metricKey], buckets, xKey, ...(range ? { range } : {}) }, signal),
    // Keep drawing the previous answer while a zoom or resize refetches: no flash.
    placeholderData: keepPreviousData,
    // Pushed updates keep it current; without the stream (down, or not offered), poll slowly.
    refetchInterval: refetchMs === false ? false : live ? false : Math.max(refetchMs, FALLBACK_REFETCH_MS),
  });

  // Live: collect the step ranges announced for this panel's runs, then apply them in one fetch.
  const latest = useRef({ queryKey, range, buckets, xKey, fetchRuns });
  latest.current = { queryKey, range, buckets, xKey, fetchRuns };
  useEffect(() => {
    let pending: { from?: number; to?: number; whole: boolean } | null = null;
    const apply = async () => {
      const p = pending;
      pending = null;
      if (!p) return;
      const { queryKey: key, range: zoom, buckets: n, xKey: x, fetchRuns: names } = latest.current;
      if (zoom && !p.whole && x === '_step' && (p.to! < zoom.min || p.from! > zoom.max)) return; // outside the zoom
      const current = qc.getQueryData<SeriesAnswer>(key);
      const dq = !zoom && !p.whole && x === '_step' ? deltaQuery(current, p.from, p.to, n) : null;
      if (!dq) {
        await qc.invalidateQueries({ queryKey: key, exact: true });
        return;
      }
      try {
        const delta = await fetchSeries({ entity, project, runs: names, keys: [metricKey], range: dq.range, bucketWidth: dq.bucketWidth });
        qc.setQueryData<SeriesAnswer>(key, (old) => (old && old.plan?.width === dq.bucketWidth ? mergeDelta(old, delta) : old));
      } catch {
        await qc.invalidateQueries({ queryKey: key, exact: true });
      }
    };
    const t = throttle(() => void apply(), LIVE_APPLY_MS);
    const off = onLive((u) => {
      if (u.kind === 'hello') {
        // (Re)connected: whatever happened while the stream was down is refetched.
        pending = { whole: true };
        t.call();
        return;
      }
      if (u.kind !== 'history' || !latest.current.fetchRuns.includes(u.run)) return;
      if (u.keys && !u.keys.includes(metricKey)) return;
      const whole = u.from === undefined || u.to === undefined || (pending?.whole ?? false);
      pending = whole ? { whole: true } : {
        whole: false, from: Math.min(u.from!, pending?.from ?? Infinity), to: Math.max(u.to!, pending?.to ?? -Infinity),
      };
      t.call();
    });
    return () => {
      off();
      t.cancel();
    };
  }, [onLive, qc, entity, project, metricKey]);

  const data = useMemo(() => {
    if (!series.data) return null;
    const raw = groups ? toGroupedPlotData(series.data, metricKey, groups) : toPlotData(series.data, metricKey, runs);
    return applyDrawOptions(raw, settings);
  }, [series.data, metricKey, runs, groups, settings]);
  const plan = series.data?.plan;
  // While a zoom's answer is on its way the previous answer is drawn over its own range, not the new one: every
  // panel redrawing old data on the new range first would double the drawing work of a zoom.
  const drawnRange = useRef(range);
  if (!series.isPlaceholderData) drawnRange.current = range;
  const lastX = data && data.columns[0].length > 0 ? data.columns[0][data.columns[0].length - 1] : '';

  return (
    <div ref={box} className="metric-panel" data-range={range ? `${range.min}-${range.max}` : ''}
      data-buckets={plan?.count ?? ''} data-points={data?.columns[0].length ?? ''} data-last-x={lastX}
      data-x-key={xKey} data-smoothing={settings.smoothing} data-log-y={settings.logY ? 'true' : 'false'}>
      {series.error && <p role="alert" className="error">{(series.error as ApiError).message}</p>}
      {data && data.runs.length === 0 && <p className="muted panel-empty">No numeric data{range ? ' in this range' : ''}.</p>}
      {data && data.runs.length > 0 && width > 0 && (
        <LinePlot data={data} width={width} height={PANEL_HEIGHT} xKey={plan?.xKey ?? xKey} xRange={drawnRange.current}
          logX={settings.logX} logY={settings.logY} onZoom={onRange} onResetZoom={() => onRange(null)} />
      )}
    </div>
  );
}
