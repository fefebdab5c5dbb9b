import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ErrorNote } from '../common/NotFound';
import { barsOf, heatmapOf, ramp, type Histogram } from './histogram';
import { fetchHistograms, type MediaKey, type RunRef } from './media-api';
import { StepSlider } from './StepSlider';

const W = 360;
const H = 140;
const HEAT_H = 110;
const HEAT_BINS = 48;

/** A histogram key: bars for the chosen step and a step × value heatmap (columns: steps, brighter: more). */
export function HistogramPanel({ runRef, media }: { runRef: RunRef; media: MediaKey }) {
  const q = useQuery({
    queryKey: ['media-histograms', runRef.entity, runRef.project, runRef.run, media.key, media.steps.length],
    queryFn: ({ signal }) => fetchHistograms(runRef, media.key, 100, signal),
  });
  const hists = q.data?.histograms ?? [];
  const [index, setIndex] = useState<number | null>(null);
  const at = Math.min(index ?? hists.length - 1, hists.length - 1);
  const current = hists[at];
  const heat = useMemo(() => heatmapOf(hists, HEAT_BINS), [hists]);
  return (
    <figure className="panel media-panel" data-testid="histogram-panel" data-key={media.key}>
      <h4 title={media.key}>{media.key}</h4>
      {q.error ? <ErrorNote error={q.error} /> : !q.data ? <p className="muted">Loading…</p> : !current ? <p className="muted">No readable histogram under this key.</p> : (
        <>
          <BarsCanvas hist={current} />
          <div className="media-axis muted"><span>{fmt(current.bins[0]!)}</span><span>{fmt(current.bins[current.bins.length - 1]!)}</span></div>
          <StepSlider label={media.key} steps={hists.map((h) => h.step)} index={at} onChange={setIndex} />
          {heat.steps.length > 1 && <HeatmapCanvas heat={heat} marked={at} />}
        </>
      )}
    </figure>
  );
}

const fmt = (v: number) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : String(Number(v.toPrecision(4))));

function useCanvas(draw: (ctx: CanvasRenderingContext2D) => void, deps: unknown[], height: number) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = W * dpr;
    canvas.height = height * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, height);
    draw(ctx);
  }, deps); // eslint-disable-line react-hooks/exhaustive-deps
  return ref;
}

function BarsCanvas({ hist }: { hist: Histogram }) {
  const ref = useCanvas((ctx) => {
    ctx.fillStyle = '#0b5cad';
    for (const b of barsOf(hist.bins, hist.values, W, H)) ctx.fillRect(b.x, b.y, Math.max(b.w - 0.5, 0.5), b.h);
  }, [hist], H);
  const total = hist.values.reduce((a, b) => a + b, 0);
  return <canvas ref={ref} style={{ width: W, height: H }} role="img" data-testid="histogram-bars"
    aria-label={`Histogram at step ${hist.step}: ${hist.values.length} bins, ${total} values`} />;
}

function HeatmapCanvas({ heat, marked }: { heat: ReturnType<typeof heatmapOf>; marked: number }) {
  const ref = useCanvas((ctx) => {
    const cw = W / heat.steps.length;
    const ch = HEAT_H / (heat.edges.length - 1);
    heat.cells.forEach((col, x) => col.forEach((v, y) => {
      ctx.fillStyle = ramp(v);
      // Larger values at the top, as on a y axis.
      ctx.fillRect(x * cw, HEAT_H - (y + 1) * ch, Math.ceil(cw), Math.ceil(ch));
    }));
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 2;
    ctx.strokeRect(marked * cw + 1, 1, Math.max(cw - 2, 1), HEAT_H - 2);
  }, [heat, marked], HEAT_H);
  return <canvas ref={ref} style={{ width: W, height: HEAT_H }} role="img" data-testid="histogram-heatmap"
    aria-label={`Histograms over ${heat.steps.length} steps, ${heat.steps[0]} to ${heat.steps[heat.steps.length - 1]}`} />;
}
