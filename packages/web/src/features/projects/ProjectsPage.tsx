import { useQuery } from '@tanstack/react-query';
import { gql } from '../../lib/api';
import { timeAgo } from '../../lib/format';
import { Link, navigate, pathOf } from '../../app/router';
import { ErrorNote, NotFound } from '../common/NotFound';
import { StateBadge } from '../run/StateBadge';

interface RecentRun { name: string; displayName: string | null; state: string | null; heartbeatAt: string | null }
interface ProjectRow {
  name: string; runCount: number; createdAt: string | null;
  runs: { edges: { node: RecentRun }[] };
}

const ENTITIES = `query { viewer { username teams { edges { node { name } } } } }`;
const PROJECTS = `query($entity: String!) {
  entity(name: $entity) {
    name
    projects(first: 500) { edges { node {
      name runCount createdAt
      runs(first: 3, order: "-heartbeatAt") { edges { node { name displayName state heartbeatAt } } }
    } } }
  }
}`;

export function useEntities() {
  return useQuery({
    queryKey: ['entities'],
    queryFn: async ({ signal }) => {
      const d = await gql<{ viewer: { username: string; teams: { edges: { node: { name: string } }[] } } }>(ENTITIES, {}, signal);
      return [d.viewer.username, ...d.viewer.teams.edges.map((e) => e.node.name).filter((n) => n !== d.viewer.username)];
    },
    staleTime: 60_000,
  });
}

/** Projects of one entity (the viewer's own by default): run counts, last activity and the most recent runs. */
export function ProjectsPage({ entity }: { entity?: string | undefined }) {
  const entities = useEntities();
  const current = entity ?? entities.data?.[0];
  const projects = useQuery({
    queryKey: ['projects', current],
    enabled: current !== undefined,
    queryFn: async ({ signal }) => {
      const d = await gql<{ entity: { name: string; projects: { edges: { node: ProjectRow }[] } } | null }>(PROJECTS, { entity: current }, signal);
      if (!d.entity) return null;
      // Most recently active first: the projects people are working on now.
      return d.entity.projects.edges.map((e) => e.node)
        .sort((a, b) => (lastActivity(b) ?? '').localeCompare(lastActivity(a) ?? ''));
    },
  });

  if (entities.error) return <main className="page"><ErrorNote error={entities.error} /></main>;
  if (projects.data === null) return <NotFound what={`Entity ${current}`} />;
  return (
    <main className="page projects">
      <header className="page-head">
        <h1>Projects</h1>
        <label className="entity-switcher">
          Entity
          <select value={current ?? ''} onChange={(e) => navigate(pathOf(e.target.value))}>
            {[...new Set([...(entities.data ?? []), ...(current ? [current] : [])])].map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
      </header>
      {projects.error && <ErrorNote error={projects.error} />}
      {projects.isPending && current !== undefined && <p className="muted">Loading…</p>}
      {projects.data?.length === 0 && (
        <div className="empty">
          <p>No projects in <strong>{current}</strong> yet. Log a run with the <code>wandb</code> SDK:</p>
          <pre>{`wandb login --host ${window.location.origin}\npython -c "import wandb; r = wandb.init(project='hello'); r.log({'loss': 1}); r.finish()"`}</pre>
        </div>
      )}
      {projects.data && projects.data.length > 0 && (
        <table className="plain projects-table">
          <thead><tr><th>Project</th><th className="num">Runs</th><th>Last activity</th><th>Recent runs</th></tr></thead>
          <tbody>
            {projects.data.map((p) => (
              <tr key={p.name} data-project={p.name}>
                <td><Link to={pathOf(current!, p.name)}>{p.name}</Link></td>
                <td className="num" data-testid="run-count">{p.runCount}</td>
                <td title={lastActivity(p) ?? ''}>{timeAgo(lastActivity(p))}</td>
                <td className="recent-runs">
                  {p.runs.edges.map(({ node: r }) => (
                    <Link key={r.name} to={pathOf(current!, p.name, 'runs', r.name)} className="recent-run">
                      <StateBadge state={r.state} compact /> {r.displayName ?? r.name}
                    </Link>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

/** A project's last activity: its latest run heartbeat, else when it was created. */
const lastActivity = (p: ProjectRow) => p.runs.edges[0]?.node.heartbeatAt ?? p.createdAt;
