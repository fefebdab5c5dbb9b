import { useQueries, useQuery } from '@tanstack/react-query';
import { Link, pathOf } from '../../app/router';
import { apiFetch } from '../../lib/api';
import { ErrorNote } from '../common/NotFound';
import { ImagePanel } from './ImagePanel';
import { fetchIndex, type MediaKey } from './media-api';
import './media.css';

const RUNS = 12;
interface RunSummary { name: string; displayName: string | null }

/**
 * A project's media: for each image key, the image of each of the most recent runs that logged it, side by side
 * (each with its own step slider). Tables and histograms are on each run's Media tab, linked from here.
 */
export function ProjectMedia({ entity, project }: { entity: string; project: string }) {
  const runs = useQuery({
    queryKey: ['media-runs', entity, project],
    queryFn: ({ signal }) => apiFetch<{ runs: RunSummary[] }>('/api/v1/runs', { body: { entity, project, limit: RUNS }, signal }),
  });
  const list = runs.data?.runs ?? [];
  const indexes = useQueries({
    queries: list.map((r) => ({
      queryKey: ['media-index', entity, project, r.name],
      queryFn: ({ signal }: { signal: AbortSignal }) => fetchIndex({ entity, project, run: r.name }, signal),
    })),
  });
  const byKey = new Map<string, { run: RunSummary; media: MediaKey }[]>();
  const other = new Map<string, MediaKey[]>();
  indexes.forEach((q, i) => q.data?.keys.forEach((k) => {
    if (k.type === 'image' || k.type === 'images') byKey.set(k.key, [...(byKey.get(k.key) ?? []), { run: list[i]!, media: k }]);
    else other.set(list[i]!.name, [...(other.get(list[i]!.name) ?? []), k]);
  }));
  const error = runs.error ?? indexes.find((q) => q.error)?.error;
  return (
    <main className="page media-tab" data-testid="project-media">
      <header className="page-head">
        <h1><Link to={pathOf(entity, project)} className="muted">{entity} / {project}</Link><span className="muted"> / </span>Media</h1>
      </header>
      {error && <ErrorNote error={error} />}
      {runs.data && indexes.every((q) => q.data) && byKey.size === 0 && other.size === 0 && (
        <p className="muted">None of the {list.length} most recent runs logged images, histograms or tables.</p>
      )}
      {[...byKey].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([key, entries]) => (
        <section key={key} aria-label={key}>
          <h2>{key}</h2>
          <div className="media-grid">
            {entries.map(({ run, media }) => (
              <ImagePanel key={run.name} runRef={{ entity, project, run: run.name }} media={media} title={run.displayName ?? run.name} />
            ))}
          </div>
        </section>
      ))}
      {other.size > 0 && (
        <section aria-label="Tables and histograms">
          <h2>Tables and histograms</h2>
          <ul className="plain-list">
            {[...other].map(([run, keys]) => (
              <li key={run}>
                <Link to={`${pathOf(entity, project, 'runs', run)}?tab=media`}>{list.find((r) => r.name === run)?.displayName ?? run}</Link>
                <span className="muted">: {keys.map((k) => `${k.key} (${k.type})`).join(', ')}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
