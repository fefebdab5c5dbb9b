import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, pathOf, useLocation } from '../../app/router';
import { apiFetch } from '../../lib/api';
import { assignColors } from '../../lib/colors';
import { formatValue } from '../../lib/format';
import { ErrorNote, NotFound } from '../common/NotFound';
import { StateBadge } from '../run/StateBadge';
import { PanelGrid } from '../workspace/PanelGrid';
import type { RunRow } from '../workspace/RunsTable';
import { compareRows, runsParam } from './compare';
import '../workspace/workspace.css';

/** Compare runs: config and summary side by side (optionally only what differs), and their charts overlaid. */
export function ComparePage({ entity, project }: { entity: string; project: string }) {
  const location = useLocation();
  const names = runsParam(location.split('?')[1] ?? '');
  const [diffOnly, setDiffOnly] = useState(false);
  const q = useQuery({
    queryKey: ['compare', entity, project, names],
    enabled: names.length > 0,
    queryFn: ({ signal }) => apiFetch<{ total: number; runs: RunRow[] }>('/api/v1/runs', {
      body: { entity, project, filters: { name: { $in: names } }, limit: names.length }, signal,
    }),
  });
  // In the order they were chosen.
  const runs = useMemo(() => names.flatMap((n) => q.data?.runs.filter((r) => r.name === n) ?? []),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [q.data, names.join(',')]);
  const colors = useMemo(() => assignColors(runs.map((r) => r.name)), [runs]);
  const chartRuns = useMemo(() => runs.map((r) => ({ name: r.name, label: r.displayName ?? r.name, color: colors.get(r.name)! })), [runs, colors]);

  if (names.length === 0) return <main className="page"><p>Choose runs to compare in the <Link to={pathOf(entity, project)}>runs table</Link>.</p></main>;
  if (q.error) return <main className="page"><ErrorNote error={q.error} /></main>;
  if (q.data && runs.length === 0) return <NotFound what={`Runs ${names.join(', ')} in ${entity}/${project}`} />;
  const missing = q.data ? names.filter((n) => !runs.some((r) => r.name === n)) : [];
  const live = runs.some((r) => r.state === 'running');

  return (
    <main className="page compare-page">
      <header className="page-head">
        <h1><Link to={pathOf(entity, project)} className="muted">{entity} / {project}</Link> <span className="muted">/</span> Compare {runs.length} runs</h1>
        <label><input type="checkbox" checked={diffOnly} onChange={(e) => setDiffOnly(e.target.checked)} /> Diff only</label>
      </header>
      {missing.length > 0 && <p className="muted">Not found or not visible: {missing.join(', ')}</p>}
      {!q.data ? <p className="muted">Loading…</p> : (
        <>
          <CompareTable title="Overview" runs={runs} colors={colors} rows={compareRows(runs.map((r) => ({
            state: r.state, group: r.group, jobType: r.jobType, tags: r.tags, host: r.host, created: r.createdAt,
          })), diffOnly)} />
          <CompareTable title="Config" runs={runs} colors={colors} rows={compareRows(runs.map((r) => r.config), diffOnly)} />
          <CompareTable title="Summary" runs={runs} colors={colors} rows={compareRows(runs.map((r) => r.summary), diffOnly)} />
          <h2>Charts</h2>
          <PanelGrid entity={entity} project={project} runs={chartRuns} refetchMs={live ? 1000 : false} />
        </>
      )}
    </main>
  );
}

function CompareTable({ title, runs, colors, rows }: { title: string; runs: RunRow[]; colors: Map<string, string>; rows: ReturnType<typeof compareRows> }) {
  return (
    <section aria-label={title} data-testid={`compare-${title.toLowerCase()}`}>
      <h2>{title} <span className="muted">({rows.length})</span></h2>
      {rows.length === 0 ? <p className="muted">Nothing {title === 'Overview' ? 'differs' : 'to show'}.</p> : (
        <table className="compare-table">
          <thead>
            <tr>
              <th scope="col">Key</th>
              {runs.map((r) => (
                <th scope="col" key={r.name} className="compare-head">
                  <i style={{ background: colors.get(r.name) }} aria-hidden="true" />
                  {r.displayName ?? r.name} <StateBadge state={r.state} />
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.key} className={row.differs ? 'differs' : undefined} data-key={row.key}>
                <th scope="row">{row.key}{row.differs && <span className="sr-only"> (differs)</span>}</th>
                {row.values.map((v, i) => <td key={runs[i]!.name}>{v === undefined ? <span className="muted">—</span> : formatValue(v)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
