import { useQuery, useQueryClient } from '@tanstack/react-query';
import { FALLBACK_REFETCH_MS, useLiveUpdates } from '../../lib/live';
import { parseExtendedJson } from '@cairn/shared';
import { useMemo } from 'react';
import { Link, navigate, pathOf, useLocation } from '../../app/router';
import { gql } from '../../lib/api';
import { runColor } from '../../lib/colors';
import { ErrorNote, NotFound } from '../common/NotFound';
import { PanelGrid } from '../workspace/PanelGrid';
import { RunAlerts } from '../alerts/RunAlerts';
import { MediaTab } from '../media/MediaTab';
import { ConsoleLog } from './ConsoleLog';
import { StateBadge } from './StateBadge';
import { RunArtifacts, RunFiles, RunOverview } from './RunDetails';

interface RunDetail {
  id: string; name: string; displayName: string | null; state: string | null; notes: string | null; tags: string[];
  group: string | null; jobType: string | null; host: string | null; commit: string | null; exitcode: number | null;
  createdAt: string | null; heartbeatAt: string | null; config: string | null; summaryMetrics: string | null;
  user: { username: string | null } | null;
}

const RUN = `query($entity: String!, $project: String!, $run: String!) {
  project(name: $project, entityName: $entity) { name run(name: $run) {
    id name displayName state notes tags group jobType host commit exitcode createdAt heartbeatAt config summaryMetrics user { username }
  } }
}`;

const TABS = ['overview', 'charts', 'logs', 'media', 'files', 'artifacts'] as const;
type Tab = (typeof TABS)[number];

export function RunPage({ entity, project, run }: { entity: string; project: string; run: string }) {
  const location = useLocation();
  const tabParam = new URLSearchParams(location.split('?')[1] ?? '').get('tab');
  const tab: Tab = (TABS as readonly string[]).includes(tabParam ?? '') ? (tabParam as Tab) : 'overview';
  const qc = useQueryClient();
  const liveConnected = useLiveUpdates(entity, project, (u) => {
    if ((u.kind === 'run' && u.run === run) || u.kind === 'hello') void qc.invalidateQueries({ queryKey: ['run', entity, project, run], exact: true });
  });
  const q = useQuery({
    queryKey: ['run', entity, project, run],
    queryFn: ({ signal }) => gql<{ project: { name: string; run: RunDetail | null } | null }>(RUN, { entity, project, run }, signal),
    // Live: refetched when the server announces a change of this run; a slow poll while the stream is down.
    refetchInterval: (query) => (!liveConnected && query.state.data?.project?.run?.state === 'running' ? FALLBACK_REFETCH_MS : false),
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
      {tab === 'overview' && <Overview entity={entity} project={project} run={detail} />}
      {tab === 'overview' && <RunAlerts entity={entity} project={project} run={run} live={live} />}
      {tab === 'charts' && <PanelGrid entity={entity} project={project} runs={chartRuns} refetchMs={live ? 1000 : false} />}
      {tab === 'logs' && <ConsoleLog entity={entity} project={project} run={run} live={live} />}
      {tab === 'media' && <MediaTab runRef={{ entity, project, run }} live={live} />}
      {tab === 'files' && <RunFiles entity={entity} project={project} run={run} />}
      {tab === 'artifacts' && <RunArtifacts entity={entity} project={project} run={run} />}
    </main>
  );
}

function Overview({ entity, project, run }: { entity: string; project: string; run: RunDetail }) {
  const config = useMemo(() => unwrapConfig(parseJsonObject(run.config)), [run.config]);
  const summary = useMemo(() => parseJsonObject(run.summaryMetrics), [run.summaryMetrics]);
  const wandbConfig = useMemo(() => {
    const w = parseJsonObject(run.config)._wandb as { value?: unknown } | undefined;
    return w?.value && typeof w.value === 'object' ? (w.value as Record<string, unknown>) : {};
  }, [run.config]);
  return <RunOverview entity={entity} project={project} run={run} config={config} summary={summary} wandbConfig={wandbConfig} />;
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
