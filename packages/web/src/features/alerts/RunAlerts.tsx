import { useQuery } from '@tanstack/react-query';
import { gql } from '../../lib/api';
import { timeAgo } from '../../lib/format';

interface Delivery { id: number; status: string; attempts: number; lastStatusCode: number | null; lastError: string | null }
interface RunAlert { id: number; title: string; text: string; level: 'INFO' | 'WARN' | 'ERROR'; source: string; createdAt: string; deliveries: Delivery[] }

const ALERTS = `query($entity: String!, $project: String!, $run: String!) {
  project(name: $project, entityName: $entity) { run(name: $run) {
    alerts(limit: 100) { id title text level source createdAt deliveries { id status attempts lastStatusCode lastError } }
  } }
}`;

/** Alerts sent for a run (run.alert and run-state alerts), newest first, with how each delivery went. */
export function RunAlerts({ entity, project, run, live }: { entity: string; project: string; run: string; live: boolean }) {
  const q = useQuery({
    queryKey: ['run-alerts', entity, project, run],
    queryFn: ({ signal }) => gql<{ project: { run: { alerts: RunAlert[] } | null } | null }>(ALERTS, { entity, project, run }, signal),
    refetchInterval: live ? 5000 : false,
  });
  const alerts = q.data?.project?.run?.alerts ?? [];
  if (q.error) return <p role="alert" className="error">{q.error.message}</p>;
  if (alerts.length === 0) return null;
  return (
    <section aria-labelledby="run-alerts-title" className="run-alerts">
      <h2 id="run-alerts-title">Alerts</h2>
      <ul className="plain-list">
        {alerts.map((a) => (
          <li key={a.id} data-alert-id={a.id} className={`alert-level-${a.level.toLowerCase()}`}>
            {/* The level is spelled out, not only coloured. */}
            <strong>[{a.level}] {a.title}</strong> <span className="muted" title={a.createdAt}>{timeAgo(a.createdAt)} · {a.source === 'script' ? 'run.alert' : 'run state'}</span>
            <div>{a.text}</div>
            <div className="muted">
              {a.deliveries.length === 0 ? 'no destinations' : a.deliveries.map((d) =>
                `${d.status}${d.lastStatusCode ? ` (HTTP ${d.lastStatusCode})` : ''}${d.lastError ? `: ${d.lastError}` : ''}`).join(' · ')}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
