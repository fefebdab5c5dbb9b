import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatValue } from '../lib/format';
import { withAlpha } from '../lib/colors';
import { lineColumn, valueAt, zoomRange, type PlotData, type XRange } from './series';

export interface LinePlotProps {
  data: PlotData;
  width: number;
  height: number;
  xKey: string;
  /** The x range asked for (zoomed), drawn even where no run has data; null = fit the data. */
  xRange: XRange | null;
  onZoom(range: XRange): void;
  onResetZoom(): void;
  /** Panels with the same key move their cursors together. */
  syncKey?: string;
  logX?: boolean;
  logY?: boolean;
}

/**
 * One uPlot line chart: per run a line (last value per bucket) over a shaded min/max band. React owns the
 * chart's lifecycle, uPlot the pixels (design.md §5.12): the chart is rebuilt when its series change (runs,
 * colours), gets setData for new data of the same series and setSize on resize. The legend below is written
 * directly on cursor moves, without re-rendering React.
 */
export function LinePlot({ data, width, height, xKey, xRange, onZoom, onResetZoom, syncKey = 'workspace', logX = false, logY = false }: LinePlotProps) {
  const host = useRef<HTMLDivElement>(null);
  const legend = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  // Latest callbacks and range without rebuilding the chart when they change.
  const latest = useRef({ onZoom, onResetZoom, xRange, data });
  latest.current = { onZoom, onResetZoom, xRange, data };
  const seriesKey = data.runs.map((r) => `${r.name}\u0000${r.label}\u0000${r.color}`).join('\u0001');

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const series: uPlot.Series[] = [{ label: xKey }];
    const bands: uPlot.Band[] = [];
    data.runs.forEach((run, i) => {
      series.push(
        // Points: uPlot's default, shown only where the data is sparse (a lone sample is otherwise invisible).
        { label: run.label, stroke: run.color, width: 1.5, spanGaps: false },
        { label: `${run.label} min`, stroke: 'transparent', width: 0, points: { show: false } },
        { label: `${run.label} max`, stroke: 'transparent', width: 0, points: { show: false } },
      );
      bands.push({ series: [lineColumn(i) + 2, lineColumn(i) + 1], fill: withAlpha(run.color, 0.18) });
    });
    const opts: uPlot.Options = {
      width: Math.max(50, width),
      height,
      series,
      bands,
      legend: { show: false },
      scales: {
        // distr 3: log10 scale (values that are not positive were made gaps by applyDrawOptions).
        y: logY ? { distr: 3 } : {},
        x: {
          // Wall time (_timestamp, seconds since the epoch) gets uPlot's date ticks.
          time: xKey === '_timestamp',
          ...(logX ? { distr: 3 as const } : {}),
          range: (_u, dataMin, dataMax) => {
            const r = latest.current.xRange;
            if (r) return [r.min, r.max];
            return dataMin === dataMax ? [dataMin - 1, dataMax + 1] : [dataMin, dataMax];
          },
        },
      },
      axes: [{ size: 32 }, { size: 56, values: (_u, ticks) => ticks.map((t) => formatValue(t)) }],
      cursor: {
        drag: { x: true, y: false, setScale: false },
        // Cursors move together; drags and double-clicks stay local (zoom is the grid's, see PanelGrid).
        sync: { key: syncKey, filters: { pub: (type) => type === 'mousemove' || type === 'mouseleave' || type === 'mouseenter' } },
        points: { show: false },
      },
      hooks: {
        setSelect: [(u) => {
          const { left, width: w } = u.select;
          if (w > 2) {
            const range = zoomRange(u.posToVal(left, 'x'), u.posToVal(left + w, 'x'), xKey);
            if (range) latest.current.onZoom(range);
          }
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        }],
        setCursor: [(u) => writeLegend(legend.current, latest.current.data, u.cursor.idx, xKey)],
      },
    };
    const u = new uPlot(opts, data.columns as uPlot.AlignedData, el);
    plot.current = u;
    writeLegend(legend.current, data, null, xKey);
    const reset = () => latest.current.onResetZoom();
    u.over.addEventListener('dblclick', reset);
    return () => {
      u.over.removeEventListener('dblclick', reset);
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series themselves change; data and size have their own effects below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [seriesKey, height, xKey, syncKey, logX, logY]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData(data.columns as uPlot.AlignedData);
    writeLegend(legend.current, data, null, xKey);
  }, [data, xRange, xKey]);

  useEffect(() => {
    plot.current?.setSize({ width: Math.max(50, width), height });
  }, [width, height]);

  return (
    <div className="line-plot">
      <div ref={host} className="line-plot-canvas" />
      <div ref={legend} className="legend" aria-live="off" />
    </div>
  );
}

/** Legend: one entry per run with its value at the cursor (or its last value when the cursor is away). */
function writeLegend(el: HTMLDivElement | null, data: PlotData, idx: number | null | undefined, xKey: string) {
  if (!el) return;
  const x = idx === null || idx === undefined ? null : data.columns[0][idx];
  const parts: string[] = [];
  if (x !== null && x !== undefined) parts.push(`<span class="legend-x">${escapeHtml(xKey)} ${escapeHtml(formatX(x, xKey))}</span>`);
  data.runs.forEach((run, i) => {
    const column = data.columns[lineColumn(i)]!;
    const v = valueAt(column, idx ?? column.length - 1);
    parts.push(`<span class="legend-item"><i style="background:${run.color}"></i>${escapeHtml(run.label)}`
      + ` <b>${v === null ? '–' : escapeHtml(formatValue(v))}</b></span>`);
  });
  el.innerHTML = parts.join('');
}

const formatX = (x: number, xKey: string) => (xKey === '_timestamp' ? new Date(x * 1000).toLocaleString() : formatValue(x));

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
