import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorNote } from '../common/NotFound';
import { HistogramPanel } from './HistogramPanel';
import { ImagePanel } from './ImagePanel';
import { fetchIndex, type MediaKey, type RunRef } from './media-api';
import { TableViewer } from './TableViewer';
import './media.css';

/** The run page's Media tab: image panels with a step slider, histograms, and the run's logged tables. */
export function MediaTab({ runRef, live }: { runRef: RunRef; live: boolean }) {
  const index = useQuery({
    queryKey: ['media-index', runRef.entity, runRef.project, runRef.run],
    queryFn: ({ signal }) => fetchIndex(runRef, signal),
    refetchInterval: live ? 5000 : false,
  });
  const [openTable, setOpenTable] = useState<string | null>(null);
  if (index.error) return <ErrorNote error={index.error} />;
  if (!index.data) return <p className="muted">Loading media…</p>;
  const keys = index.data.keys;
  const of = (...types: MediaKey['type'][]) => keys.filter((k) => types.includes(k.type));
  const images = of('image', 'images');
  const histograms = of('histogram');
  const tables = of('table');
  if (keys.length === 0) return <p className="muted" data-testid="media-empty">This run has logged no images, histograms or tables.</p>;
  const table = tables.find((t) => t.key === openTable) ?? null;

  return (
    <div className="media-tab">
      {images.length > 0 && (
        <section aria-label="Images">
          <h2>Images</h2>
          <div className="media-grid">{images.map((k) => <ImagePanel key={k.key} runRef={runRef} media={k} />)}</div>
        </section>
      )}
      {histograms.length > 0 && (
        <section aria-label="Histograms">
          <h2>Histograms</h2>
          <div className="media-grid">{histograms.map((k) => <HistogramPanel key={k.key} runRef={runRef} media={k} />)}</div>
        </section>
      )}
      {tables.length > 0 && (
        <section aria-label="Tables">
          <h2>Tables</h2>
          <ul className="media-table-list">
            {tables.map((t) => (
              <li key={t.key}>
                <button type="button" className="link" aria-pressed={t.key === openTable} data-testid="open-table"
                  onClick={() => setOpenTable(t.key === openTable ? null : t.key)}>
                  {t.key}
                </button>
                <span className="muted"> · {t.steps.length} version{t.steps.length === 1 ? '' : 's'}</span>
              </li>
            ))}
          </ul>
          {table && <TableViewer key={table.key} runRef={runRef} media={table} />}
        </section>
      )}
    </div>
  );
}
