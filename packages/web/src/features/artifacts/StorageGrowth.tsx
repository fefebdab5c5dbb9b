import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { apiFetch } from '../../lib/api';
import { formatBytes } from './paths';

/** http/ui-api-routes.ts storage/history: epoch-ms times with the bytes held from then on. */
export interface StorageHistory { t: number[]; logical: number[]; stored: number[] }

/**
 * A project's artifact bytes over time as a step chart: logical (as logged) and stored after dedup. Derived on
 * the server from version commit and deletion times, so an expired version shows as a drop.
 */
export function StorageGrowth({ entity, project }: { entity: string; project: string }) {
  const q = useQuery({
    queryKey: ['storage', entity, project, 'history'],
    queryFn: ({ signal }) => apiFetch<StorageHistory>(`/api/v1/projects/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/storage/history`, { signal }),
  });
  const host = useRef<HTMLDivElement>(null);
  const data = q.data;
  useEffect(() => {
    const el = host.current;
    if (!el || !data || data.t.length === 0) return;
    const opts: uPlot.Options = {
      width: Math.max(300, el.clientWidth || 720), height: 220,
      series: [
        {},
        { label: 'Logical', stroke: '#6b8fd6', width: 1.5, dash: [6, 4], paths: uPlot.paths.stepped!({ align: 1 }), value: (_u, v) => (v == null ? '—' : formatBytes(v)) },
        { label: 'Stored', stroke: '#2f9e6b', width: 2, paths: uPlot.paths.stepped!({ align: 1 }), value: (_u, v) => (v == null ? '—' : formatBytes(v)) },
      ],
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
      axes: [{}, { size: 72, values: (_u, ticks) => ticks.map((t) => formatBytes(t)) }],
      legend: { show: true },
      cursor: { points: { show: false } },
    };
    const plot = new uPlot(opts, [data.t.map((t) => t / 1000), data.logical, data.stored], el);
    return () => plot.destroy();
  }, [data]);
  const last = data && data.t.length > 0 ? data.t.length - 1 : -1;
  return (
    <section aria-label="Storage over time">
      <h2>Growth over time</h2>
      {q.error && <p className="error" role="alert">{q.error instanceof Error ? q.error.message : String(q.error)}</p>}
      {data && data.t.length <= 1 && data.logical.every((b) => b === 0) && <p className="muted">No versions yet.</p>}
      {/* The points as data attributes: what the chart draws, readable without the pixels. */}
      <div ref={host} className="storage-growth" data-testid="storage-growth" data-points={data?.t.length ?? 0}
        data-last-stored={last >= 0 ? data!.stored[last] : undefined} data-last-logical={last >= 0 ? data!.logical[last] : undefined}
        data-peak-stored={data ? Math.max(0, ...data.stored) : undefined} />
    </section>
  );
}
