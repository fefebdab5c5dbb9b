import { useQuery } from '@tanstack/react-query';
import { parseExtendedJson } from '@cairn/shared';
import { useMemo, type ReactNode } from 'react';
import { Link, navigate, pathOf, useLocation } from '../../app/router';
import { gql } from '../../lib/api';
import { runColor } from '../../lib/colors';
import { duration, formatValue, timeAgo } from '../../lib/format';
import { ErrorNote, NotFound } from '../common/NotFound';
import { PanelGrid } from '../workspace/PanelGrid';
import { ConsoleLog } from './ConsoleLog';
import { StateBadge } from './StateBadge';

interface RunDetail {
  name: string; displayName: string | null; state: string | null; notes: string | null; tags: string[];
  group: string | null; jobType: string | null; host: string | null; commit: string | null; exitcode: number | null;
  createdAt: string | null; heartbeatAt: string | null; config: string | null; summaryMetrics: string | null;
  user: { username: string | null } | null;
}

const RUN = `query($entity: String!, $project: String!, $run: String!) {
  project(name: $project, entityName: $entity) { name run(name: $run) {
    name displayName state notes tags group jobType host commit exitcode createdAt heartbeatAt config summaryMetrics user { username }
  } }
}`;

const TABS = ['overview', 'charts', 'logs'] as const;
type Tab = (typeof TABS)[number];

export function RunPage({ entity, project, run }: { entity: string; project: string; run: string }) {
  const location = useLocation();
  const tabParam = new URLSearchParams(location.split('?')[1] ?? '').get('tab');
  const tab: Tab = (TABS as readonly string[]).includes(tabParam ?? '') ? (tabParam as Tab) : 'overview';
  const q = useQuery({
    queryKey: ['run', entity, project, run],
    queryFn: ({ signal }) => gql<{ project: { name: string; run: RunDetail | null } | null }>(RUN, { entity, project, run }, signal),
    refetchInterval: (query) => (query.state.data?.project?.run?.state === 'running' ? 2000 : false),
  });
  const detail = q.data?.project?.run;
  const chartRuns = useMemo(() => (detail ? [{ name: detail.name, label: detail.displayName ?? detail.name, color: runColor(detail.name) }] : []),
    [detail?.name, detail?.displayName]); // eslint-disable-line react-hooks/exhaustive-deps

  if (q.error) return <main className="page"><ErrorNote error={q.error} /></main>;
  if (q.data && !q.data.project) return <NotFound what={`Project ${entity}/${project}`} />;
  if (q.data && !detail) return <NotFound what={`Run ${run} in ${entity}/${project}`} />;
  if (!detail) return <main className="page"><p className="muted">Loading…</p></main>;
  const live = detail.state === 'running';
  const base = pathOf(entity, project, 'runs', run);

  return (
    <main className="page run-page">
      <header className="page-head">
        <h1>
          <Link to={pathOf(entity, project)} className="muted">{entity} / {project}</Link>
          <span className="muted"> / </span>{detail.displayName ?? detail.name}
        </h1>
        <StateBadge state={detail.state} />
      </header>
      <nav className="tabs" aria-label="Run sections">
        {TABS.map((t) => (
          <Link key={t} to={t === 'overview' ? base : `${base}?tab=${t}`} aria-current={t === tab ? 'page' : undefined}
            onClick={(e) => { e.preventDefault(); navigate(t === 'overview' ? base : `${base}?tab=${t}`, { replace: true }); }}>
            {t[0]!.toUpperCase() + t.slice(1)}
          </Link>
        ))}
      </nav>
      {tab === 'overview' && <Overview run={detail} />}
      {tab === 'charts' && <PanelGrid entity={entity} project={project} runs={chartRuns} refetchMs={live ? 1000 : false} />}
      {tab === 'logs' && <ConsoleLog entity={entity} project={project} run={run} live={live} />}
    </main>
  );
}

function Overview({ run }: { run: RunDetail }) {
  const config = useMemo(() => unwrapConfig(parseJsonObject(run.config)), [run.config]);
  const summary = useMemo(() => parseJsonObject(run.summaryMetrics), [run.summaryMetrics]);
  const seconds = run.createdAt && run.heartbeatAt ? (Date.parse(run.heartbeatAt) - Date.parse(run.createdAt)) / 1000 : NaN;
  const facts: [string, ReactNode][] = [
    ['Run ID', <code key="id">{run.name}</code>],
    ['State', <StateBadge key="s" state={run.state} />],
    ['Created', run.createdAt ? `${new Date(run.createdAt).toLocaleString()} (${timeAgo(run.createdAt)})` : '—'],
    ['Duration', duration(seconds)],
    ['User', run.user?.username ?? '—'],
    ['Host', run.host ?? '—'],
    ['Group', run.group ?? '—'],
    ['Job type', run.jobType ?? '—'],
    ['Git commit', run.commit ? <code key="c">{run.commit}</code> : '—'],
    ['Exit code', run.exitcode ?? '—'],
  ];
  return (
    <div className="overview">
      <dl className="facts">
        {facts.map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{v}</dd></div>)}
        <div><dt>Tags</dt><dd>{run.tags.length ? run.tags.map((t) => <span key={t} className="tag">{t}</span>) : '—'}</dd></div>
        <div><dt>Notes</dt><dd className="notes">{run.notes || '—'}</dd></div>
      </dl>
      <div className="kv-tables">
        <KeyValues title="Config" values={config} />
        <KeyValues title="Summary" values={Object.fromEntries(Object.entries(summary).filter(([k]) => !k.startsWith('_')))} />
      </div>
    </div>
  );
}

function KeyValues({ title, values }: { title: string; values: Record<string, unknown> }) {
  const entries = Object.entries(values).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  return (
    <section aria-label={title} data-testid={`kv-${title.toLowerCase()}`}>
      <h2>{title}</h2>
      {entries.length === 0 ? <p className="muted">None.</p> : (
        <table className="plain kv">
          <tbody>
            {entries.map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td>{formatValue(v)}</td></tr>)}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** A JSONString field (may hold NaN/Infinity tokens) as an object; anything else as empty. */
export function parseJsonObject(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const v = parseExtendedJson(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** W&B config is stored as {"key": {"value": v, "desc": …}}; the UI shows key → v, without the internal `_wandb`. */
export function unwrapConfig(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).filter(([k]) => k !== '_wandb').map(([k, v]) => [
    k, v && typeof v === 'object' && 'value' in (v as object) ? (v as { value: unknown }).value : v,
  ]));
}
